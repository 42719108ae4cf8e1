"""The demo's calendar of cohorts: rounds, nominations, reviews, cultivation, certificates, cases.

An agenda runs every step in date order across all cohorts, with the registry's clock set to
the step's date, so that deadlines, periods and the order of events are those of a real year.
Nothing is dated after ``DEMO_END``; the 2025 cohort follows an accelerated one-year programme
so that it has been assessed and certified by then, the 2026 cohort the standard two years.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from craftreg.application import Registry
from craftreg.casework import new_verification_code
from craftreg.demo.federations import Federations, Unit
from craftreg.demo.people import TAGS, TRADES, birth_date, identity_number, person_name
from craftreg.domain.authority import Role
from craftreg.domain.certificates import number_prefix
from craftreg.domain.tiers import DEFAULT_POLICY, Tier
from craftreg.keys import Signer
from craftreg.privacy import IdentityVault

DEMO_END = date(2026, 11, 27)
FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")
CATEGORIES = {
    Tier.NATIONAL: ("chain_leader", "head_enterprise", "national_major_project", "little_giant"),
    Tier.PROVINCIAL: (
        "provincial_key_industry",
        "provincial_advantage_industry",
        "provincial_characteristic_industry",
    ),
    Tier.MUNICIPAL: ("city_leading", "local_backbone", "local_growth"),
}
OTHER_ACTIVITIES = (
    "thematic_study", "overseas_training", "innovation_exchange", "enterprise_assistance",
    "outreach_lecture", "part_time_mentor", "app_onboarding",
)  # fmt: skip
GROUNDS = ("falsification", "violation", "unsuitability")


@dataclass
class Agenda:
    """Steps in date order; the registry's clock reads the date of the step being run."""

    moment: datetime = datetime(2025, 6, 1, 9, tzinfo=UTC)
    steps: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment

    def at(self, day: date, step: Callable[[], object]) -> None:
        if day <= DEMO_END:
            heapq.heappush(
                self.steps, (datetime.combine(day, time(9), UTC), next(self.counter), step)
            )

    def run(self, report: Callable[[date], None]) -> None:
        while self.steps:
            when, _, step = heapq.heappop(self.steps)
            if when > self.moment:
                if when.date() != self.moment.date():
                    report(when.date())
                self.moment = when
            step()


