"""Certificates out (证书发放与核验): the registry's side of the verifiable certificate.

Assembles the credential from the views and the ledger for the certifier to sign on their own
machine, keeps the status list and the holders' codes, and answers verifications with a
receipt signed by the log key. Formats: docs/certificate-format.md §9.
"""
