"""The certifier's authority as the ledger shows it: a real issuance, and the certifier's
record over time (rotation, role changes, revocation)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.certificate import (
    CertificateFacts,
    CultivationPeriod,
    build_credential,
    sign_credential,
)
from craftreg.credentials.evidence import ENROLMENT, ISSUANCE
from craftreg.credentials.verify import (
    Trust,
    Verdict,
)
from craftreg.domain.authority import Role
from craftreg.keys import Signer
from craftreg.ledger.note import generate_key, sign_note
from tests.credentials import sample
from tests.credentials.helpers import (
    CERTIFIER,
    check,
    failed,
    resign,
    stored,
)
from tests.domain.test_lifecycle import Zhejiang

# -- a certificate issued through the real rules -------------------------------------------


def test_a_certificate_issued_in_the_zhejiang_story_verifies_against_its_own_log() -> None:
    zj = Zhejiang()
    certificate_id = zj.certified()
    state = zj.log.state
    certificate = state.lifecycle.certificates[certificate_id]
    assert certificate.cultivation is not None
    cultivation = state.lifecycle.cultivations[certificate.cultivation]
    records = [event.record for event in zj.log.events]
    certifier = zj.key(Role.CERTIFIER)
    enrolled = next(
        i
        for i, event in enumerate(zj.log.events)
        if event.envelope.type == "ActorEnrolled"
        and event.envelope.payload["public_key"] == certifier.public_key_b64
    )
    issued = next(i for i, e in enumerate(zj.log.events) if e.envelope.stream == certificate_id)
    signer_key, verifier_key = generate_key(state.chain.origin)
    checkpoint = sign_note(sample.checkpoint_text(state.chain.origin, records), signer_key)
    built = build_credential(
        CertificateFacts(
            certificate=certificate_id,
            number=certificate.number,
            holder_name="陈静",
            tier=certificate.tier,
            trade="数控车工",
            employer="杭汽",
            issue_date="2029-05-10",
            cultivation=CultivationPeriod(start=cultivation.start, end=cultivation.end),
            body=certificate.body,
            body_name=state.chain.organisations[certificate.body].name,
            status_list=sample.STATUS_LIST,
            status_index=1,
        ),
        certifier.public_key,
        [
            sample.evidence(records, enrolled, ENROLMENT, checkpoint),
            sample.evidence(records, issued, ISSUANCE, checkpoint),
        ],
    )
    signed = sign_credential(built, certifier.private_key, "2029-05-10T08:00:00Z")
    report = check(signed, trust=Trust(log_keys=(verifier_key,)))
    assert report.verdict is Verdict.VALID, [s.en for s in report.steps]


# -- the certifier's record over time -----------------------------------------------------


def actor_event(version: int, type_: str, payload: dict[str, Any]) -> Any:
    return Signer(sample.key("root")).sign(
        sample.stream("certifier"), version, type_, payload, datetime(2028, 1, version, tzinfo=UTC)
    )


def with_enrolment_history(*history: Any, enrolment: Any | None = None) -> dict[str, Any]:
    """The sample certificate whose enrolment evidence is ``enrolment`` (the sample's by
    default) then ``history``, all in one log that ends with the issuance."""
    events = sample.events()
    actor = [enrolment or events[2], *history]
    records = [e.record for e in (events[0], events[1], events[3], *actor, events[4])]
    note = sample.checkpoint(records)
    document = copy.deepcopy(stored("certificate.json"))
    document["evidence"] = [
        *(sample.evidence(records, 3 + i, ENROLMENT, note).to_json() for i in range(len(actor))),
        sample.evidence(records, len(records) - 1, ISSUANCE, note).to_json(),
    ]
    return resign(document)


OLD_KEY = Signer(Ed25519PrivateKey.from_private_bytes(b"\x55" * 32))
CERTIFIER_B64 = Signer(CERTIFIER).public_key_b64


HISTORIES: list[tuple[str, list[Any], Verdict]] = [
    ("roles kept", [actor_event(2, "ActorRolesChanged", {"roles": ["certifier", "assessor"]})], Verdict.VALID),
    ("certifier role withdrawn", [actor_event(2, "ActorRolesChanged", {"roles": ["assessor"]})], Verdict.INVALID),
    ("key rotated away", [actor_event(2, "ActorKeyRotated", {"public_key": OLD_KEY.public_key_b64})], Verdict.INVALID),
    ("key revoked", [actor_event(2, "ActorKeyRevoked", {"key": Signer(CERTIFIER).key_id, "reason": "lost"})], Verdict.INVALID),
    ("another key revoked", [actor_event(2, "ActorKeyRevoked", {"key": OLD_KEY.key_id, "reason": "x"})], Verdict.VALID),
    ("an unrelated event", [Signer(sample.key("root")).sign(sample.stream("certifier"), 2, "OrganisationRegistered", {}, datetime(2028, 1, 2, tzinfo=UTC))], Verdict.INVALID),
]  # fmt: skip


def enrolled_with(public_key: str) -> Any:
    return actor_event(
        1,
        "ActorEnrolled",
        {
            "organisation": sample.stream("zhejiang"),
            "name": "浙江发证人",
            "roles": ["certifier"],
            "public_key": public_key,
        },
    )


def test_a_key_rotated_to_the_signing_key_carries_the_authority() -> None:
    rotated = actor_event(2, "ActorKeyRotated", {"public_key": CERTIFIER_B64})
    old = enrolled_with(OLD_KEY.public_key_b64)
    assert check(with_enrolment_history(rotated, enrolment=old)).verdict is Verdict.VALID
    assert check(with_enrolment_history(enrolment=old)).verdict is Verdict.INVALID


@pytest.mark.parametrize(("label", "history", "verdict"), HISTORIES, ids=[h[0] for h in HISTORIES])
def test_the_certifiers_later_record_decides_the_authority(
    label: str, history: list[Any], verdict: Verdict
) -> None:
    report = check(with_enrolment_history(*history))
    assert report.verdict is verdict, [s.en for s in report.steps]
    if verdict is Verdict.INVALID:
        assert set(failed(report)) == {"authority"}
