"""The craftsman certificate (工匠人才证书, Art. 15) as a W3C Verifiable Credential 2.0.

The builder takes plain facts (:class:`CertificateFacts`), so that it knows nothing of the
registry's projections; the integration step reads those and fills the facts. The layout is
specified, with an example, in docs/certificate-format.md:

* ``issuer`` is the certifier's key of the cultivating body as a did:key (so a verifier
  resolves it offline), with the body's name and organisation id;
* ``credentialSubject`` holds the holder's name, the tier with its Chinese name, the trade, the
  employer at issue, the number, the issue date and the cultivation period (none for a record
  of the 2024 pilot, Art. 24);
* ``credentialStatus`` is a ``BitstringStatusListEntry`` (purpose ``revocation``, Art. 20);
* ``evidence`` holds the ledger inclusion proofs: the certifier's enrolment and, once the
  integration adds it, the issuance event (:mod:`craftreg.credentials.evidence`).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.didkey import did_key, public_key_of, verification_method
from craftreg.credentials.errors import MalformedCredential
from craftreg.credentials.evidence import LedgerEvidence
from craftreg.credentials.integrity import add_proof
from craftreg.credentials.statuslist import VC_CONTEXT, status_entry
from craftreg.domain.certificates import PILOT_SCHEME
from craftreg.domain.tiers import TIER_NAMES, Tier

MEASURES = "总工发〔2025〕10号"
CERTIFICATE_TYPE = "CraftsmanCertificate"
VOCABULARY = "urn:craftreg:vocab#"
# Our terms live in an inline context under a URN vocabulary: a verifier needs no document
# from the network, and JCS signs the context like any other member. A ledger event is kept
# as an opaque JSON literal, so that JSON-LD tools do not read its members as terms.
CRAFTREG_CONTEXT: dict[str, Any] = {
    "@vocab": VOCABULARY,
    "event": {"@id": f"{VOCABULARY}event", "@type": "@json"},
}
CONTEXT: list[Any] = [VC_CONTEXT, CRAFTREG_CONTEXT]
CHINA_OFFSET = "+08:00"

TIER_NAMES_EN = {
    Tier.NATIONAL: "Great Craftsman of the Nation",
    Tier.PROVINCIAL: "Provincial Craftsman",
    Tier.MUNICIPAL: "Municipal Craftsman",
}


class CultivationPeriod(msgspec.Struct, frozen=True, kw_only=True):
    """培育期 (Art. 10), dates as YYYY-MM-DD."""

    start: str
    end: str


class CertificateFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the registry knows of one certificate, as plain values."""

    certificate: str  # the certificate's stream id (UUID)
    number: str
    holder_name: str
    tier: Tier
    trade: str
    employer: str  # employer at issue
    issue_date: str  # YYYY-MM-DD
    cultivation: CultivationPeriod | None  # None for a 2024 pilot record (Art. 24)
    body: str  # the cultivating body's organisation id (UUID)
    body_name: str
    status_list: str  # URL of the status list credential
    status_index: int
    pilot: bool = False


def credential_id(certificate: str) -> str:
    return uuid.UUID(certificate).urn


def organisation_id(organisation: str) -> str:
    return uuid.UUID(organisation).urn


def valid_from(issue_date: str) -> str:
    """A certificate is valid from the start of its issue day, Beijing time."""
    return f"{issue_date}T00:00:00{CHINA_OFFSET}"


def build_credential(
    facts: CertificateFacts,
    certifier_public_key: bytes,
    evidence: Sequence[LedgerEvidence] = (),
) -> dict[str, Any]:
    """The unsigned credential; :func:`sign_credential` adds the proof."""
    subject: dict[str, Any] = {
        "type": "Craftsman",
        "name": facts.holder_name,
        "tier": {
            "code": facts.tier.value,
            "name": TIER_NAMES[facts.tier],
            "nameEn": TIER_NAMES_EN[facts.tier],
        },
        "trade": facts.trade,
        "employerAtIssue": facts.employer,
        "certificateNumber": facts.number,
        "issueDate": facts.issue_date,
        "scheme": PILOT_SCHEME if facts.pilot else MEASURES,
    }
    if facts.cultivation is not None:
        subject["cultivationPeriod"] = {
            "start": facts.cultivation.start,
            "end": facts.cultivation.end,
        }
    credential: dict[str, Any] = {
        "@context": copy.deepcopy(CONTEXT),
        "id": credential_id(facts.certificate),
        "type": ["VerifiableCredential", CERTIFICATE_TYPE],
        "name": f"{TIER_NAMES[facts.tier]}证书",
        "issuer": {
            "id": did_key(certifier_public_key),
            "name": facts.body_name,
            "organisation": organisation_id(facts.body),
        },
        "validFrom": valid_from(facts.issue_date),
        "credentialSubject": subject,
        "credentialStatus": status_entry(facts.status_list, facts.status_index),
    }
    if evidence:
        credential["evidence"] = [item.to_json() for item in evidence]
    return credential


def sign_credential(
    credential: dict[str, Any], certifier_key: Ed25519PrivateKey, created: str
) -> dict[str, Any]:
    """Add the certifier's ``eddsa-jcs-2022`` proof; its key must be the issuer's did:key."""
    public_key = public_key_of(certifier_key)
    issuer = credential.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != did_key(public_key):
        raise MalformedCredential(
            "签名密钥不是证书所写签发者的密钥。",
            "the signing key is not the key the credential names as its issuer.",
        )
    return add_proof(
        credential,
        certifier_key,
        verification_method=verification_method(public_key),
        created=created,
    )
