"""A log held in memory: the pure domain, with no store, for fast tests of the rules."""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from craftreg.casework import Casework
from craftreg.decisions import Decisions
from craftreg.domain.authority import CULTIVATING_ROLES, OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.errors import RegistryError
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer


class MemoryLog(Casework):
    def __init__(self) -> None:
        self.state = new_state()
        self.events: list[SignedEvent] = []

    def current(self) -> RegistryState:
        return self.state

    def submit(self, signed: SignedEvent) -> SignedEvent:
        self.state.apply(signed)
        self.events.append(signed)
        return signed

    append = submit


class Cast:
    """A founded registry with one province, one city and their registrars."""

    def __init__(self, log: Decisions) -> None:
        self.log = log
        self.root = Signer.generate()
        log.found(self.root, origin="craftreg.test/registry")
        self.national = log.national_federation
        self.zhejiang = log.register_organisation(
            self.root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", self.national, "330000"
        )
        self.zj_registrar_key = Signer.generate()
        self.zj_registrar = log.enrol_actor(
            self.root, self.zhejiang, "王芳", [Role.REGISTRAR], self.zj_registrar_key
        )
        self.hangzhou = log.register_organisation(
            self.zj_registrar_key,
            OrgKind.PREFECTURE_FEDERATION,
            "杭州市总工会",
            self.zhejiang,
            "330100",
        )
        self.hz_registrar_key = Signer.generate()
        self.hz_registrar = log.enrol_actor(
            self.zj_registrar_key, self.hangzhou, "李强", [Role.REGISTRAR], self.hz_registrar_key
        )


OFFICERS = (*CULTIVATING_ROLES, Role.REPORTER)


def enrol_officers(
    log: Decisions,
    registrars: tuple[Signer, Signer],
    bodies: tuple[str, str],
    root: Signer,
    national: str,
) -> tuple[dict[Role | str, Signer], dict[Role | str, str]]:
    """The officers of the lifecycle stories, and the default policy adopted: Zhejiang's (one
    per role of :data:`OFFICERS`, and a second discipline approver), Hangzhou's recommender and
    a reviewer at the national federation. ``registrars`` and ``bodies`` are Zhejiang's and
    Hangzhou's. Their keys and actor ids, by role (``approver2``, ``national_reviewer``)."""
    (zj_registrar, hz_registrar), (zhejiang, hangzhou) = registrars, bodies
    keys: dict[Role | str, Signer] = {}
    ids: dict[Role | str, str] = {}

    def enrol(role: Role | str, by: Signer, body: str, name: str, roles: list[Role]) -> None:
        keys[role] = Signer.generate()
        ids[role] = log.enrol_actor(by, body, name, roles, keys[role])

    for role in OFFICERS:
        enrol(role, zj_registrar, zhejiang, f"浙江{role.value}", [role])
    enrol("approver2", zj_registrar, zhejiang, "第二审批人", [Role.DISCIPLINE_APPROVER])
    enrol(Role.RECOMMENDER, hz_registrar, hangzhou, "杭州推荐人", [Role.RECOMMENDER])
    enrol("national_reviewer", root, national, "全总审核人", [Role.REVIEWER])
    log.adopt_policy(root)
    return keys, ids


class Calendar:
    """A clock the story moves forward by hand, so that deadlines and periods can pass."""

    def __init__(self, start: str) -> None:
        self.moment = datetime.fromisoformat(start).replace(tzinfo=UTC)

    def now(self) -> datetime:
        self.moment += timedelta(microseconds=1)
        return self.moment

    def go_to(self, day: str) -> None:
        target = datetime.fromisoformat(day).replace(tzinfo=UTC)
        assert target >= self.moment, "the story's calendar only moves forward"
        self.moment = target


def identity(person: str) -> dict[str, str]:
    """A sealed identity as an event carries it; the domain sees only its digest and form."""
    return {
        "digest": hashlib.sha256(person.encode()).hexdigest(),
        "sealed": base64.b64encode(hashlib.sha256(b"sealed" + person.encode()).digest()).decode(),
        "key": str(uuid.uuid5(uuid.NAMESPACE_OID, person)),
    }


def evidence(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def details(person: str, **overrides: Any) -> dict[str, Any]:
    """A provincial-tier nomination that meets the default policy; override to break a rule."""
    result: dict[str, Any] = {
        "candidate": {
            "name": person,
            "gender": "female",
            "birth_date": "1988-04-12",
            "identity": identity(person),
        },
        "employer": {
            "name": "杭州汽轮动力集团",
            "category": "provincial_key_industry",
            "region": "330100",
        },
        "trade": "数控车工",
        "industry_field": "manufacturing",
        "frontline_years": 12,
        "on_frontline": True,
        "forces": {
            force: {"rating": 4, "evidence": [evidence(f"{person}-{force}")]}
            for force in ("leadership", "achievement", "innovation", "focus", "inheritance")
        },
        "attestation": {
            "politically_sound": True,
            "statement": "经推荐单位党组织审核，政治素质过硬。",
        },
        "tags": ["urgently_needed_field"],
    }
    result.update(overrides)
    return result


def refused(log: MemoryLog, error: type[RegistryError], signed: SignedEvent) -> RegistryError:
    """Assert ``signed`` is refused with ``error`` and the state is untouched."""
    before = copy.deepcopy(log.state)
    with pytest.raises(error) as caught:
        log.append(signed)
    assert log.state == before
    assert caught.value.zh and caught.value.en
    assert caught.value.code != "rule-violation", "every rule has a code of its own"
    return caught.value
