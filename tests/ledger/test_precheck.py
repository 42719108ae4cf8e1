"""The replay's shortcuts give the verdicts of the originals: the fast record parser those of
``from_record``, msgspec's sorted JSON the bytes of RFC 8785, the worker pool the verdicts of
one process; and the state digest is one hash two replays agree on."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
import rfc8785
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from craftreg.domain.authority import OrgKind
from craftreg.domain.catalogue import KINDS, new_state
from craftreg.domain.envelope import canonical_json, canonical_lines, from_record
from craftreg.domain.errors import RegistryError
from craftreg.keys import Signer
from craftreg.ledger.digest import state_digest
from craftreg.ledger.precheck import (
    BAD_SIGNATURE,
    CHUNK,
    OK,
    UNCHECKED,
    Checker,
    Prechecker,
    keys_in,
    parse_record,
)
from tests.helpers import Cast, MemoryLog

SIGNER = Signer.generate()
text = st.text(st.characters(codec="utf-8"), max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


def verdict(parse: Any, record: bytes) -> Any:
    try:
        signed = parse(record)
    except RegistryError as exc:
        return type(exc), exc.en
    return msgspec.to_builtins(signed.envelope), signed.canonical, signed.signature


def raw_record(envelope: dict[str, Any], signature: str) -> bytes:
    canonical = msgspec.json.encode(envelope, order="sorted")
    return b'{"envelope":' + canonical + b',"signature":"' + signature.encode() + b'"}'


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=st.dictionaries(text, json_values, max_size=5),
    version=st.one_of(st.integers(-3, 2**54), st.just(True)),
    time=st.sampled_from(
        [
            "2026-01-02T03:04:05.000006Z",
            "2026-02-30T03:04:05.000006Z",
            "2026-12-31T23:59:60.000000Z",
            "2026-01-02T03:04:05Z",
            "2026-01-02t03:04:05.000006Z",
        ]
    ),
    stream=st.sampled_from([str(uuid.uuid4()), str(uuid.uuid4()).upper(), "not-a-uuid"]),
    type_=st.sampled_from(["OrganisationRegistered", "x", "Événement"]),
    mutate=st.integers(0, 5),
)
def test_the_fast_parser_agrees_with_from_record(
    payload: dict[str, Any], version: Any, time: str, stream: str, type_: str, mutate: int
) -> None:
    envelope = {
        "payload": payload,
        "signer": SIGNER.key_id,
        "stream": stream,
        "time": time,
        "type": type_,
        "version": version,
    }
    signature = base64.b64encode(bytes(range(64))).decode()
    record = raw_record(envelope, signature)
    if mutate == 1:
        record = record.replace(b'{"envelope":{', b'{"envelope": {')
    elif mutate == 2:
        try:
            record = bytes(rfc8785.dumps({"envelope": envelope, "signature": signature}))
        except (rfc8785.CanonicalizationError, ValueError):
            assume(False)
    elif mutate == 3:
        record = record[:-3] + b'A"}'
    elif mutate == 4:
        record = record.replace(b'"signer"', b'"signer","extra":1,"signer"', 1)
    assert verdict(parse_record, record) == verdict(from_record, record)


def test_signed_records_of_every_kind_parse_alike() -> None:
    log = MemoryLog()
    Cast(log)
    for signed in log.events:
        assert verdict(parse_record, signed.record) == verdict(from_record, signed.record)


jcs_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=300)
@given(value=jcs_values)
def test_canonical_json_is_rfc_8785(value: Any) -> None:
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


@settings(max_examples=200)
@given(values=st.lists(jcs_values, max_size=5))
def test_canonical_lines_are_rfc_8785_lines(values: list[Any]) -> None:
    """One check over all the lines: a character beyond the BMP in any value (which the
    generated text often holds) sends every line through the careful encoder."""
    assert canonical_lines(values) == b"".join(bytes(rfc8785.dumps(v)) + b"\n" for v in values)


def test_chunk_verdicts() -> None:
    log = MemoryLog()
    cast = Cast(log)
    records = [e.record for e in log.events]
    signature = records[2][records[2].rindex(b'"signature":"') + 13 : -2]
    forged = records[2].replace(signature, base64.b64encode(bytes(64)))
    stranger = Signer.generate().sign(str(uuid.uuid4()), 1, "X" * 3, {}).record
    keys = [(k.key_id, k.public_key) for k in (cast.root, cast.zj_registrar_key)]
    verdicts = Checker().check([*records, forged, stranger, b"{}"], keys)
    assert list(verdicts) == [OK] * len(records) + [BAD_SIGNATURE, UNCHECKED, UNCHECKED]
    assert [key_id for key_id, _ in keys_in(records[2])] == [cast.zj_registrar_key.key_id]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_pool_gives_the_verdicts_of_one_process(jobs: int) -> None:
    log = MemoryLog()
    cast = Cast(log)
    for n in range(CHUNK + 40):
        log.register_organisation(
            cast.root, OrgKind.ENTERPRISE, f"企业{n}", log.national_federation
        )
    records = [e.record for e in log.events]
    records[CHUNK + 7] = records[CHUNK + 7].replace(b'"signature":"', b'"signature":"AA', 1)
    checked = list(Prechecker(jobs)(records))
    assert [r for r, _ in checked] == records
    verdicts = [v for _, v in checked]
    assert verdicts == [OK] * (CHUNK + 7) + [UNCHECKED] + [OK] * (len(records) - CHUNK - 8)


def test_two_replays_of_one_log_have_one_digest_and_a_change_changes_it() -> None:
    log = MemoryLog()
    cast = Cast(log)
    first, second = new_state(), new_state()
    first.replay(log.events)
    second.replay(log.events)
    assert state_digest(first) == state_digest(second) == state_digest(log.current())
    log.register_organisation(cast.root, OrgKind.ENTERPRISE, "企业", log.national_federation)
    assert state_digest(log.current()) != state_digest(first)


def test_every_payload_schema_decodes_from_json_as_it_converts_from_a_dict() -> None:
    """The replay admits an event with the payload its schema decoded from the record's JSON
    (RegistryState.admit typed=), where the append path converts the parsed dict. The two
    agree for the types the schemas use; a type where they might not (a dict keyed by
    numbers, a float, a renamed or tagged field) must not slip in unnoticed."""
    plain = (
        mi.StrType,
        mi.IntType,
        mi.BoolType,
        mi.NoneType,
        mi.EnumType,
        mi.LiteralType,
        mi.AnyType,
    )
    seen: set[type] = set()

    def check(t: mi.Type, where: str) -> None:
        if isinstance(t, plain):
            if isinstance(t, mi.EnumType):
                assert issubclass(t.cls, str), f"{where}: {t.cls} is not a string enum"
            return
        if isinstance(t, mi.UnionType):
            for member in t.types:
                check(member, where)
        elif isinstance(t, mi.ListType):
            check(t.item_type, f"{where}[]")
        elif isinstance(t, mi.DictType):
            assert isinstance(t.key_type, (mi.StrType, mi.EnumType)), f"{where}: keys {t}"
            check(t.key_type, f"{where} key")
            check(t.value_type, f"{where}{{}}")
        elif isinstance(t, mi.StructType):
            if t.cls in seen:
                return
            seen.add(t.cls)
            assert t.tag is None and t.forbid_unknown_fields, f"{where}: {t.cls}"
            for f in t.fields:
                assert f.name == f.encode_name, f"{where}.{f.name} is renamed"
                check(f.type, f"{where}.{f.name}")
        else:
            raise AssertionError(f"{where}: {t} is not a type both decoders read alike")

    for name, kind in KINDS.items():
        check(mi.type_info(kind.payload), name)
    assert len(seen) >= len(KINDS)