@dataclass
class Seasons:
    registry: Registry
    root: Signer
    chain: Federations
    vault: IdentityVault
    rng: random.Random
    quota: int
    made: dict[str, int]
    agenda: Agenda = field(default_factory=Agenda)
    sequences: dict[str, int] = field(default_factory=dict)
    certificates: list[tuple[str, Unit]] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.made[what] = self.made.get(what, 0) + 1

    def plan(self, years: tuple[int, ...]) -> None:
        self.agenda.at(
            date(2025, 6, 2), lambda: self.registry.adopt_policy(self.root, DEFAULT_POLICY)
        )
        for year in years:
            for body, tier, units in self.rounds():
                self.agenda.at(
                    date(year, 6, 10),
                    partial(self.announce, body, tier, units, year),
                )
        for province in self.chain.provinces:
            self.agenda.at(date(2026, 1, 15), partial(self.report, province, 2025))

    def rounds(self) -> list[tuple[Unit, Tier, list[Unit]]]:
        national = (self.chain.national, Tier.NATIONAL, self.chain.provinces + self.chain.unions)
        provincial = [(p, Tier.PROVINCIAL, p.children) for p in self.chain.provinces if p.children]
        municipal = [(c, Tier.MUNICIPAL, c.children) for c in self.chain.cities if c.children]
        return [national, *provincial, *municipal]

    def announce(self, body: Unit, tier: Tier, units: list[Unit], year: int) -> None:
        quota = max(1, self.quota // 2) if tier is Tier.NATIONAL else self.quota
        round_id = self.registry.announce_round(
            body.officers[Role.REVIEWER],
            body.id,
            tier,
            year,
            {u.id: quota for u in units},
            f"{year}-08-31T16:00:00.000000Z",
        )
        self.count("rounds")
        nominations: list[tuple[str, Unit]] = []
        for unit in units:
            for _ in range(quota - self.rng.randint(0, 1) if quota > 1 else 1):
                day = date(year, 7, self.rng.randint(1, 28))
                self.agenda.at(
                    day,
                    partial(self.nominate, round_id, tier, unit, body, nominations),
                )
        self.agenda.at(date(year, 9, 5), lambda: self.review_all(body, round_id, nominations, year))

    def nominate(
        self, round_id: str, tier: Tier, unit: Unit, body: Unit, into: list[tuple[str, Unit]]
    ) -> None:
        rule = DEFAULT_POLICY.tiers[tier]
        female = self.rng.random() < 0.35
        young = self.rng.random() < 0.25
        today = self.agenda.moment.date()
        born = birth_date(self.rng, today, young)
        region = unit.region or body.region or self.rng.choice(self.chain.cities).region or "110100"
        if len(region) == 6 and region.endswith("0000"):
            region = next((c.region for c in unit.children if c.region), region[:2] + "0100")
        details = {
            "candidate": {
                "name": person_name(self.rng, female),
                "gender": "female" if female else "male",
                "birth_date": born.isoformat(),
                "identity": self._sealed(region, born),
            },
            "employer": {
                "name": unit.name
                if unit.name.endswith("公司")
                else f"{unit.name.removesuffix('总工会')}重点企业",
                "category": self.rng.choice(CATEGORIES[tier]),
                "region": region,
            },
            "trade": self.rng.choice(TRADES),
            "industry_field": self.rng.choice(
                ("manufacturing", "manufacturing", "new_quality_productive_forces")
            ),
            "frontline_years": rule.min_frontline_years + self.rng.randint(0, 15),
            "on_frontline": True,
            "forces": {
                f: {
                    "rating": self.rng.randint(rule.min_force_rating, 5),
                    "evidence": [self._hash(f)],
                }
                for f in FORCES
            },
            "attestation": {
                "politically_sound": True,
                "statement": "经推荐单位党组织审核，政治素质过硬，具有工匠精神。",
            },
            "tags": self.rng.sample(TAGS, self.rng.choice((0, 0, 1, 2))),
        }
        self.count("nominations")
        into.append(
            (
                self.registry.nominate(unit.officers[Role.RECOMMENDER], round_id, unit.id, details),
                unit,
            )
        )

    def _sealed(self, region: str, born: date) -> dict[str, str]:
        sealed = self.vault.seal(identity_number(self.rng, region, born))
        return {"digest": sealed.digest, "sealed": sealed.sealed, "key": sealed.key}

    def _hash(self, label: str) -> str:
        return hashlib.sha256(f"{label}-{self.rng.getrandbits(64)}".encode()).hexdigest()

    def review_all(
        self, body: Unit, round_id: str, nominations: list[tuple[str, Unit]], year: int
    ) -> None:
        reviewer = body.officers[Role.REVIEWER]
        approved: list[str] = []
        for nomination, unit in nominations:
            roll = self.rng.random()
            if roll < 0.1:
                self.registry.review(reviewer, nomination, "rejected", "五力证明材料不足")
            elif roll < 0.2:
                self.registry.review(reviewer, nomination, "returned", "请补充近三年获奖证明")
                self.agenda.at(date(year, 9, 10), partial(self.amend, nomination, unit))
                self.agenda.at(
                    date(year, 9, 15),
                    partial(self.registry.review, reviewer, nomination, "approved"),
                )
                approved.append(nomination)
            else:
                self.registry.review(reviewer, nomination, "approved")
                approved.append(nomination)
        self.agenda.at(date(year, 9, 20), lambda: self.registry.close_round(reviewer, round_id))
        self.agenda.at(date(year, 9, 25), lambda: self.determine(body, round_id, approved, year))

    def amend(self, nomination: str, unit: Unit) -> None:
        details = dict(self.registry.current().lifecycle.nominations[nomination].candidate)
        details["forces"] = {
            f: {**v, "evidence": [*v["evidence"], self._hash(f)]}
            for f, v in details["forces"].items()
        }
        self.registry.decide(
            unit.officers[Role.RECOMMENDER],
            nomination,
            "NominationAmended",
            {"details": details, "reason": "已补充获奖证明"},
        )

    def determine(self, body: Unit, round_id: str, approved: list[str], year: int) -> None:
        self.registry.determine_list(body.officers[Role.REVIEWER], round_id, approved)
        start = date(year, 10, 1)
        months = 12 if year == 2025 else 24
        end = date(year + months // 12, 9, 30)
        for nomination in approved:
            self.agenda.at(start, partial(self.cultivate, body, nomination, start, end))

    def cultivate(self, body: Unit, nomination: str, start: date, end: date) -> None:
        officer = body.officers[Role.CULTIVATION_OFFICER]
        mentors = (person_name(self.rng, False) + "教授", person_name(self.rng, True) + "大师")
        cultivation = self.registry.start_cultivation(
            officer, nomination, start.isoformat(), end.isoformat(), mentors
        )
        self.count("cultivations")
        span = (end - start).days
        plan = [
            ("camp_test", 0.1),
            ("camp_learn", 0.3),
            ("camp_practise", 0.5),
            ("camp_evaluate", 0.7),
        ]
        plan += [
            (kind, self.rng.uniform(0.2, 0.9)) for kind in self.rng.sample(OTHER_ACTIVITIES, 2)
        ]
        for kind, share in plan:
            day = start + timedelta(days=int(span * share))
            self.agenda.at(
                day + timedelta(days=1),
                partial(self.activity, officer, cultivation, kind, day),
            )
        self.agenda.at(end + timedelta(days=8), lambda: self.assess(body, cultivation, end))

    def activity(self, officer: Signer, cultivation: str, kind: str, day: date) -> None:
        mode = (
            "online"
            if kind == "app_onboarding"
            else self.rng.choice(("offline", "offline", "online"))
        )
        self.registry.record_activity(officer, cultivation, kind, day.isoformat(), "工匠学院", mode)
        self.count("activities")

    def assess(self, body: Unit, cultivation: str, end: date) -> None:
        passed = self.rng.random() < 0.9
        scores = {
            f: self.rng.randint(80, 98) if passed else self.rng.randint(50, 75) for f in FORCES
        }
        self.registry.assess(body.officers[Role.ASSESSOR], cultivation, scores, passed)
        if passed:
            self.agenda.at(
                end + timedelta(days=20),
                lambda: self.certify(body, cultivation, end + timedelta(days=20)),
            )

    def certify(self, body: Unit, cultivation: str, day: date) -> None:
        life = self.registry.current().lifecycle
        tier = life.cultivations[cultivation].tier
        prefix = f"{number_prefix(tier, body.region)}-{day.year}"
        self.sequences[prefix] = self.sequences.get(prefix, 0) + 1
        candidate = life.nominations[life.cultivations[cultivation].nomination].candidate
        holder = (candidate["candidate"]["name"], candidate["trade"], candidate["employer"]["name"])
        number = f"{prefix}-{self.sequences[prefix]:05d}"
        certificate = self.registry.issue_certificate(
            body.officers[Role.CERTIFIER],
            cultivation,
            number,
            day.isoformat(),
            holder,
            new_verification_code(),
        )
        self.count("certificates")
        self.certificates.append((certificate, body))
        if self.rng.random() < 0.5:
            self.agenda.at(
                day + timedelta(days=10),
                lambda: self.benefit(body, certificate, day + timedelta(days=10)),
            )
        if len(self.certificates) % 40 == 3:
            self.agenda.at(date(2026, 11, 3), lambda: self.discipline(body, certificate))

    def benefit(self, body: Unit, certificate: str, day: date) -> None:
        self.registry.decide(
            body.officers[Role.CULTIVATION_OFFICER],
            certificate,
            "BenefitDelivered",
            {"benefit": "health_check", "date": day.isoformat(), "detail": "年度健康体检"},
        )

    def discipline(self, body: Unit, certificate: str) -> None:
        """Art. 20: one case per ground in turn, four eyes, then the revocation."""
        ground = GROUNDS[self.made.get("cases", 0) % 3]
        self.count("cases")
        life = self.registry.current().lifecycle
        subject = {
            "falsification": (
                "nomination",
                life.cultivations[life.certificates[certificate].cultivation or ""].nomination,
            ),
            "violation": ("certificate", certificate),
            "unsuitability": ("person", life.certificates[certificate].digest),
        }[ground]
        officer = body.officers[Role.DISCIPLINE_OFFICER]
        case = self.registry.open_case(officer, subject[0], subject[1], ground, body.id)
        self.registry.investigate(officer, case, self._hash("evidence"), "经调查核实，情况属实")
        self.registry.propose(
            officer, case, "revoke", "2026-11-20", taints=ground == "falsification"
        )
        self.agenda.at(
            date(2026, 11, 12),
            lambda: self.registry.approve(body.officers[Role.DISCIPLINE_APPROVER], case),
        )
        self.agenda.at(
            date(2026, 11, 20),
            lambda: self.registry.revoke_certificate(officer, certificate, case, "2026-11-20"),
        )

    def report(self, province: Unit, period: int) -> None:
        life = self.registry.current().lifecycle
        rounds = {
            r.id
            for r in life.rounds.values()
            if r.year == period and province.id in (r.body, *(u for u in r.quotas))
        }
        summary = {"nominations": sum(1 for n in life.nominations.values() if n.round in rounds)}
        content = hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()
        report = self.registry.submit_report(
            province.officers[Role.REPORTER], province.id, period, content, summary
        )
        self.count("reports")
        reviewer = self.chain.national.officers[Role.REVIEWER]
        self.agenda.at(
            date(2026, 1, 25),
            lambda: self.registry.decide(
                reviewer, report, "ReportAcknowledged", {"comment": "已收悉"}
            ),
        )
