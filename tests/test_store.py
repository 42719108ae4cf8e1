"""The store on both backends: bytes back as signed, refusals leave it unchanged, writers
in parallel neither lose nor duplicate an event."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from craftreg import store as store_module
from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.envelope import SignedEvent, decode_wire, from_wire
from craftreg.domain.errors import (
    BadSignature,
    FloatNotAllowed,
    GenesisError,
    InvalidPayload,
    MalformedEnvelope,
    OutsideJurisdiction,
    RegistryError,
    RevokedKey,
    UnknownEventType,
    UnknownKey,
    VersionConflict,
    WrongRole,
)
from craftreg.keys import Signer
from craftreg.store import EventStore
from tests.helpers import Cast
from tests.ledger.conftest import Database


def snapshot(registry: Registry) -> list[bytes]:
    return [e.record for e in registry.store.log()]


def test_the_bytes_read_back_are_the_bytes_that_were_signed(
    founded: Registry, root: Signer
) -> None:
    org = founded.register_organisation(
        root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", founded.national_federation, "330000"
    )
    [stored] = founded.store.stream(org)
    assert stored.envelope.payload["name"] == "浙江省总工会"
    logged = list(founded.store.log())
    assert [e.position for e in logged] == [0, 1]
    assert logged[1].signed.canonical == stored.canonical
    stored.verify(root.public_key)


def test_a_second_store_on_the_same_database_sees_every_event(
    founded: Registry, root: Signer
) -> None:
    with EventStore(founded.store.database_url) as other:
        assert other.count() == 1
        assert other.state.chain.root_key == root.key_id
    founded.register_organisation(
        root, OrgKind.INDUSTRIAL_UNION, "中国机械冶金建材工会", founded.national_federation
    )
    with EventStore(founded.store.database_url) as other:
        assert other.count() == 2
        assert other.state == founded.store.refresh()


def wire(signed: SignedEvent, **envelope: Any) -> SignedEvent:
    raw = signed.to_wire()
    raw["envelope"].update(envelope)
    return from_wire(raw)


def bad_inputs(cast: Cast, registry: Registry) -> dict[str, tuple[type[RegistryError], Any]]:
    """Each kind of bad input, built against a founded registry with a province and a city."""
    good = registry.store.state
    reviewer = Signer.generate()
    registry.enrol_actor(cast.zj_registrar_key, cast.zhejiang, "赵敏", [Role.REVIEWER], reviewer)
    revoked = Signer.generate()
    revoked_actor = registry.enrol_actor(
        cast.root, cast.zhejiang, "孙亮", [Role.REGISTRAR], revoked
    )
    registry.decide(
        cast.root, revoked_actor, "ActorKeyRevoked", {"key": revoked.key_id, "reason": "遗失"}
    )

    def org(signer: Signer, parent: str, **extra: Any) -> SignedEvent:
        payload = {"kind": "enterprise", "name": "测试企业", "parent": parent, **extra}
        return signer.sign(str(uuid.uuid4()), 1, "OrganisationRegistered", payload)

    forged = org(Signer.generate(), cast.hangzhou)
    assert good.position > 0
    return {
        "unknown key": (UnknownKey, org(Signer.generate(), cast.hangzhou)),
        "revoked key": (RevokedKey, org(revoked, cast.zhejiang)),
        "bad signature": (
            BadSignature,
            wire(org(cast.hz_registrar_key, cast.hangzhou), payload={"name": "改过的"}),
        ),
        "wrong role": (WrongRole, org(reviewer, cast.zhejiang)),
        "wrong jurisdiction": (OutsideJurisdiction, org(cast.hz_registrar_key, cast.zhejiang)),
        "version conflict": (
            VersionConflict,
            cast.root.sign(cast.zj_registrar, 1, "ActorRolesChanged", {"roles": ["reviewer"]}),
        ),
        "malformed envelope": (MalformedEnvelope, b'{"envelope": {"stream": 1}, "signature": ""}'),
        "float in payload": (
            FloatNotAllowed,
            forged.to_wire() | {"envelope": forged.to_wire()["envelope"] | {"payload": {"x": 0.5}}},
        ),
        "unknown event type": (
            UnknownEventType,
            cast.root.sign(str(uuid.uuid4()), 1, "CertificateForged", {}),
        ),
        "invalid payload": (
            InvalidPayload,
            org(cast.hz_registrar_key, cast.hangzhou, colour="red"),
        ),
        "second genesis": (GenesisError, _genesis(cast.root)),
    }


def _genesis(root: Signer) -> SignedEvent:
    with_registry = Registry("sqlite://:memory:")
    try:
        with_registry.found(root, "craftreg.test/other")
        [event] = [e.signed for e in with_registry.store.log()]
    finally:
        with_registry.close()
    return event


CASES = [
    "unknown key",
    "revoked key",
    "bad signature",
    "wrong role",
    "wrong jurisdiction",
    "version conflict",
    "malformed envelope",
    "float in payload",
    "unknown event type",
    "invalid payload",
    "second genesis",
]


@pytest.mark.parametrize("case", CASES)
def test_each_bad_input_has_its_own_error_and_the_store_is_unchanged(
    registry: Registry, case: str
) -> None:
    cast = Cast(registry)
    error, bad = bad_inputs(cast, registry)[case]
    before = snapshot(registry)
    state_before = registry.store.refresh()
    with pytest.raises(error) as caught:
        if isinstance(bad, bytes):
            registry.submit(decode_wire(bad))
        elif isinstance(bad, dict):
            registry.submit(from_wire(bad))
        else:
            registry.submit(bad)
    assert type(caught.value) is error
    assert caught.value.code and caught.value.zh and caught.value.en
    assert snapshot(registry) == before
    with EventStore(registry.store.database_url) as fresh:
        assert fresh.refresh() == state_before


def test_each_error_code_is_distinct() -> None:
    errors = [
        UnknownKey, RevokedKey, BadSignature, WrongRole, OutsideJurisdiction, VersionConflict,
        MalformedEnvelope, FloatNotAllowed, UnknownEventType, InvalidPayload, GenesisError,
    ]  # fmt: skip
    assert len({e.code for e in errors}) == len(errors)


def test_parallel_writers_on_one_stream_never_lose_or_duplicate(
    founded: Registry, root: Signer
) -> None:
    cast_actor = Signer.generate()
    actor = founded.enrol_actor(
        root, founded.national_federation, "周到", [Role.REVIEWER], cast_actor
    )
    outcomes: list[str] = []
    lock = threading.Lock()

    def change_roles(i: int) -> None:
        roles = ["reviewer"] if i % 2 else ["assessor"]
        for _ in range(20):
            try:
                founded.decide(root, actor, "ActorRolesChanged", {"roles": roles})
            except VersionConflict:
                continue
            with lock:
                outcomes.append("ok")
            return
        with lock:
            outcomes.append("gave up")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(change_roles, range(16)))
    versions = [s.envelope.version for s in founded.store.stream(actor)]
    assert versions == list(range(1, len(versions) + 1))
    assert len(versions) == 1 + outcomes.count("ok")
    assert [e.position for e in founded.store.log()] == list(range(founded.store.count()))


def test_writers_in_separate_stores_serialise_through_the_database(
    founded: Registry, root: Signer
) -> None:
    """Two stores stand for two processes: each checks against what the other committed."""
    url = founded.store.database_url
    signers = [Signer.generate() for _ in range(2)]
    stores = [Registry(url) for _ in range(2)]
    try:

        def enrol_many(index: int) -> list[str]:
            registry = stores[index]
            return [
                registry.enrol_actor(
                    root,
                    registry.national_federation,
                    f"经办人{index}-{n}",
                    [Role.AUDITOR],
                    Signer.generate(),
                )
                for n in range(10)
            ]

        with ThreadPoolExecutor(2) as pool:
            made = [a for batch in pool.map(enrol_many, range(2)) for a in batch]
    finally:
        for registry in stores:
            registry.close()
    state = founded.store.refresh()
    assert set(made) <= set(state.chain.actors)
    assert state.position == 1 + len(made)
    assert len(signers) == 2


@pytest.mark.parametrize("checked_ahead", [False, True], ids=["in line", "checked ahead"])
def test_a_store_opening_on_a_log_folds_it_and_refuses_a_forged_record(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, checked_ahead: bool
) -> None:
    """A store opening on a long log checks its signatures ahead, in threads: the state it
    folds and the record it refuses are those of the check in line."""
    monkeypatch.setattr(store_module, "PARALLEL_FROM", 0 if checked_ahead else 10**9)
    cast = Cast(registry)
    for n in range(40):
        registry.register_organisation(
            cast.zj_registrar_key, OrgKind.ENTERPRISE, f"企业{n:02d}", cast.zhejiang
        )
    expected = registry.store.refresh()
    with EventStore(registry.store.database_url) as reopened:
        assert reopened.refresh() == expected
    database = Database(registry.store.database_url)
    record = database.record(20)
    assert "企业".encode() in record
    database.set_record(20, record.replace("企业".encode(), "工厂".encode(), 1))
    with EventStore(registry.store.database_url) as reopened, pytest.raises(BadSignature):
        reopened.refresh()
