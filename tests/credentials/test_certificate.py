"""The credential builder: the documented members, tiers, pilot records, the signing key."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.certificate import (
    CertificateFacts,
    build_credential,
    sign_credential,
)
from craftreg.credentials.didkey import (
    did_key,
    public_key_of,
    verification_method,
)
from craftreg.credentials.errors import MalformedCredential
from craftreg.domain.tiers import Tier
from tests.credentials import sample
from tests.credentials.helpers import CERTIFIER

# -- the builder -----------------------------------------------------------------------------


def facts(**changes: Any) -> CertificateFacts:
    base = sample.facts(12345)
    return CertificateFacts(**{**{f: getattr(base, f) for f in base.__struct_fields__}, **changes})


def numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_the_credential_has_the_documented_members_and_no_fractional_number() -> None:
    credential = build_credential(facts(), public_key_of(CERTIFIER))
    assert credential["type"] == ["VerifiableCredential", "CraftsmanCertificate"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == did_key(public_key_of(CERTIFIER))
    assert credential["credentialStatus"]["statusListIndex"] == "12345"
    assert credential["validFrom"] == "2029-05-10T00:00:00+08:00"
    assert "evidence" not in credential
    assert all(isinstance(n, int) for n in numbers(sample.build()["certificate.json"]))


@pytest.mark.parametrize(
    ("tier", "name"),
    [(Tier.NATIONAL, "大国工匠"), (Tier.PROVINCIAL, "省级工匠"), (Tier.MUNICIPAL, "市级工匠")],
)
def test_each_tier_carries_its_chinese_name(tier: Tier, name: str) -> None:
    subject = build_credential(facts(tier=tier), public_key_of(CERTIFIER))["credentialSubject"]
    assert subject["tier"]["code"] == tier.value and subject["tier"]["name"] == name


def test_a_pilot_record_has_no_cultivation_period_and_names_the_pilot_scheme() -> None:
    subject = build_credential(facts(cultivation=None, pilot=True), public_key_of(CERTIFIER))[
        "credentialSubject"
    ]
    assert "cultivationPeriod" not in subject
    assert subject["scheme"] == "总工发〔2024〕1号"


def test_signing_with_a_key_other_than_the_issuers_is_refused() -> None:
    credential = build_credential(facts(), public_key_of(CERTIFIER))
    with pytest.raises(MalformedCredential):
        sign_credential(credential, other_certifier_key(), sample.SIGNED_AT)
    assert verification_method(public_key_of(CERTIFIER)).startswith(credential["issuer"]["id"])


def other_certifier_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b"\x44" * 32)
