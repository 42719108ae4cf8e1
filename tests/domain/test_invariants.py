"""Invariants of the lifecycle under random sequences of commands (Art. 3, 9, 10, 15, 18, 20).

A hypothesis state machine drives a registry with three cultivating bodies — the national
federation (大国工匠), Zhejiang (省级工匠) and Hangzhou (市级工匠) — and four recommending
units through rounds, nominations (with the same people on purpose), reviews, lists,
cultivations, assessments, certificates, benefits, discipline cases, corrections and stricter
policies. Some commands are signed by the wrong role or the wrong organisation.

Every command goes through the normal signed append path of an in-memory log. A refused
command must raise a ``RegistryError`` and leave the state exactly as it was; an unauthorised
one must be refused for its authority (``wrong-role`` / ``outside-jurisdiction``). After every
step the invariants below hold, and the log replays to the same state.

The tests at the end pin down the defects the invariants led to: those fixed stay as
regression tests.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.certificates import code_digest
from craftreg.domain.errors import (
    OutsideJurisdiction,
    RegistryError,
    RuleViolation,
    WrongRole,
)
from craftreg.domain.lifecycle import (
    CaseStatus,
    CertificateStatus,
    CultivationStatus,
    NominationStatus,
)
from craftreg.domain.tiers import Tier, TierRule
from craftreg.keys import Signer
from tests.helpers import Calendar, Cast, MemoryLog, details, evidence, identity, refused

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")
LIVE = frozenset(
    {
        NominationStatus.SUBMITTED,
        NominationStatus.RETURNED,
        NominationStatus.APPROVED,
        NominationStatus.LISTED,
    }
)
PEOPLE = ("陈静", "王磊", "李娜", "张伟", "刘洋")  # few, so that the same person comes back
BODY = {Tier.NATIONAL: "N", Tier.PROVINCIAL: "ZJ", Tier.MUNICIPAL: "HZ"}  # Art. 3
TIER_OF = {body: tier for tier, body in BODY.items()}
UNITS = {Tier.NATIONAL: ("ZJ",), Tier.PROVINCIAL: ("HZ", "NB", "E"), Tier.MUNICIPAL: ("E",)}
NOT_UNITS = {Tier.NATIONAL: "HZ", Tier.PROVINCIAL: "ZJ", Tier.MUNICIPAL: "NB"}  # Art. 9
PREFIX = {"N": "DG", "ZJ": "S33", "HZ": "M3301"}
OFFICERS: dict[str, tuple[Role, ...]] = {
    "reviewer": (Role.REVIEWER,),
    "cultivation_officer": (Role.CULTIVATION_OFFICER,),
    "assessor": (Role.ASSESSOR,),
    "certifier": (Role.CERTIFIER,),
    "discipline_officer": (Role.DISCIPLINE_OFFICER,),
    "approver1": (Role.DISCIPLINE_APPROVER,),
    "approver2": (Role.DISCIPLINE_APPROVER,),
    "both": (Role.DISCIPLINE_OFFICER, Role.DISCIPLINE_APPROVER),  # may propose and approve
}


class World:
    """The national federation, Zhejiang and Hangzhou as cultivating bodies, each with its
    officers; Zhejiang, Hangzhou, Ningbo and a Hangzhou enterprise as recommending units."""

    def __init__(self) -> None:
        self.calendar = Calendar("2027-01-04T09:00:00")
        self.log = MemoryLog()
        self.log.clock = self.calendar.now
        log = self.log
        cast = Cast(log)
        self.org = {"N": cast.national, "ZJ": cast.zhejiang, "HZ": cast.hangzhou}
        self.org["NB"] = log.register_organisation(
            cast.zj_registrar_key,
            OrgKind.PREFECTURE_FEDERATION,
            "宁波市总工会",
            cast.zhejiang,
            "330200",
        )
        self.org["E"] = log.register_organisation(
            cast.hz_registrar_key, OrgKind.ENTERPRISE, "杭州汽轮动力集团", cast.hangzhou
        )
        registrar = {
            "N": cast.root,
            "ZJ": cast.zj_registrar_key,
            "HZ": cast.hz_registrar_key,
            "NB": cast.zj_registrar_key,
            "E": cast.hz_registrar_key,
        }
        self.signers: dict[str, Signer] = {"root": cast.root}
        self.actors: dict[str, str] = {"root": log.state.chain.keys[cast.root.key_id].actor}
        for body in ("N", "ZJ", "HZ"):
            for name, roles in OFFICERS.items():
                self._enrol(registrar[body], body, f"{body}.{name}", list(roles))
        for unit in ("ZJ", "HZ", "NB", "E"):
            self._enrol(registrar[unit], unit, f"{unit}.recommender", [Role.RECOMMENDER])
        log.adopt_policy(cast.root)

    def _enrol(self, registrar: Signer, org: str, name: str, roles: list[Role]) -> None:
        key = Signer.generate()
        self.signers[name] = key
        self.actors[name] = self.log.enrol_actor(registrar, self.org[org], name, roles, key)


_WORLD: World | None = None


def world() -> World:
    """Built once: keys and enrolments are the slow part; each example copies the state."""
    global _WORLD
    if _WORLD is None:
        _WORLD = World()
    return _WORLD


@dataclass(frozen=True)
class Need:
    """The authority a command needs: ``role`` at ``org`` (exactly, or at it or above)."""

    role: Role
    org: str
    exact: bool = True


SIGNERS = (
    "root",
    *(f"{body}.{name}" for body in ("N", "ZJ", "HZ") for name in OFFICERS),
    *(f"{unit}.recommender" for unit in ("ZJ", "HZ", "NB", "E")),
)


def signer_choice() -> st.SearchStrategy[str | None]:
    """Mostly the proper signer (None); sometimes anyone in the registry."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(SIGNERS))


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        w = world()
        self.w = w
        self.calendar = Calendar("2027-01-04T09:00:00")
        self.calendar.moment = w.calendar.moment
        self.log = MemoryLog()
        self.log.state = copy.deepcopy(w.log.state)
        self.log.events = list(w.log.events)
        self.log.clock = self.calendar.now
        ids = itertools.count()
        self.log.new_id = lambda: str(uuid.uuid5(uuid.NAMESPACE_URL, f"craftreg-{next(ids)}"))
        self.rounds: list[str] = []
        self.nominations: list[str] = []
        self.cultivations: list[str] = []
        self.certificates: list[str] = []
        self.cases: list[str] = []
        self.numbers: list[str] = []
        self.sequence = itertools.count(1)
        self.policies = itertools.count(1)
        self._snapshot: tuple[int, Any] | None = None

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def life(self) -> Any:
        return self.log.state.lifecycle

    def today(self) -> date:
        return self.calendar.moment.date()

    def body_key(self, org_id: str) -> str:
        return next(k for k, v in self.w.org.items() if v == org_id)

    def authorised(self, name: str, need: Need) -> type[RegistryError] | None:
        """The refusal an unauthorised signer must meet, or None if the signer may sign."""
        chain = self.log.state.chain
        actor = chain.actors[self.w.actors[name]]
        if need.role not in actor.roles:
            return WrongRole
        if need.exact:
            return None if actor.organisation == need.org else OutsideJurisdiction
        return None if actor.organisation in chain.lineage(need.org) else OutsideJurisdiction

    def attempt(
        self,
        name: str,
        stream: str,
        type: str,
        payload: dict[str, Any],
        need: Need,
        *,
        authority_first: bool = True,
        must_refuse: type[RegistryError] | None = None,
    ) -> bool:
        """Sign and submit; a refusal must leave the state and the log exactly as they were."""
        signed = self.log.sign_next(self.w.signers[name], stream, type, payload)
        before = self._before()
        count = len(self.log.events)
        unauthorised = self.authorised(name, need)
        try:
            self.log.submit(signed)
        except RegistryError as exc:
            assert self.log.state == before, f"a refused {type} changed the state"
            assert len(self.log.events) == count
            assert exc.zh and exc.en
            if unauthorised is not None and authority_first:
                assert isinstance(exc, unauthorised), (type, name, exc.code)
            if unauthorised is None and must_refuse is not None:
                assert isinstance(exc, must_refuse), (type, name, exc.code)
            event(f"refused {type}: {exc.code}")
            return False
        assert unauthorised is None, f"{type} signed by {name} without authority was admitted"
        assert must_refuse is None, f"{type} should have been refused"
        assert len(self.log.events) == count + 1
        event(f"admitted {type}")
        return True

    def _before(self) -> Any:
        """A deep copy of the state as it stands; taken again only after an admission."""
        if self._snapshot is None or self._snapshot[0] != len(self.log.events):
            self._snapshot = (len(self.log.events), copy.deepcopy(self.log.state))
        return self._snapshot[1]

    def who(self, chosen: str | None, proper: str) -> str:
        return proper if chosen is None else chosen

    # -- rounds (Art. 9) ---------------------------------------------------------------------

    @initialize(
        tiers=st.lists(st.sampled_from(list(Tier)), min_size=1, max_size=2, unique=True),
        people=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3),
        stage=st.sampled_from([8, 8, 7, 6, 5, 4, 3, 2, 1, 0]),  # high stages first
        kind=st.sampled_from(["person", "certificate", "nomination"]),
        proposer=st.sampled_from(["both", "discipline_officer"]),
        approver=st.sampled_from(["approver1", "approver2", "both"]),
    )
    def rounds_under_way(
        self,
        tiers: list[Tier],
        people: list[str],
        stage: int,
        kind: str,
        proposer: str,
        approver: str,
    ) -> None:
        """Rounds of one or two tiers for the same people, taken by their proper signers up
        to a random stage, so that the random steps also reach cultivations, certificates
        and cases — and a person may hold certificates of two bodies."""
        for tier in tiers:
            self._under_way(tier, people, min(stage, 5))
        if stage < 6 or not self.certificates:
            return
        certificate = self.life.certificates[self.certificates[0]]
        subject = {
            "certificate": certificate.id,
            "nomination": self._nomination_of(certificate.id),
            "person": certificate.digest,
        }[kind]
        # the case is opened by the body of the last tier: perhaps not the certificate's own
        self._open(kind, subject, "falsification", BODY[tiers[-1]], "discipline_officer", None)
        if not self.cases:
            return
        case = self.cases[0]
        self._investigate(case, None)
        self._propose(case, "revoke", True, proposer, None)
        if stage < 7:
            return
        self._decide(case, proposer, True, None)  # four eyes, or not an approver at all
        self._decide(case, approver, True, None)
        if stage < 8:
            return
        for covered in self._covered(case):
            self._revoke(covered, case, "discipline_officer", None)

    def _under_way(self, tier: Tier, people: list[str], stage: int) -> None:
        self._announce(tier, dict.fromkeys(UNITS[tier], 2), 60, None)
        if stage < 1:
            return
        round_id = self.rounds[-1]
        nominations: list[str] = []
        for person in people:
            unit = UNITS[tier][len(nominations) % len(UNITS[tier])]
            stream = self.log.new_id()
            payload = {
                "round": round_id,
                "unit": self.w.org[unit],
                "details": self._details(person, 14, 5),
            }
            need = Need(Role.RECOMMENDER, self.w.org[unit])
            if self.attempt(f"{unit}.recommender", stream, "NominationSubmitted", payload, need):
                nominations.append(stream)
        self.nominations.extend(nominations)
        if stage < 2:
            return
        for stream in nominations:
            self._review(stream, "approved", [], None)
        if stage < 3:
            return
        self._close(round_id, None)
        self._determine(round_id, nominations, None)
        if stage < 4:
            return
        cultivations = len(self.cultivations)
        for stream in nominations:
            self._start(stream, 12, False, False, None)
        started = self.cultivations[cultivations:]
        if stage < 5:
            return
        for stream in started:
            self._assess(stream, True, True, None)
        for stream in started:
            self._issue(stream, self._number(self.life.cultivations[stream].body), None)

    def _announce(self, tier: Tier, quotas: dict[str, int], days: int, chosen: str | None) -> None:
        body = BODY[tier]
        stream = self.log.new_id()
        deadline = self.calendar.moment + timedelta(days=days)
        payload = {
            "tier": tier.value,
            "year": self.today().year,
            "body": self.w.org[body],
            "scope": {"regions": [], "fields": []},
            "requirements": "按第五至八条推荐",
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "quotas": [
                {
                    "unit": self.w.org[unit],
                    "quota": quota,
                    "factors": {
                        "regional_development": 50,
                        "manufacturing_level": 60,
                        "industrial_workforce": 900,
                    },
                }
                for unit, quota in quotas.items()
            ],
        }
        name = self.who(chosen, f"{body}.reviewer")
        if self.attempt(
            name, stream, "RoundAnnounced", payload, Need(Role.REVIEWER, self.w.org[body])
        ):
            assert days > 0 and set(quotas) <= set(UNITS[tier])
            self.rounds.append(stream)

    @rule(
        tier=st.sampled_from(list(Tier)),
        data=st.data(),
        days=st.sampled_from([-1, 10, 45, 120]),
        bad_unit=st.booleans(),
        chosen=signer_choice(),
    )
    def announce(
        self, tier: Tier, data: st.DataObject, days: int, bad_unit: bool, chosen: str | None
    ) -> None:
        units = data.draw(st.lists(st.sampled_from(UNITS[tier]), min_size=1, unique=True))
        quotas = {unit: data.draw(st.integers(1, 3)) for unit in units}
        if bad_unit and data.draw(st.integers(0, 3)) == 0:
            quotas[NOT_UNITS[tier]] = 1
        self._announce(tier, quotas, days, chosen)

    @precondition(lambda self: self.rounds)
    @rule(data=st.data(), chosen=signer_choice())
    def adjust_quotas(self, data: st.DataObject, chosen: str | None) -> None:
        round_id = data.draw(st.sampled_from(self.rounds))
        found = self.life.rounds[round_id]
        quotas = [
            {
                "unit": unit,
                "quota": data.draw(st.integers(1, 3)),
                "factors": {
                    "regional_development": 40,
                    "manufacturing_level": 40,
                    "industrial_workforce": 500,
                },
            }
            for unit in sorted(found.quotas)
        ]
        body = self.body_key(found.body)
        self.attempt(
            self.who(chosen, f"{body}.reviewer"),
            round_id,
            "QuotasAdjusted",
            {"quotas": quotas, "reason": "名额调整"},
            Need(Role.REVIEWER, found.body),
        )

    @precondition(lambda self: self.rounds)
    @rule(data=st.data(), chosen=signer_choice())
    def close(self, data: st.DataObject, chosen: str | None) -> None:
        self._close(data.draw(st.sampled_from(self.rounds)), chosen)

    def _close(self, round_id: str, chosen: str | None) -> None:
        found = self.life.rounds[round_id]
        self.attempt(
            self.who(chosen, f"{self.body_key(found.body)}.reviewer"),
            round_id,
            "RoundClosed",
            {},
            Need(Role.REVIEWER, found.body),
        )

    @precondition(lambda self: self.rounds)
    @rule(data=st.data(), only_approved=st.booleans(), chosen=signer_choice())
    def determine(self, data: st.DataObject, only_approved: bool, chosen: str | None) -> None:
        open_rounds = [r for r in self.rounds if not self.life.rounds[r].determined]
        round_id = data.draw(st.sampled_from(open_rounds or self.rounds))
        candidates = sorted(
            n for n in self.nominations if self.life.nominations[n].round == round_id
        )
        if only_approved:
            candidates = [
                n
                for n in candidates
                if self.life.nominations[n].status is NominationStatus.APPROVED
            ]
        selected = (
            data.draw(st.lists(st.sampled_from(candidates), unique=True)) if candidates else []
        )
        self._determine(round_id, selected, chosen)

    def _determine(self, round_id: str, selected: list[str], chosen: str | None) -> None:
        found = self.life.rounds[round_id]
        if self.attempt(
            self.who(chosen, f"{self.body_key(found.body)}.reviewer"),
            round_id,
            "ListDetermined",
            {"nominations": selected},
            Need(Role.REVIEWER, found.body),
        ):
            assert all(self.life.nominations[n].round == round_id for n in selected)

    # -- nominations (Art. 4–9) --------------------------------------------------------------

    def _details(self, person: str, years: int, rating: int) -> dict[str, Any]:
        forces = {f: {"rating": rating, "evidence": [evidence(f"{person}-{f}")]} for f in FORCES}
        return details(person, frontline_years=years, forces=forces)

    @precondition(lambda self: self.rounds)
    @rule(
        data=st.data(),
        person=st.sampled_from(PEOPLE),
        years=st.sampled_from([2, 4, 6, 9, 14]),
        rating=st.sampled_from([3, 4, 5, 5]),
        any_unit=st.sampled_from([False, False, False, True]),
        chosen=signer_choice(),
    )
    def nominate(
        self,
        data: st.DataObject,
        person: str,
        years: int,
        rating: int,
        any_unit: bool,
        chosen: str | None,
    ) -> None:
        round_id = data.draw(st.sampled_from(self.rounds))
        found = self.life.rounds[round_id]
        units = sorted(("ZJ", "HZ", "NB", "E")) if any_unit else UNITS[found.tier]
        unit = data.draw(st.sampled_from(units))
        stream = self.log.new_id()
        payload = {
            "round": round_id,
            "unit": self.w.org[unit],
            "details": self._details(person, years, rating),
        }
        name = self.who(chosen, f"{unit}.recommender")
        if self.attempt(
            name,
            stream,
            "NominationSubmitted",
            payload,
            Need(Role.RECOMMENDER, self.w.org[unit]),
        ):
            self.nominations.append(stream)

    def _nomination(self, data: st.DataObject, *statuses: NominationStatus) -> str:
        fitting = [n for n in self.nominations if self.life.nominations[n].status in statuses]
        pool = fitting if fitting and data.draw(st.integers(0, 4)) else self.nominations
        return data.draw(st.sampled_from(pool))

    @precondition(lambda self: self.nominations)
    @rule(
        data=st.data(),
        person=st.sampled_from(PEOPLE),
        years=st.sampled_from([4, 9, 14]),
        rating=st.sampled_from([4, 5]),
        chosen=signer_choice(),
    )
    def amend(
        self, data: st.DataObject, person: str, years: int, rating: int, chosen: str | None
    ) -> None:
        stream = self._nomination(data, NominationStatus.SUBMITTED, NominationStatus.RETURNED)
        nomination = self.life.nominations[stream]
        self.attempt(
            self.who(chosen, f"{self.body_key(nomination.unit)}.recommender"),
            stream,
            "NominationAmended",
            {"details": self._details(person, years, rating), "reason": "补充"},
            Need(Role.RECOMMENDER, nomination.unit),
        )

    @precondition(lambda self: self.nominations)
    @rule(data=st.data(), chosen=signer_choice())
    def withdraw(self, data: st.DataObject, chosen: str | None) -> None:
        stream = self._nomination(data, *LIVE)
        nomination = self.life.nominations[stream]
        self.attempt(
            self.who(chosen, f"{self.body_key(nomination.unit)}.recommender"),
            stream,
            "NominationWithdrawn",
            {"reason": "本人申请"},
            Need(Role.RECOMMENDER, nomination.unit),
        )

    @precondition(lambda self: self.nominations)
    @rule(
        data=st.data(),
        decision=st.sampled_from(["approved", "approved", "rejected", "returned"]),
        reasons=st.booleans(),
        chosen=signer_choice(),
    )
    def review(self, data: st.DataObject, decision: str, reasons: bool, chosen: str | None) -> None:
        stream = self._nomination(data, NominationStatus.SUBMITTED)
        self._review(stream, decision, ["材料不全"] if reasons else [], chosen)

    def _review(self, stream: str, decision: str, reasons: list[str], chosen: str | None) -> None:
        body = self.life.rounds[self.life.nominations[stream].round].body
        self.attempt(
            self.who(chosen, f"{self.body_key(body)}.reviewer"),
            stream,
            "NominationReviewed",
            {"decision": decision, "reasons": reasons},
            Need(Role.REVIEWER, body),
            # a rejection or a return gives reasons
            must_refuse=None if reasons or decision == "approved" else RuleViolation,
        )

    # -- cultivation and assessment (Art. 10–15) ---------------------------------------------

    @precondition(lambda self: self.nominations)
    @rule(
        data=st.data(),
        months=st.sampled_from([6, 12, 24, 30]),
        reason=st.booleans(),
        same_mentor=st.sampled_from([False, False, False, True]),
        chosen=signer_choice(),
    )
    def start_cultivation(
        self,
        data: st.DataObject,
        months: int,
        reason: bool,
        same_mentor: bool,
        chosen: str | None,
    ) -> None:
        self._start(
            self._nomination(data, NominationStatus.LISTED), months, reason, same_mentor, chosen
        )

    def _start(
        self, stream_of: str, months: int, reason: bool, same_mentor: bool, chosen: str | None
    ) -> None:
        nomination = self.life.nominations[stream_of]
        body = self.life.rounds[nomination.round].body
        start = self.today()
        end = _add_months(start, months)
        stream = self.log.new_id()
        payload = {
            "nomination": stream_of,
            "plan": {f: f"提升{f}" for f in FORCES},
            "start": start.isoformat(),
            "end": end.isoformat(),
            "mentors": {
                "professional": {"name": "刘教授", "organisation": "浙江大学"},
                "skills": {
                    "name": "刘教授" if same_mentor else "张大师",
                    "organisation": "杭汽",
                },
            },
            "extension_reason": "项目周期较长" if reason else "",
        }
        if self.attempt(
            self.who(chosen, f"{self.body_key(body)}.cultivation_officer"),
            stream,
            "CultivationStarted",
            payload,
            Need(Role.CULTIVATION_OFFICER, body),
        ):
            assert nomination.status is NominationStatus.LISTED  # Art. 10
            self.cultivations.append(stream)

    @precondition(lambda self: self.cultivations)
    @rule(
        data=st.data(),
        kind=st.sampled_from(["camp_test", "camp_learn", "thematic_study", "app_onboarding"]),
        offset=st.integers(0, 400),
        future=st.sampled_from([False, False, False, True]),
        chosen=signer_choice(),
    )
    def record_activity(
        self, data: st.DataObject, kind: str, offset: int, future: bool, chosen: str | None
    ) -> None:
        """Art. 11–14: dated within the period, and not before it happened."""
        active = [
            c
            for c in self.cultivations
            if self.life.cultivations[c].status is CultivationStatus.ACTIVE
        ]
        stream = data.draw(st.sampled_from(active or self.cultivations))
        cultivation = self.life.cultivations[stream]
        day = date.fromisoformat(cultivation.start) + timedelta(days=offset)
        if not future:
            day = min(day, self.today())
        if self.attempt(
            self.who(chosen, f"{self.body_key(cultivation.body)}.cultivation_officer"),
            stream,
            "ActivityRecorded",
            {
                "kind": kind,
                "date": day.isoformat(),
                "mode": "offline",
                "institution": "浙江工匠学院",
                "description": "训练营",
            },
            Need(Role.CULTIVATION_OFFICER, cultivation.body),
        ):
            assert cultivation.start <= day.isoformat() <= cultivation.end
            assert day <= self.today()

    @precondition(lambda self: self.cultivations)
    @rule(
        data=st.data(),
        passed=st.sampled_from([True, True, False]),
        move=st.sampled_from([True, True, False]),
        chosen=signer_choice(),
    )
    def assess(self, data: st.DataObject, passed: bool, move: bool, chosen: str | None) -> None:
        active = [
            c
            for c in self.cultivations
            if self.life.cultivations[c].status is CultivationStatus.ACTIVE
        ]
        self._assess(data.draw(st.sampled_from(active or self.cultivations)), passed, move, chosen)

    def _assess(self, stream: str, passed: bool, move: bool, chosen: str | None) -> None:
        cultivation = self.life.cultivations[stream]
        if move:  # Art. 15: the period has ended
            end = datetime.combine(
                date.fromisoformat(cultivation.end) + timedelta(days=1),
                time(9),
                self.calendar.moment.tzinfo,
            )
            self.calendar.moment = max(self.calendar.moment, end)
        self.attempt(
            self.who(chosen, f"{self.body_key(cultivation.body)}.assessor"),
            stream,
            "CultivationAssessed",
            {
                "scores": dict.fromkeys(FORCES, 85 if passed else 40),
                "result": "pass" if passed else "fail",
                "assessors": ["考核组"],
                "comments": "综合考核",
            },
            Need(Role.ASSESSOR, cultivation.body),
        )

    # -- certificates and benefits (Art. 15, 18, 24) -----------------------------------------

    @precondition(lambda self: self.cultivations)
    @rule(
        data=st.data(),
        number=st.sampled_from(["new", "new", "new", "taken", "wrong-prefix"]),
        chosen=signer_choice(),
    )
    def issue(self, data: st.DataObject, number: str, chosen: str | None) -> None:
        passed = [
            c
            for c in self.cultivations
            if self.life.cultivations[c].status is CultivationStatus.PASSED
            and self.life.cultivations[c].certificate is None
        ]
        stream_of = data.draw(st.sampled_from(passed or self.cultivations))
        body = self.life.cultivations[stream_of].body
        text = self._number(body)
        if number == "taken" and self.numbers:
            text = data.draw(st.sampled_from(self.numbers))
        elif number == "wrong-prefix":
            text = self._number(self.w.org["ZJ" if self.body_key(body) != "ZJ" else "N"])
        self._issue(stream_of, text, chosen)

    def _number(self, body: str) -> str:
        """The next number in the form tier prefix, year, five-digit sequence."""
        prefix = PREFIX[self.body_key(body)]
        return f"{prefix}-{self.today().year}-{next(self.sequence):05d}"

    def _issue(self, stream_of: str, number: str, chosen: str | None) -> None:
        cultivation = self.life.cultivations[stream_of]
        stream = self.log.new_id()
        holder = self.life.nominations[cultivation.nomination].candidate["candidate"]["name"]
        payload = {
            "cultivation": stream_of,
            "number": number,
            "holder_name": holder,
            "trade": "数控车工",
            "employer": "杭汽",
            "issue_date": self.today().isoformat(),
            "code_digest": code_digest(number, f"CODE-{number}"),
            "benefits": ["visit", "health_check"],
        }
        if self.attempt(
            self.who(chosen, f"{self.body_key(cultivation.body)}.certifier"),
            stream,
            "CertificateIssued",
            payload,
            Need(Role.CERTIFIER, cultivation.body),
        ):
            assert cultivation.status is CultivationStatus.PASSED  # Art. 15
            self.certificates.append(stream)
            self.numbers.append(number)

    @rule(
        body=st.sampled_from(["N", "ZJ", "HZ"]),
        person=st.sampled_from(PEOPLE),
        taken=st.booleans(),
        chosen=signer_choice(),
    )
    def import_pilot(self, body: str, person: str, taken: bool, chosen: str | None) -> None:
        """Art. 24: a 2024 pilot certificate; the same person may already hold the tier."""
        number = f"试点-{next(self.sequence)}"
        if taken and self.numbers:
            number = self.numbers[-1]
        stream = self.log.new_id()
        payload = {
            "body": self.w.org[body],
            "tier": TIER_OF[body].value,
            "number": number,
            "holder_name": person,
            "identity": identity(person),
            "trade": "焊工",
            "employer": "宁波钢铁",
            "issue_date": "2024-09-01",
            "code_digest": evidence(f"pilot-{number}"),
            "benefits": ["visit"],
            "source_document": evidence(f"pilot-file-{number}"),
            "scheme": "总工发〔2024〕1号",
        }
        if self.attempt(
            self.who(chosen, f"{body}.certifier"),
            stream,
            "PilotCertificateImported",
            payload,
            Need(Role.CERTIFIER, self.w.org[body]),
        ):
            self.certificates.append(stream)
            self.numbers.append(number)

    @precondition(lambda self: self.certificates)
    @rule(
        data=st.data(),
        benefit=st.sampled_from(["visit", "health_check", "recuperation", "medical_service"]),
        chosen=signer_choice(),
    )
    def deliver_benefit(self, data: st.DataObject, benefit: str, chosen: str | None) -> None:
        stream = data.draw(st.sampled_from(self.certificates))
        certificate = self.life.certificates[stream]
        revoked = certificate.status is CertificateStatus.REVOKED
        self.attempt(
            self.who(chosen, f"{self.body_key(certificate.body)}.cultivation_officer"),
            stream,
            "BenefitDelivered",
            {"benefit": benefit, "date": self.today().isoformat(), "detail": "年度待遇"},
            Need(Role.CULTIVATION_OFFICER, certificate.body),
            must_refuse=RuleViolation if revoked else None,  # Art. 20: benefits end
        )

    # -- the exit mechanism (Art. 20) --------------------------------------------------------

    @rule(
        data=st.data(),
        kind=st.sampled_from(["certificate", "nomination", "person"]),
        ground=st.sampled_from(["falsification", "falsification", "violation", "unsuitability"]),
        where=st.sampled_from(["own", "own", "national", "any"]),
        both=st.booleans(),
        chosen=signer_choice(),
    )
    def open_case(
        self,
        data: st.DataObject,
        kind: str,
        ground: str,
        where: str,
        both: bool,
        chosen: str | None,
    ) -> None:
        if kind == "certificate" and self.certificates:
            subject = data.draw(st.sampled_from(self.certificates))
        elif kind == "nomination" and self.nominations:
            subject = data.draw(st.sampled_from(self.nominations))
        else:
            kind = "person"
            subject = identity(data.draw(st.sampled_from(PEOPLE)))["digest"]
        own = self._subject_body(kind, subject)
        body = {"own": own, "national": "N"}.get(where) or data.draw(
            st.sampled_from(["N", "ZJ", "HZ"])
        )
        self._open(kind, subject, ground, body, "both" if both else "discipline_officer", chosen)

    def _subject_body(self, kind: str, subject: str) -> str:
        life = self.life
        if kind == "certificate":
            return self.body_key(life.certificates[subject].body)
        if kind == "nomination":
            return self.body_key(life.rounds[life.nominations[subject].round].body)
        holders = sorted(c.body for c in life.certificates.values() if c.digest == subject)
        return self.body_key(holders[0]) if holders else "ZJ"

    def _open(
        self, kind: str, subject: str, ground: str, body: str, officer: str, chosen: str | None
    ) -> None:
        stream = self.log.new_id()
        payload = {
            "subject": {"kind": kind, "id": subject},
            "ground": ground,
            "body": self.w.org[body],
            "summary": "举报核查",
        }
        if self.attempt(
            self.who(chosen, f"{body}.{officer}"),
            stream,
            "CaseOpened",
            payload,
            Need(Role.DISCIPLINE_OFFICER, self.w.org[body], exact=False),
            authority_first=False,  # the subject and the body's standing are checked first
        ):
            self.cases.append(stream)

    def _case(self, data: st.DataObject, *statuses: CaseStatus) -> str:
        fitting = [c for c in self.cases if self.life.cases[c].status in statuses]
        pool = fitting if fitting and data.draw(st.integers(0, 4)) else self.cases
        return data.draw(st.sampled_from(pool))

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), chosen=signer_choice())
    def investigate(self, data: st.DataObject, chosen: str | None) -> None:
        self._investigate(self._case(data, CaseStatus.OPEN), chosen)

    def _investigate(self, stream: str, chosen: str | None) -> None:
        case = self.life.cases[stream]
        name = self.who(chosen, f"{self.body_key(case.body)}.discipline_officer")
        need = Need(Role.DISCIPLINE_OFFICER, case.body, exact=False)
        payload = {"sha256": evidence(f"evidence-{stream}"), "description": "举报材料"}
        self.attempt(name, stream, "EvidenceAttached", payload, need)
        self.attempt(name, stream, "FindingRecorded", {"text": "经核实"}, need)

    @precondition(lambda self: self.cases)
    @rule(
        data=st.data(),
        decision=st.sampled_from(["revoke", "revoke", "no_action"]),
        taints=st.booleans(),
        both=st.booleans(),
        chosen=signer_choice(),
    )
    def propose(
        self, data: st.DataObject, decision: str, taints: bool, both: bool, chosen: str | None
    ) -> None:
        stream = self._case(data, CaseStatus.OPEN)
        self._propose(stream, decision, taints, "both" if both else "discipline_officer", chosen)

    def _propose(
        self, stream: str, decision: str, taints: bool, officer: str, chosen: str | None
    ) -> None:
        case = self.life.cases[stream]
        if self.attempt(
            self.who(chosen, f"{self.body_key(case.body)}.{officer}"),
            stream,
            "DecisionProposed",
            {
                "decision": decision,
                "effective": self.today().isoformat(),
                "reasons": "经调查核实",
                "taints_nomination": taints,
            },
            Need(Role.DISCIPLINE_OFFICER, case.body, exact=False),
        ):
            assert case.findings > 0  # findings come before a proposal
            assert case.ground == "falsification" or not taints  # only falsification taints

    @precondition(lambda self: self.cases)
    @rule(
        data=st.data(),
        approver=st.sampled_from(["approver1", "approver2", "both"]),
        approve=st.sampled_from([True, True, False]),
        chosen=signer_choice(),
    )
    def decide_proposal(
        self, data: st.DataObject, approver: str, approve: bool, chosen: str | None
    ) -> None:
        self._decide(self._case(data, CaseStatus.PROPOSED), approver, approve, chosen)

    def _decide(self, stream: str, approver: str, approve: bool, chosen: str | None) -> None:
        """Art. 20 审核批准: four eyes — the proposer never approves or rejects their own."""
        case = self.life.cases[stream]
        name = self.who(chosen, f"{self.body_key(case.body)}.{approver}")
        own = case.proposal is not None and case.proposal["proposer"] == self.w.actors[name]
        self.attempt(
            name,
            stream,
            "DecisionApproved" if approve else "DecisionRejected",
            {"comment": "同意"} if approve else {"reasons": "证据不足"},
            Need(Role.DISCIPLINE_APPROVER, case.body, exact=False),
            must_refuse=RuleViolation if own else None,
        )

    @precondition(lambda self: self.certificates and self.cases)
    @rule(data=st.data(), both=st.booleans(), chosen=signer_choice())
    def revoke(self, data: st.DataObject, both: bool, chosen: str | None) -> None:
        approved = [
            c
            for c in self.cases
            if self.life.cases[c].status in (CaseStatus.APPROVED, CaseStatus.EXECUTED)
        ]
        case_id = data.draw(st.sampled_from(approved or self.cases))
        covered = self._covered(case_id)
        pool = covered if covered and data.draw(st.integers(0, 4)) else self.certificates
        stream = data.draw(st.sampled_from(pool))
        self._revoke(stream, case_id, "both" if both else "discipline_officer", chosen)

    def _covered(self, case_id: str) -> list[str]:
        subject = self.life.cases[case_id].subject
        return [
            c
            for c in self.certificates
            if subject in (c, self.life.certificates[c].digest, self._nomination_of(c))
        ]

    def _revoke(self, stream: str, case_id: str, officer: str, chosen: str | None) -> None:
        certificate = self.life.certificates[stream]
        case = self.life.cases[case_id]
        if self.attempt(
            self.who(chosen, f"{self.body_key(certificate.body)}.{officer}"),
            stream,
            "CertificateRevoked",
            {"case": case_id, "effective": self.today().isoformat()},
            Need(Role.DISCIPLINE_OFFICER, certificate.body),
        ):
            assert case.proposal is not None and case.proposal["decision"] == "revoke"
            assert case.status is CaseStatus.EXECUTED

    def _nomination_of(self, certificate: str) -> str | None:
        cultivation = self.life.cultivations.get(self.life.certificates[certificate].cultivation)
        return None if cultivation is None else str(cultivation.nomination)

    # -- corrections: a mistake is put right by a new event --------------------------------

    @precondition(lambda self: self.nominations)
    @rule(data=st.data(), chosen=signer_choice())
    def reverse_review(self, data: st.DataObject, chosen: str | None) -> None:
        """A review decision taken in error goes back to 'submitted', before the list."""
        reversible = (
            NominationStatus.APPROVED,
            NominationStatus.RETURNED,
            NominationStatus.REJECTED,
        )
        fitting = [n for n in self.nominations if self.life.nominations[n].status in reversible]
        if not fitting:
            return
        stream = data.draw(st.sampled_from(fitting))
        body = self.life.rounds[self.life.nominations[stream].round].body
        self.attempt(
            self.who(chosen, f"{self.body_key(body)}.reviewer"),
            stream,
            "ReviewReversed",
            {"reason": "审核有误"},
            Need(Role.REVIEWER, body),
        )

    @precondition(lambda self: self.cultivations)
    @rule(data=st.data(), chosen=signer_choice())
    def reverse_assessment(self, data: st.DataObject, chosen: str | None) -> None:
        stream = data.draw(st.sampled_from(self.cultivations))
        cultivation = self.life.cultivations[stream]
        if self.attempt(
            self.who(chosen, f"{self.body_key(cultivation.body)}.assessor"),
            stream,
            "AssessmentReversed",
            {"reason": "评分有误"},
            Need(Role.ASSESSOR, cultivation.body),
        ):
            assert cultivation.certificate is None  # no certificate rests on it

    @precondition(lambda self: self.certificates)
    @rule(
        data=st.data(),
        benefit=st.sampled_from(["visit", "health_check"]),
        chosen=signer_choice(),
    )
    def retract_benefit(self, data: st.DataObject, benefit: str, chosen: str | None) -> None:
        stream = data.draw(st.sampled_from(self.certificates))
        certificate = self.life.certificates[stream]
        # a day a delivery of it was recorded, where there is one: else refused, and rightly
        days = sorted(d for (b, d), n in certificate.benefit_days.items() if b == benefit and n)
        day = data.draw(st.sampled_from(days)) if days else self.today().isoformat()
        self.attempt(
            self.who(chosen, f"{self.body_key(certificate.body)}.cultivation_officer"),
            stream,
            "BenefitRetracted",
            {"benefit": benefit, "date": day, "reason": "录入有误"},
            Need(Role.CULTIVATION_OFFICER, certificate.body),
        )

    # -- policy and the calendar -------------------------------------------------------------

    @rule(
        tier=st.sampled_from(list(Tier)),
        years=st.integers(0, 3),
        rating=st.integers(0, 1),
        chosen=signer_choice(),
    )
    def adopt_stricter_policy(
        self, tier: Tier, years: int, rating: int, chosen: str | None
    ) -> None:
        """Art. 5–7 as policy: a new version applies to what is nominated or amended after it."""
        current = self.life.policy.rules
        stricter = copy.deepcopy(current)
        stricter.version = f"{self.today().isoformat()}-{next(self.policies)}"
        old = current.tiers[tier]
        stricter.tiers[tier] = TierRule(
            min_frontline_years=old.min_frontline_years + years,
            on_frontline_now=True,
            min_force_rating=min(5, old.min_force_rating + rating),
        )
        self.attempt(
            self.who(chosen, "root"),
            self.log.new_id(),  # each version is a record of its own
            "PolicyAdopted",
            msgspec.to_builtins(stricter),
            Need(Role.REGISTRAR, self.w.org["N"]),
        )

    @rule(days=st.sampled_from([1, 3, 10, 30, 90, 400]))
    def advance_calendar(self, days: int) -> None:
        self.calendar.moment += timedelta(days=days)

    # -- the invariants ----------------------------------------------------------------------

    @invariant()
    def art9_no_unit_exceeds_its_quota_and_no_person_is_twice_in_a_round(self) -> None:
        life = self.life
        for round_id, found in life.rounds.items():
            live = [
                n for n in life.nominations.values() if n.round == round_id and n.status in LIVE
            ]
            for unit in {n.unit for n in live}:
                count = sum(1 for n in live if n.unit == unit)
                assert count <= found.quotas.get(unit, 0), (round_id, unit, count)
            digests = [n.digest for n in live]
            assert len(digests) == len(set(digests)), f"a person twice in round {round_id}"
            # the round's own bookkeeping agrees with the nominations
            tracked = {unit: ids for unit, ids in found.live.items() if ids}
            assert tracked == {
                unit: {n.id for n in live if n.unit == unit} for unit in {n.unit for n in live}
            }

    @invariant()
    def art9_every_listed_nomination_was_approved_in_a_determined_round(self) -> None:
        streams = self._streams()
        for nomination in self.life.nominations.values():
            if nomination.status is not NominationStatus.LISTED:
                continue
            assert self.life.rounds[nomination.round].determined
            _, last = streams[nomination.id][-1]
            assert last.envelope.type == "NominationReviewed"
            assert last.envelope.payload["decision"] == "approved"
            lists = [
                e.envelope.payload["nominations"]
                for _, e in streams[nomination.round]
                if e.envelope.type == "ListDetermined"
            ]
            assert lists and nomination.id in lists[-1]

    @invariant()
    def art15_one_valid_certificate_per_person_and_tier_each_from_a_pass(self) -> None:
        life = self.life
        valid = [c for c in life.certificates.values() if c.status is CertificateStatus.VALID]
        keys = [(c.digest, c.tier) for c in valid]
        assert len(keys) == len(set(keys)), "two valid certificates of one tier"
        assert life.live_certificates == {(c.digest, c.tier): c.id for c in valid}
        numbers = [c.number for c in life.certificates.values()]
        assert len(numbers) == len(set(numbers))
        for certificate in life.certificates.values():
            if certificate.cultivation is None:  # imported from the 2024 pilot (Art. 24)
                continue
            cultivation = life.cultivations[certificate.cultivation]
            assert cultivation.status is CultivationStatus.PASSED
            assert cultivation.certificate == certificate.id
            assert certificate.digest == cultivation.digest

    @invariant()
    def art20_every_revocation_executes_an_approved_case_covering_it(self) -> None:
        life = self.life
        chain = self.log.state.chain
        streams = self._streams()
        for certificate in life.certificates.values():
            if certificate.status is not CertificateStatus.REVOKED:
                assert certificate.revoked is None
                continue
            assert certificate.revoked is not None
            case = life.cases[certificate.revoked["case"]]
            assert case.status in (CaseStatus.APPROVED, CaseStatus.EXECUTED)
            assert case.proposal is not None and case.proposal["decision"] == "revoke"
            assert case.subject in (
                certificate.id,
                certificate.digest,
                self._nomination_of(certificate.id),
            )
            # Art. 3: the case's body is the certificate's cultivating body or one above it
            assert case.body in chain.lineage(certificate.body)
            # from the history: four eyes, and a decision taken on a certificate that existed
            proposer = approver = None
            approved_at = -1
            for position, signed in streams[case.id]:
                actor = chain.keys[signed.envelope.signer].actor
                if signed.envelope.type == "DecisionProposed":
                    proposer = actor
                elif signed.envelope.type == "DecisionApproved":
                    approver, approved_at = actor, position
            assert proposer is not None and approver is not None and proposer != approver
            assert streams[certificate.id][0][0] < approved_at

    @invariant()
    def art20_only_an_approved_falsification_finding_taints_and_the_taint_follows(self) -> None:
        """Tainting needs an approved proposal that says so, on the ground of falsification;
        what derives from a tainted nomination is tainted, and never certified after it."""
        life = self.life
        chain = self.log.state.chain
        tainting = [
            case
            for case in life.cases.values()
            if case.status in (CaseStatus.APPROVED, CaseStatus.EXECUTED)
            and case.proposal is not None
            and case.proposal["taints"] == "yes"
        ]
        assert all(case.ground == "falsification" for case in tainting)

        def covers(case: Any, nomination: Any) -> bool:
            if case.subject == nomination.id:
                return True
            return any(
                case.subject in (c.id, c.digest) and case.body in chain.lineage(c.body)
                for c in life.certificates.values()
                if self._nomination_of(c.id) == nomination.id
            )

        for nomination in life.nominations.values():
            if nomination.tainted:
                assert any(covers(case, nomination) for case in tainting), nomination.id
        for cultivation in life.cultivations.values():
            nomination = life.nominations[cultivation.nomination]
            assert cultivation.tainted == nomination.tainted
            if cultivation.certificate is not None:
                assert life.certificates[cultivation.certificate].tainted == cultivation.tainted
        for certificate in life.certificates.values():
            if certificate.cultivation is None:
                assert not certificate.tainted  # a pilot record has no nomination to taint

    @invariant()
    def art20_no_benefit_is_delivered_on_a_revoked_certificate(self) -> None:
        revoked: set[str] = set()
        delivered: dict[str, int] = {}
        for signed in self.log.events:
            stream, kind = signed.envelope.stream, signed.envelope.type
            if kind == "CertificateRevoked":
                revoked.add(stream)
            elif kind == "BenefitDelivered":
                assert stream not in revoked, "a benefit after the revocation (Art. 20)"
                delivered[stream] = delivered.get(stream, 0) + 1
            elif kind == "BenefitRetracted":  # a delivery recorded in error
                delivered[stream] = delivered.get(stream, 0) - 1
        for certificate in self.life.certificates.values():
            assert all(count >= 0 for count in certificate.benefits.values())
            assert sum(certificate.benefits.values()) == delivered.get(certificate.id, 0)

    @invariant()
    def the_log_replays_to_the_same_state(self) -> None:
        replayed = new_state()
        for signed in self.log.events:  # signatures were verified on append; see teardown
            replayed.admit(signed, verified=True)()
        assert replayed == self.log.state
        self._snapshot = (len(self.log.events), replayed)  # an independent copy, as good

    def teardown(self) -> None:
        replayed = new_state()
        replayed.replay(self.log.events)  # this time with every signature verified
        assert replayed == self.log.state

    def _streams(self) -> dict[str, list[tuple[int, Any]]]:
        """Each stream's events with their log positions."""
        streams: dict[str, list[tuple[int, Any]]] = {}
        for position, signed in enumerate(self.log.events):
            streams.setdefault(signed.envelope.stream, []).append((position, signed))
        return streams


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28)) - timedelta(days=1)


LifecycleMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLifecycleInvariants = LifecycleMachine.TestCase


# -- defects the invariants led to -----------------------------------------------------------


class Story:
    """The same world, told step by step with the clerk's ``Casework`` methods."""

    def __init__(self) -> None:
        w = world()
        self.w = w
        self.calendar = Calendar("2027-01-04T09:00:00")
        self.calendar.moment = w.calendar.moment
        self.log = MemoryLog()
        self.log.state = copy.deepcopy(w.log.state)
        self.log.events = list(w.log.events)
        self.log.clock = self.calendar.now
        self.sequence = itertools.count(1)

    def key(self, name: str) -> Signer:
        return self.w.signers[name]

    def today(self) -> date:
        return self.calendar.moment.date()

    def later(self, days: int) -> None:
        self.calendar.moment += timedelta(days=days)

    def listed(self, tier: Tier, person: str) -> str:
        body, unit = BODY[tier], UNITS[tier][0]
        deadline = self.calendar.moment + timedelta(days=30)
        round_id = self.log.announce_round(
            self.key(f"{body}.reviewer"),
            self.w.org[body],
            tier,
            self.today().year,
            {self.w.org[unit]: 1},
            deadline.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        forces = {f: {"rating": 5, "evidence": [evidence(f"{person}-{f}")]} for f in FORCES}
        nomination = self.log.nominate(
            self.key(f"{unit}.recommender"),
            round_id,
            self.w.org[unit],
            details(person, frontline_years=14, forces=forces),
        )
        self.later(40)
        self.log.review(self.key(f"{body}.reviewer"), nomination, "approved")
        self.log.close_round(self.key(f"{body}.reviewer"), round_id)
        self.log.determine_list(self.key(f"{body}.reviewer"), round_id, [nomination])
        return nomination

    def started(self, nomination: str, months: int = 12) -> str:
        body = self.w.org[BODY[self.log.state.lifecycle.nominations[nomination].tier]]
        officer = self.key(f"{self.body_of(body)}.cultivation_officer")
        start = self.today()
        return self.log.start_cultivation(
            officer,
            nomination,
            start.isoformat(),
            _add_months(start, months).isoformat(),
            ("刘教授", "张大师"),
        )

    def passed(self, cultivation: str) -> None:
        found = self.log.state.lifecycle.cultivations[cultivation]
        self.calendar.moment = datetime.combine(
            date.fromisoformat(found.end) + timedelta(days=1), time(9), self.calendar.moment.tzinfo
        )
        scores = dict.fromkeys(FORCES, 90)
        self.log.assess(self.key(f"{self.body_of(found.body)}.assessor"), cultivation, scores, True)

    def issue_event(self, cultivation: str) -> Any:
        found = self.log.state.lifecycle.cultivations[cultivation]
        body = self.body_of(found.body)
        number = f"{PREFIX[body]}-{self.today().year}-{next(self.sequence):05d}"
        return self.log.sign_next(
            self.key(f"{body}.certifier"),
            self.log.new_id(),
            "CertificateIssued",
            {
                "cultivation": cultivation,
                "number": number,
                "holder_name": "陈静",
                "trade": "数控车工",
                "employer": "杭汽",
                "issue_date": self.today().isoformat(),
                "code_digest": code_digest(number, "CODE"),
                "benefits": ["visit"],
            },
        )

    def certified(self, tier: Tier, person: str) -> str:
        cultivation = self.started(self.listed(tier, person))
        self.passed(cultivation)
        return self.log.submit(self.issue_event(cultivation)).envelope.stream

    def approved_case(self, body: str, kind: str, subject: str, *, taints: bool) -> str:
        officer = self.key(f"{body}.discipline_officer")
        case = self.log.open_case(officer, kind, subject, "falsification", self.w.org[body])
        self.log.investigate(officer, case, evidence("举报信"), "推荐材料系伪造")
        self.log.propose(officer, case, "revoke", self.today().isoformat(), taints=taints)
        self.log.approve(self.key(f"{body}.approver1"), case)
        return case

    def body_of(self, org_id: str) -> str:
        return next(k for k, v in self.w.org.items() if v == org_id)


def test_the_story_helpers_reach_a_certificate_and_a_revocation() -> None:
    """The helpers the defect tests below rely on work, so that those fail for their reason."""
    story = Story()
    certificate = story.certified(Tier.PROVINCIAL, "陈静")
    life = story.log.state.lifecycle
    assert life.certificates[certificate].status is CertificateStatus.VALID
    case = story.approved_case("ZJ", "certificate", certificate, taints=True)
    story.log.revoke_certificate(
        story.key("ZJ.discipline_officer"), certificate, case, story.today().isoformat()
    )
    assert life.certificates[certificate].status is CertificateStatus.REVOKED
    assert life.certificates[certificate].tainted


def test_art10_an_extension_moves_the_end_later_and_dates_are_yyyy_mm_dd() -> None:
    story = Story()
    cultivation = story.started(story.listed(Tier.PROVINCIAL, "陈静"), months=24)
    end = story.log.state.lifecycle.cultivations[cultivation].end
    week_date = f"{end[:4]}-W01-1"  # the Monday of the first ISO week of the end's year
    start = story.log.state.lifecycle.cultivations[cultivation].start
    assert start < date.fromisoformat(week_date).isoformat() < end  # a shorter period
    shorter = story.log.sign_next(
        story.key("ZJ.cultivation_officer"),
        cultivation,
        "CultivationExtended",
        {"end": week_date, "reason": "项目延期"},
    )
    refused(story.log, RuleViolation, shorter)


def test_art20_a_nomination_found_falsified_does_not_lead_to_a_certificate() -> None:
    story = Story()
    nomination = story.listed(Tier.PROVINCIAL, "陈静")
    story.approved_case("ZJ", "nomination", nomination, taints=True)
    life = story.log.state.lifecycle
    assert life.nominations[nomination].tainted
    try:
        cultivation = story.started(nomination)
    except RuleViolation:
        return  # refusing to cultivate a falsified nomination is a fix as good as the taint
    assert life.cultivations[cultivation].tainted, (
        "the cultivation derives from a tainted nomination"
    )
    story.passed(cultivation)
    refused(story.log, RuleViolation, story.issue_event(cultivation))


def test_art20_a_case_decides_only_on_certificates_within_its_bodys_jurisdiction() -> None:
    story = Story()
    provincial = story.certified(Tier.PROVINCIAL, "陈静")  # Zhejiang's certificate
    municipal = story.certified(Tier.MUNICIPAL, "陈静")  # Hangzhou's, below Zhejiang
    life = story.log.state.lifecycle
    digest = life.certificates[municipal].digest
    assert life.certificates[provincial].digest == digest
    case = story.approved_case("HZ", "person", digest, taints=True)
    assert life.certificates[municipal].tainted
    assert not life.certificates[provincial].tainted, "Hangzhou's approval tainted Zhejiang's"
    by_zhejiang = story.log.sign_next(
        story.key("ZJ.discipline_officer"),
        provincial,
        "CertificateRevoked",
        {"case": case, "effective": story.today().isoformat()},
    )
    refused(story.log, RuleViolation, by_zhejiang)


def test_art20_a_decision_covers_only_certificates_that_existed_when_it_was_approved() -> None:
    story = Story()
    first = story.certified(Tier.PROVINCIAL, "陈静")
    digest = story.log.state.lifecycle.certificates[first].digest
    case = story.approved_case("ZJ", "person", digest, taints=False)
    story.log.revoke_certificate(
        story.key("ZJ.discipline_officer"), first, case, story.today().isoformat()
    )
    story.later(400)  # re-nominated, cultivated and certified again, years later
    second = story.certified(Tier.PROVINCIAL, "陈静")
    reused = story.log.sign_next(
        story.key("ZJ.discipline_officer"),
        second,
        "CertificateRevoked",
        {"case": case, "effective": story.today().isoformat()},
    )
    refused(story.log, RuleViolation, reused)


def test_art9_reversing_a_rejection_does_not_put_a_person_twice_in_a_round() -> None:
    story = Story()
    deadline = story.calendar.moment + timedelta(days=30)
    round_id = story.log.announce_round(
        story.key("ZJ.reviewer"),
        story.w.org["ZJ"],
        Tier.PROVINCIAL,
        story.today().year,
        {story.w.org["HZ"]: 3},
        deadline.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    recommender, unit = story.key("HZ.recommender"), story.w.org["HZ"]
    first = story.log.nominate(recommender, round_id, unit, details("陈静"))
    story.log.review(story.key("ZJ.reviewer"), first, "rejected", "材料不全")
    # re-nominating the same person after a rejection is allowed
    second = story.log.nominate(recommender, round_id, unit, details("陈静", trade="钳工"))
    life = story.log.state.lifecycle
    assert life.nominations[first].digest == life.nominations[second].digest
    reversal = story.log.sign_next(
        story.key("ZJ.reviewer"), first, "ReviewReversed", {"reason": "审核有误"}
    )
    refused(story.log, RuleViolation, reversal)
