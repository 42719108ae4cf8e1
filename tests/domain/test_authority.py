"""The chain of authority, told as stories: who may sign what, and when a key stops counting.

Every refusal leaves the state exactly as it was (compared field by field).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import Envelope, SignedEvent, format_time, sign
from craftreg.domain.errors import (
    BadSignature,
    GenesisError,
    InvalidPayload,
    OutsideJurisdiction,
    RegistryError,
    RevokedKey,
    RuleViolation,
    UnknownEventType,
    UnknownKey,
    VersionConflict,
    WrongRole,
)
from craftreg.keys import Signer
from tests.helpers import Cast, MemoryLog, refused


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def cast(log: MemoryLog) -> Cast:
    return Cast(log)


def test_the_log_begins_with_a_genesis_signed_by_the_root_key_it_pins(log: MemoryLog) -> None:
    root = Signer.generate()
    log.found(root, origin="craftreg.test/registry")
    chain = log.state.chain
    assert chain.origin == "craftreg.test/registry"
    assert chain.root_key == root.key_id
    national = chain.organisations[log.national_federation]
    assert national.kind is OrgKind.NATIONAL_FEDERATION
    assert national.name == "中华全国总工会"


def test_no_event_comes_before_genesis(log: MemoryLog) -> None:
    signer = Signer.generate()
    signed = signer.sign(str(uuid.uuid4()), 1, "OrganisationRegistered", {})
    refused(log, GenesisError, signed)


def test_a_genesis_signed_by_another_key_is_refused(log: MemoryLog) -> None:
    root, impostor = Signer.generate(), Signer.generate()
    payload = {
        "origin": "o",
        "root_public_key": root.public_key_b64,
        "national_federation": str(uuid.uuid4()),
        "national_federation_name": "中华全国总工会",
        "root_actor": str(uuid.uuid4()),
        "root_actor_name": "根",
    }
    refused(log, GenesisError, impostor.sign(str(uuid.uuid4()), 1, "RegistryFounded", payload))


def test_a_second_genesis_is_refused(log: MemoryLog, cast: Cast) -> None:
    before = copy.deepcopy(log.state)
    with pytest.raises(GenesisError):
        log.found(cast.root, origin="again")
    assert log.state == before


def test_a_provincial_registrar_registers_a_city_of_its_province(
    cast: Cast, log: MemoryLog
) -> None:
    ningbo = log.register_organisation(
        cast.zj_registrar_key,
        OrgKind.PREFECTURE_FEDERATION,
        "宁波市总工会",
        cast.zhejiang,
        "330200",
    )
    assert log.state.chain.organisations[ningbo].parent == cast.zhejiang


def register(
    log: MemoryLog, signer: Signer, kind: OrgKind, parent: str, region: str | None = None
) -> SignedEvent:
    payload: dict[str, Any] = {"kind": kind.value, "name": "某单位", "parent": parent}
    if region:
        payload["region"] = region
    return log.sign_next(signer, str(uuid.uuid4()), "OrganisationRegistered", payload)


def test_a_city_registrar_cannot_register_a_province(cast: Cast, log: MemoryLog) -> None:
    signed = register(
        log, cast.hz_registrar_key, OrgKind.PROVINCIAL_FEDERATION, cast.national, "320000"
    )
    refused(log, OutsideJurisdiction, signed)


def test_a_city_must_lie_in_its_parents_province(cast: Cast, log: MemoryLog) -> None:
    signed = register(
        log, cast.zj_registrar_key, OrgKind.PREFECTURE_FEDERATION, cast.zhejiang, "320100"
    )
    refused(log, RuleViolation, signed)


def test_one_province_has_one_provincial_federation(cast: Cast, log: MemoryLog) -> None:
    signed = register(log, cast.root, OrgKind.PROVINCIAL_FEDERATION, cast.national, "330000")
    refused(log, RuleViolation, signed)


def test_an_enterprise_cannot_stand_under_an_enterprise(cast: Cast, log: MemoryLog) -> None:
    firm = log.register_organisation(
        cast.hz_registrar_key, OrgKind.ENTERPRISE, "杭州汽轮机股份有限公司", cast.hangzhou, "330100"
    )
    refused(log, RuleViolation, register(log, cast.hz_registrar_key, OrgKind.ENTERPRISE, firm))


def test_an_actor_without_the_registrar_role_cannot_register(cast: Cast, log: MemoryLog) -> None:
    reviewer = Signer.generate()
    log.enrol_actor(cast.zj_registrar_key, cast.zhejiang, "赵敏", [Role.REVIEWER], reviewer)
    signed = register(log, reviewer, OrgKind.ENTERPRISE, cast.zhejiang)
    refused(log, WrongRole, signed)


def test_a_registrar_enrols_actors_of_its_organisation_and_below_only(
    cast: Cast, log: MemoryLog
) -> None:
    newcomer = Signer.generate()
    signed = log.sign_next(
        cast.hz_registrar_key,
        str(uuid.uuid4()),
        "ActorEnrolled",
        {
            "organisation": cast.zhejiang,
            "name": "钱进",
            "roles": ["reviewer"],
            "public_key": newcomer.public_key_b64,
        },
    )
    refused(log, OutsideJurisdiction, signed)


def test_an_unknown_key_signs_nothing(cast: Cast, log: MemoryLog) -> None:
    stranger = Signer.generate()
    refused(log, UnknownKey, register(log, stranger, OrgKind.ENTERPRISE, cast.zhejiang))


def test_a_signature_by_another_key_than_the_named_one_is_refused(
    cast: Cast, log: MemoryLog
) -> None:
    forger = Signer.generate()
    envelope = Envelope(
        stream=str(uuid.uuid4()),
        version=1,
        type="OrganisationRegistered",
        time=format_time(__import__("datetime").datetime.now(__import__("datetime").UTC)),
        payload={"kind": "enterprise", "name": "伪造单位", "parent": cast.zhejiang},
        signer=cast.zj_registrar_key.key_id,
    )
    refused(log, BadSignature, sign(envelope, forger.private_key))


def rotate(log: MemoryLog, signer: Signer, actor: str, new: Signer) -> SignedEvent:
    return log.sign_next(signer, actor, "ActorKeyRotated", {"public_key": new.public_key_b64})


def test_after_rotation_the_old_key_signs_nothing_and_what_it_signed_stands(
    cast: Cast, log: MemoryLog
) -> None:
    new_key = Signer.generate()
    log.append(rotate(log, cast.zj_registrar_key, cast.zj_registrar, new_key))
    error = refused(
        log, RevokedKey, register(log, cast.zj_registrar_key, OrgKind.ENTERPRISE, cast.zhejiang)
    )
    assert "replaced" in error.en
    log.append(register(log, new_key, OrgKind.ENTERPRISE, cast.zhejiang))
    replayed = new_state()
    replayed.replay(log.events)
    assert replayed == log.state


def test_a_revoked_key_signs_nothing_after_its_revocation(cast: Cast, log: MemoryLog) -> None:
    log.append(
        log.sign_next(
            cast.root,
            cast.zj_registrar,
            "ActorKeyRevoked",
            {"key": cast.zj_registrar_key.key_id, "reason": "密钥遗失 lost laptop"},
        )
    )
    position = log.state.position - 1
    error = refused(
        log, RevokedKey, register(log, cast.zj_registrar_key, OrgKind.ENTERPRISE, cast.zhejiang)
    )
    assert f"position {position}" in error.en
    # the city it registered before the revocation is still in the chain
    assert cast.hangzhou in log.state.chain.organisations


def test_revoking_a_key_that_is_not_current_is_refused(cast: Cast, log: MemoryLog) -> None:
    signed = log.sign_next(
        cast.root, cast.zj_registrar, "ActorKeyRevoked", {"key": "0" * 32, "reason": "x"}
    )
    refused(log, RuleViolation, signed)


def test_an_actor_cannot_raise_its_own_roles(cast: Cast, log: MemoryLog) -> None:
    signed = log.sign_next(
        cast.hz_registrar_key,
        cast.hz_registrar,
        "ActorRolesChanged",
        {"roles": ["registrar", "certifier"]},
    )
    assert "own roles" in refused(log, RuleViolation, signed).en


def test_a_registrar_above_changes_roles(cast: Cast, log: MemoryLog) -> None:
    log.append(
        log.sign_next(
            cast.zj_registrar_key, cast.hz_registrar, "ActorRolesChanged", {"roles": ["reviewer"]}
        )
    )
    assert log.state.chain.actors[cast.hz_registrar].roles == {Role.REVIEWER}


def test_a_key_is_never_enrolled_twice(cast: Cast, log: MemoryLog) -> None:
    refused(log, RuleViolation, rotate(log, cast.root, cast.hz_registrar, cast.zj_registrar_key))


def test_versions_are_contiguous_per_stream(cast: Cast, log: MemoryLog) -> None:
    stale = cast.root.sign(cast.zj_registrar, 1, "ActorRolesChanged", {"roles": ["reviewer"]})
    error = refused(log, VersionConflict, stale)
    assert isinstance(error, VersionConflict) and error.current == 1
    skipping = cast.root.sign(cast.zj_registrar, 3, "ActorRolesChanged", {"roles": ["reviewer"]})
    refused(log, VersionConflict, skipping)


def test_an_event_cannot_create_a_stream_that_exists(cast: Cast, log: MemoryLog) -> None:
    signed = cast.root.sign(
        cast.zhejiang,
        2,
        "OrganisationRegistered",
        {"kind": "enterprise", "name": "x", "parent": cast.national},
    )
    refused(log, RuleViolation, signed)


@pytest.mark.parametrize(
    ("type_", "payload", "error"),
    [
        ("NominationSubmittedSideways", {}, UnknownEventType),
        ("ActorRolesChanged", {"roles": ["emperor"]}, InvalidPayload),
        ("ActorRolesChanged", {"roles": ["reviewer"], "extra": 1}, InvalidPayload),
        ("ActorRolesChanged", {"roles": "reviewer"}, InvalidPayload),
        ("ActorRolesChanged", {"roles": []}, RuleViolation),
    ],
)
def test_unknown_types_and_bad_payloads_are_refused(
    cast: Cast, log: MemoryLog, type_: str, payload: dict[str, Any], error: type[RegistryError]
) -> None:
    refused(log, error, log.sign_next(cast.root, cast.zj_registrar, type_, payload))


def test_the_event_time_does_not_go_back_within_a_record(cast: Cast, log: MemoryLog) -> None:
    from datetime import UTC, datetime

    signed = cast.root.sign(
        cast.zj_registrar,
        2,
        "ActorRolesChanged",
        {"roles": ["reviewer"]},
        datetime(2020, 1, 1, tzinfo=UTC),
    )
    refused(log, RuleViolation, signed)


def test_replaying_the_log_reaches_the_same_state(cast: Cast, log: MemoryLog) -> None:
    replayed = new_state()
    replayed.replay(log.events)
    assert replayed == log.state
