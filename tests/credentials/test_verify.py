"""The whole certificate document: the sample vectors, a real issuance, and each way a forged,
altered or unprovable certificate is caught, with the step and the message that say so."""

from __future__ import annotations

import contextlib
import copy
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from craftreg.credentials.certificate import sign_credential
from craftreg.credentials.didkey import (
    did_key,
    encode_base58btc,
    public_key_of,
)
from craftreg.credentials.errors import MalformedCredential
from craftreg.credentials.evidence import ENROLMENT, ISSUANCE
from craftreg.credentials.integrity import canonicalize, configure, hash_data, transform
from craftreg.credentials.statuslist import StatusList, signed_status_list
from craftreg.credentials.verify import (
    Outcome,
    Trust,
    Verdict,
    load_document,
    verify_certificate,
)
from craftreg.domain.authority import Role
from craftreg.domain.catalogue import new_state
from craftreg.ledger.note import generate_key
from tests.credentials import sample
from tests.credentials.helpers import (
    CERTIFIER,
    TRUST,
    Change,
    changed,
    check,
    failed,
    outcomes,
    resign,
    stored,
)

# -- the sample vectors ---------------------------------------------------------------------


def test_the_sample_files_are_what_the_seed_keys_build() -> None:
    built = sample.build()
    for name in ("keys.json", "certificate.json"):
        assert (sample.FOLDER / name).read_text(encoding="utf-8") == sample.dumps(built[name])
    # The status list's GZIP bytes depend on the zlib build; its bits and proof must match.
    status = stored("status-list.json")
    assert {k: v for k, v in status.items() if k not in ("credentialSubject", "proof")} == {
        k: v
        for k, v in built["status-list.json"].items()
        if k not in ("credentialSubject", "proof")
    }
    assert (
        StatusList.decode(status["credentialSubject"]["encodedList"]).revoked()
        == StatusList.decode(
            built["status-list.json"]["credentialSubject"]["encodedList"]
        ).revoked()
    )


def test_the_sample_certificate_is_valid_online_with_every_step_passed() -> None:
    report = check(stored("certificate.json"), status=stored("status-list.json"))
    assert report.verdict is Verdict.VALID
    assert set(outcomes(report).values()) == {Outcome.PASSED}
    assert [s.name for s in report.steps] == [
        "document", "issuer-key", "signature", "authority", "issuance", "validity",
        "status-entry", "revocation",
    ]  # fmt: skip
    assert report.summary is not None and report.summary.holder_name == "陈静"
    assert report.summary.tier_name == "省级工匠" and report.summary.issuer_name == "浙江省总工会"


def test_offline_the_certificate_is_valid_and_says_revocation_was_not_checked() -> None:
    report = check(stored("certificate.json"))
    assert report.verdict is Verdict.VALID
    assert outcomes(report)["revocation"] is Outcome.NOT_CHECKED
    assert "offline" in report.steps[-1].en and "离线" in report.steps[-1].zh


def test_the_sample_enrolment_events_are_admitted_by_the_domain() -> None:
    state = new_state()
    for event in sample.events()[:4]:
        state.apply(event)
    assert Role.CERTIFIER in state.chain.actors[sample.stream("certifier")].roles


def test_a_revoked_certificate_shows_as_revoked() -> None:
    document = stored("certificate.json")
    bits = StatusList.decode(stored("status-list.json")["credentialSubject"]["encodedList"])
    bits.set(int(document["credentialStatus"]["statusListIndex"]))
    status = signed_status_list(sample.STATUS_LIST, bits, sample.key("status"), sample.SIGNED_AT)
    report = check(document, status=status)
    assert report.verdict is Verdict.REVOKED
    assert failed(report) == {"revocation": "revoked"}
    assert "第二十条" in report.steps[-1].zh and "Art. 20" in report.steps[-1].en


