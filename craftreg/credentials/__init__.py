"""Verifiable craftsman certificates (可验证的工匠人才证书): W3C Verifiable Credentials 2.0
with ``eddsa-jcs-2022`` Data Integrity proofs, did:key issuers, Bitstring Status Lists and
ledger inclusion proofs. The format is specified in docs/certificate-format.md.

Nothing here reads the store: builders take plain facts, verifiers take parsed JSON and what
the verifier trusts, so the same code serves the registry, the page and an offline check.
"""
