"""The signed envelope: canonical bytes, key ids, signatures bound to one place, no floats."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from craftreg.domain.envelope import (
    SIGNING_CONTEXT,
    Envelope,
    SignedEvent,
    canonical_bytes,
    decode_wire,
    from_record,
    from_wire,
    key_id,
)
from craftreg.domain.errors import BadSignature, FloatNotAllowed, MalformedEnvelope
from craftreg.keys import Signer

STREAM = "0b7c6e2a-51f5-4a55-9f1b-3a2f4c8d9e10"
WHEN = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)


def signed_event(signer: Signer, **payload: Any) -> SignedEvent:
    return signer.sign(STREAM, 1, "OrganisationRegistered", payload or {"name": "x"}, WHEN)


def test_canonical_bytes_are_rfc8785_sorted_and_compact() -> None:
    assert (
        canonical_bytes({"b": 1, "a": [True, None, "中"]})
        == '{"a":[true,null,"中"],"b":1}'.encode()
    )


def test_key_id_is_first_16_bytes_of_sha256_of_the_raw_public_key() -> None:
    import hashlib

    signer = Signer.generate()
    assert signer.key_id == hashlib.sha256(signer.public_key).hexdigest()[:32]
    assert key_id(signer.public_key) == signer.key_id


def test_signature_covers_the_context_and_the_canonical_envelope() -> None:
    signer = Signer.generate()
    signed = signed_event(signer)
    public = signer.private_key.public_key()
    public.verify(signed.signature, SIGNING_CONTEXT + signed.canonical)
    assert signed.canonical == canonical_bytes(msgspec.to_builtins(signed.envelope))


def test_time_is_rfc3339_utc_with_microseconds() -> None:
    assert signed_event(Signer.generate()).envelope.time == "2026-03-01T08:30:00.123456Z"


@pytest.mark.parametrize(
    "change",
    [
        {"stream": str(uuid.UUID(int=1))},
        {"version": 2},
        {"type": "ActorEnrolled"},
        {"time": "2026-03-01T08:30:00.123457Z"},
        {"payload": {"name": "y"}},
    ],
    ids=["moved-stream", "other-version", "other-type", "other-time", "changed-payload"],
)
def test_a_signature_is_usable_in_one_place_only(change: dict[str, Any]) -> None:
    signer = Signer.generate()
    signed = signed_event(signer)
    wire = signed.to_wire()
    wire["envelope"].update(change)
    moved = from_wire(wire)
    with pytest.raises(BadSignature):
        moved.verify(signer.public_key)


def test_the_stored_record_holds_the_signed_bytes_verbatim() -> None:
    signed = signed_event(Signer.generate(), name="浙江省总工会", count=3)
    record = signed.record
    assert signed.canonical in record
    back = from_record(record)
    assert back.canonical == signed.canonical
    assert back.signature == signed.signature
    assert record == canonical_bytes(signed.to_wire())


def test_a_record_whose_envelope_is_not_canonical_is_refused() -> None:
    signed = signed_event(Signer.generate())
    spaced = signed.record.replace(b'"payload":', b'"payload": ', 1)
    with pytest.raises(MalformedEnvelope, match="canonical"):
        from_record(spaced)


def wire_with(**overrides: Any) -> dict[str, Any]:
    signed = signed_event(Signer.generate())
    wire = signed.to_wire()
    for key, value in overrides.items():
        if key == "signature":
            wire["signature"] = value
        elif value is ...:
            del wire["envelope"][key]
        else:
            wire["envelope"][key] = value
    return wire


@pytest.mark.parametrize(
    ("overrides", "error", "fragment"),
    [
        ({"stream": "not-a-uuid"}, MalformedEnvelope, "stream"),
        ({"stream": STREAM.upper()}, MalformedEnvelope, "lowercase"),
        ({"version": 0}, MalformedEnvelope, "version"),
        ({"version": "1"}, MalformedEnvelope, "version"),
        ({"version": True}, MalformedEnvelope, "version"),
        ({"type": "organisation.registered"}, MalformedEnvelope, "type"),
        ({"time": "2026-03-01T08:30:00Z"}, MalformedEnvelope, "microseconds"),
        ({"time": "2026-02-30T08:30:00.000000Z"}, MalformedEnvelope, "microseconds"),
        ({"time": "2026-03-01T08:30:00.000000+08:00"}, MalformedEnvelope, "UTC"),
        ({"payload": []}, MalformedEnvelope, "payload"),
        ({"signer": "ABC"}, MalformedEnvelope, "signer"),
        ({"signer": ...}, MalformedEnvelope, "missing"),
        ({"extra": 1}, MalformedEnvelope, "unexpected"),
        ({"payload": {"score": 4.5}}, FloatNotAllowed, "score"),
        ({"payload": {"score": 4.0}}, FloatNotAllowed, "score"),
        ({"payload": {"deep": [{"x": 1e3}]}}, FloatNotAllowed, "deep"),
        ({"payload": {"big": 2**53}}, FloatNotAllowed, "integer range"),
        ({"signature": "!!"}, MalformedEnvelope, "base64"),
        ({"signature": base64.b64encode(b"x" * 63).decode()}, MalformedEnvelope, "64 bytes"),
        ({"signature": 7}, MalformedEnvelope, "string"),
    ],
)
def test_malformed_envelopes_are_refused_with_a_specific_message(
    overrides: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment) as caught:
        from_wire(wire_with(**overrides))
    assert isinstance(caught.value, MalformedEnvelope)
    assert caught.value.zh and caught.value.en


def test_a_float_written_as_json_text_is_refused() -> None:
    signed = signed_event(Signer.generate())
    data = msgspec.json.encode(signed.to_wire()).replace(b'"name":"x"', b'"name":"x","n":1.0')
    with pytest.raises(FloatNotAllowed):
        decode_wire(data)


def test_malformed_json_is_refused() -> None:
    with pytest.raises(MalformedEnvelope, match="JSON"):
        decode_wire(b'{"envelope": ')


def test_signature_base64_must_be_canonical() -> None:
    signed = signed_event(Signer.generate())
    wire = signed.to_wire()
    wire["signature"] = wire["signature"].rstrip("=")
    with pytest.raises(MalformedEnvelope, match="base64"):
        from_wire(wire)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(payload=st.dictionaries(st.text(), json_values, max_size=6))
def test_any_json_payload_round_trips_through_the_record(payload: dict[str, Any]) -> None:
    signer = SIGNER
    signed = signer.sign(STREAM, 3, "ActorEnrolled", payload, WHEN)
    back = from_record(signed.record)
    assert back.envelope == signed.envelope
    back.verify(signer.public_key)


SIGNER = Signer.generate()


def test_envelope_struct_fields_are_the_documented_six() -> None:
    assert set(Envelope.__struct_fields__) == {
        "stream",
        "version",
        "type",
        "time",
        "payload",
        "signer",
    }