def test_an_untrusted_status_list_leaves_revocation_unchecked_not_valid_or_revoked() -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(b"\x33" * 32)
    bits = StatusList()
    bits.set(int(stored("certificate.json")["credentialStatus"]["statusListIndex"]))
    status = signed_status_list(sample.STATUS_LIST, bits, stranger, sample.SIGNED_AT)
    report = check(stored("certificate.json"), status=status)
    assert outcomes(report)["revocation"] is Outcome.NOT_CHECKED
    assert report.verdict is Verdict.VALID  # as offline: the forged list cannot revoke it


def test_without_a_trusted_log_key_the_verdict_is_unchecked() -> None:
    report = check(stored("certificate.json"), trust=Trust())
    assert report.verdict is Verdict.UNCHECKED
    assert outcomes(report)["authority"] is Outcome.NOT_CHECKED


def test_a_log_key_that_did_not_sign_the_checkpoint_fails_authority() -> None:
    _, stranger = generate_key(sample.ORIGIN)
    report = check(stored("certificate.json"), trust=Trust(log_keys=(stranger,)))
    assert report.verdict is Verdict.INVALID
    assert failed(report) == {
        "authority": "ledger-evidence-invalid",
        "issuance": "ledger-evidence-invalid",
    }


# -- tampering -----------------------------------------------------------------------------


UNSIGNED_CHANGES: list[tuple[str, Change, dict[str, str | None]]] = [
    (
        "holder's name",
        lambda d: d["credentialSubject"].update(name="张三"),
        {"signature": "invalid-proof", "issuance": "ledger-evidence-invalid"},
    ),
    (
        "tier raised",
        lambda d: d["credentialSubject"].update(
            tier={"code": "national", "name": "大国工匠", "nameEn": "x"}
        ),
        {"signature": "invalid-proof"},
    ),
    (
        "status index moved",
        lambda d: d["credentialStatus"].update(statusListIndex="1"),
        {"signature": "invalid-proof"},
    ),
    (
        "issuer key swapped",
        lambda d: d["issuer"].update(id=did_key(b"\x07" * 32)),
        {"issuer-key": "malformed-credential"},
    ),
    (
        "proof value altered",
        lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + "11"),
        {"signature": "invalid-proof"},
    ),
    (
        "cryptosuite",
        lambda d: d["proof"].update(cryptosuite="ecdsa-jcs-2019"),
        {"signature": "unsupported-proof"},
    ),
]


@pytest.mark.parametrize(
    ("label", "change", "expected"), UNSIGNED_CHANGES, ids=[c[0] for c in UNSIGNED_CHANGES]
)
def test_an_altered_certificate_is_invalid_at_the_right_step(
    label: str, change: Change, expected: dict[str, str | None]
) -> None:
    report = check(changed(change))
    assert report.verdict is Verdict.INVALID
    assert failed(report) == expected
    for step in report.steps:
        if step.outcome is Outcome.FAILED:
            assert step.zh and step.en and step.title_zh and step.title_en


def other_certifier_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b"\x44" * 32)


def forged_by_stranger(document: dict[str, Any]) -> dict[str, Any]:
    stranger = other_certifier_key()
    document["issuer"]["id"] = did_key(public_key_of(stranger))
    return resign(document, stranger)


def test_a_certificate_forged_with_a_fresh_key_has_a_valid_signature_but_no_authority() -> None:
    report = check(forged_by_stranger(copy.deepcopy(stored("certificate.json"))))
    assert outcomes(report)["signature"] is Outcome.PASSED
    assert report.verdict is Verdict.INVALID
    assert set(failed(report)) == {"authority", "issuance"}
    assert "enrolled" in report.steps[3].en


SIGNED_CHANGES: list[tuple[str, Change, set[str]]] = [
    ("another issuing body", lambda d: d["issuer"].update(organisation=f"urn:uuid:{sample.stream('hangzhou')}"), {"authority"}),
    ("employer differs from the ledger", lambda d: d["credentialSubject"].update(employerAtIssue="别家公司"), {"issuance"}),
    ("number differs from the ledger", lambda d: d["credentialSubject"].update(certificateNumber="S33-2029-00002"), {"issuance"}),
    ("another certificate's id", lambda d: d.update(id=f"urn:uuid:{sample.stream('other')}"), {"issuance"}),
    ("enrolment event altered", lambda d: d["evidence"][0]["event"]["envelope"]["payload"].update(roles=["certifier", "reviewer"]), {"authority"}),
    ("enrolment at another position", lambda d: d["evidence"][0].update(leafIndex=3), {"authority"}),
    ("inclusion proof hash altered", lambda d: d["evidence"][1]["inclusionProof"].__setitem__(0, "A" * 43 + "="), {"issuance"}),
    ("inclusion proof not base64", lambda d: d["evidence"][1]["inclusionProof"].__setitem__(0, "not base64"), {"issuance"}),
    ("checkpoint root altered", lambda d: d["evidence"][0].update(checkpoint=d["evidence"][0]["checkpoint"].replace("\n5\n", "\n6\n")), {"authority"}),
    ("enrolment proof dropped", lambda d: d.update(evidence=[d["evidence"][1]]), {"authority"}),
    ("issuance shown as enrolment", lambda d: d["evidence"][1].update(purpose=ENROLMENT), {"authority"}),
    ("enrolment shown as issuance", lambda d: d["evidence"][0].update(purpose=ISSUANCE), {"authority", "issuance"}),
    ("not yet valid", lambda d: d.update(validFrom="2031-01-01T00:00:00+08:00"), {"validity"}),
    ("expired", lambda d: d.update(validUntil="2029-12-31T00:00:00+08:00"), {"validity"}),
    ("status entry for suspension", lambda d: d["credentialStatus"].update(statusPurpose="suspension"), {"status-entry"}),
    ("status index not a string", lambda d: d["credentialStatus"].update(statusListIndex=7), {"status-entry"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "change", "expected"), SIGNED_CHANGES, ids=[c[0] for c in SIGNED_CHANGES]
)
def test_a_certificate_the_certifier_signed_with_wrong_facts_is_caught_by_the_ledger(
    label: str, change: Change, expected: set[str]
) -> None:
    report = check(changed(change, signed_again=True), status=stored("status-list.json"))
    assert report.verdict is Verdict.INVALID
    assert set(failed(report)) == expected
    assert outcomes(report)["signature"] is Outcome.PASSED


def test_a_certificate_without_the_issuance_proof_cannot_be_fully_checked() -> None:
    document = changed(lambda d: d.update(evidence=[d["evidence"][0]]), signed_again=True)
    assert check(document).verdict is Verdict.UNCHECKED
    relaxed = Trust(log_keys=TRUST.log_keys, require_issuance=False)
    assert check(document, trust=relaxed).verdict is Verdict.VALID


MALFORMED: list[tuple[str, Change]] = [
    ("another context", lambda d: d["@context"].append("https://example.org/more")),
    ("not a craftsman certificate", lambda d: d.update(type=["VerifiableCredential"])),
    ("tier name not the tier's", lambda d: d["credentialSubject"]["tier"].update(name="大国工匠")),
    ("unknown tier", lambda d: d["credentialSubject"]["tier"].update(code="county")),
    ("issue date not a date", lambda d: d["credentialSubject"].update(issueDate="2029/05/10")),
    ("period reversed", lambda d: d["credentialSubject"]["cultivationPeriod"].update(start="2030-01-01")),
    ("holder name missing", lambda d: d["credentialSubject"].pop("name")),
    ("issuer organisation not a urn:uuid", lambda d: d["issuer"].update(organisation="浙江")),
    ("uppercase uuid", lambda d: d.update(id=d["id"].upper().replace("URN:UUID:", "urn:uuid:"))),
    ("validFrom without a time zone", lambda d: d.update(validFrom="2029-05-10T00:00:00")),
    ("issuer a bare string", lambda d: d.update(issuer=d["issuer"]["id"])),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_document_fails_its_format_and_later_steps_are_not_checked(
    label: str, change: Change
) -> None:
    report = check(changed(change, signed_again=True))
    assert report.verdict is Verdict.INVALID
    assert failed(report) == {"document": "malformed-credential"}
    assert report.summary is None
    assert outcomes(report)["signature"] is Outcome.NOT_CHECKED
    assert "not checked" in report.steps[2].en and "未检查" in report.steps[2].zh


@pytest.mark.parametrize("document", [None, [], "证书", 42, {"proof": {}}])
def test_anything_that_is_not_a_certificate_gets_a_clear_verdict(document: Any) -> None:
    report = check(document)
    assert report.verdict is Verdict.INVALID
    assert report.steps[0].outcome is Outcome.FAILED and report.steps[0].zh


@pytest.mark.parametrize(
    "data",
    [b"{", b"\xff\xfe", b'{"a": 1, "a": 2}', b"[" * 100_000],
    ids=["truncated", "not utf-8", "duplicate member", "deep nesting"],
)
def test_an_unreadable_upload_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(MalformedCredential) as raised:
        load_document(data)
    assert raised.value.zh and raised.value.en


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError):
        verify_certificate({}, trust=TRUST, now=datetime(2030, 1, 1))


# -- times and order -----------------------------------------------------------------------


def signed_with_options(document: dict[str, Any], **options: str) -> dict[str, Any]:
    """Sign with proof options our signer does not write (an expiry), by the suite's steps."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    proof = {**document["proof"], **options}
    proof.pop("proofValue")
    data = hash_data(transform(unsigned, proof), configure(unsigned, proof))
    return {**unsigned, "proof": {**proof, "proofValue": encode_base58btc(CERTIFIER.sign(data))}}


@pytest.mark.parametrize(
    "options",
    [{"created": "2031-01-01T00:00:00Z"}, {"expires": "2029-12-31T00:00:00Z"}],
    ids=["signed in the future", "signature expired"],
)
def test_a_signature_outside_its_time_fails_validity(options: dict[str, str]) -> None:
    report = check(signed_with_options(stored("certificate.json"), **options))
    assert outcomes(report)["signature"] is Outcome.PASSED
    assert failed(report) == {"validity": "malformed-credential"}


def test_an_issuance_logged_before_the_certifiers_enrolment_is_refused() -> None:
    events = sample.events()
    records = [e.record for e in (events[0], events[4], events[1], events[2], events[3])]
    note = sample.checkpoint(records)
    document = copy.deepcopy(stored("certificate.json"))
    document["evidence"] = [
        sample.evidence(records, 3, ENROLMENT, note).to_json(),
        sample.evidence(records, 1, ISSUANCE, note).to_json(),
    ]
    report = check(resign(document))
    assert failed(report) == {"issuance": "ledger-evidence-invalid"}
    assert "precedes" in report.steps[4].en


# -- hostile input -------------------------------------------------------------------------

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


SAMPLE_PATHS = paths(stored("certificate.json"))[1:]


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(SAMPLE_PATHS), value=ANY_JSON, signed_again=st.booleans())
def test_any_value_anywhere_gives_a_verdict_and_never_an_exception(
    where: tuple[Any, ...], value: Any, signed_again: bool
) -> None:
    document = copy.deepcopy(stored("certificate.json"))
    parent = document
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    if signed_again and isinstance(document.get("issuer"), dict):
        document.pop("proof", None)
        with contextlib.suppress(MalformedCredential):  # the issuer's id itself was changed
            document = sign_credential(document, CERTIFIER, sample.SIGNED_AT)
    report = check(document, status=stored("status-list.json"))
    assert report.verdict in (Verdict.INVALID, Verdict.UNCHECKED, Verdict.VALID)
    for step in report.steps:
        assert step.zh and step.en
    if not signed_again and differs(document, stored("certificate.json")):
        assert report.verdict is not Verdict.VALID  # nothing signed can change unnoticed


def differs(one: Any, other: Any) -> bool:
    try:
        return canonicalize(one) != canonicalize(other)
    except MalformedCredential:
        return True
