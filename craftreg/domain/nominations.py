"""Nominations (推荐, Art. 4–9): submit, amend, withdraw, and the review decision."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.identity import SealedIdentity
from craftreg.domain.lifecycle import LIVE_NOMINATION, Nomination, NominationStatus, Round
from craftreg.domain.rules import (
    event_date,
    new_stream,
    nonempty,
    own_record,
    parse_date,
    sha256_hex,
    signer,
    unknown,
)
from craftreg.domain.state import Admission, Change, EventKind, RegistryState

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")  # 工匠五力 (Art. 5)


class EmployerCategory(StrEnum):
    """Art. 5–7: where candidates are mainly recommended from (recorded, not restricted)."""

    CHAIN_LEADER = "chain_leader"  # 链主企业
    HEAD_ENTERPRISE = "head_enterprise"  # 头部企业
    NATIONAL_MAJOR_PROJECT = "national_major_project"  # 承担国家重大专项的企业
    LITTLE_GIANT = "little_giant"  # 专精特新“小巨人”
    PROVINCIAL_KEY_INDUSTRY = "provincial_key_industry"  # 省重点产业
    PROVINCIAL_ADVANTAGE_INDUSTRY = "provincial_advantage_industry"  # 省优势产业
    PROVINCIAL_CHARACTERISTIC_INDUSTRY = "provincial_characteristic_industry"  # 省特色产业
    CITY_LEADING = "city_leading"  # 市域龙头企业
    LOCAL_BACKBONE = "local_backbone"  # 地方骨干企业
    LOCAL_GROWTH = "local_growth"  # 地方成长型企业


class IndustryField(StrEnum):
    NEW_QUALITY_PRODUCTIVE_FORCES = "new_quality_productive_forces"  # 新质生产力
    MANUFACTURING = "manufacturing"  # 制造业
    OTHER = "other"


class Tag(StrEnum):
    """Art. 8 tags."""

    TOP_INNOVATIVE_TALENT = "top_innovative_talent"  # 顶尖创新人才
    URGENTLY_NEEDED_FIELD = "urgently_needed_field"  # 急需紧缺领域
    BIG_DATA = "big_data"  # 大数据
    ARTIFICIAL_INTELLIGENCE = "artificial_intelligence"  # 人工智能
    CLOUD_COMPUTING = "cloud_computing"  # 云计算


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Candidate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    gender: Gender
    birth_date: str
    identity: SealedIdentity


class Employer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    category: EmployerCategory
    region: str  # GB/T 2260
    organisation: str | None = None  # when the enterprise is registered


class ForceRating(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    rating: int  # 1–5
    evidence: list[str]  # SHA-256 of the evidence documents


class Attestation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Art. 4: politically sound, embodying the model-worker, labour and craftsman spirit."""

    politically_sound: bool
    statement: str


class NominationDetails(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    candidate: Candidate
    employer: Employer
    trade: str  # 工种
    industry_field: IndustryField
    frontline_years: int
    on_frontline: bool
    forces: dict[str, ForceRating]
    attestation: Attestation
    tags: list[Tag] = []


class NominationSubmitted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    round: str
    unit: str
    details: NominationDetails


class NominationAmended(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    details: NominationDetails
    reason: str


class NominationWithdrawn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: str


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # 退回修改


class NominationReviewed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: ReviewDecision
    reasons: list[str] = []


def submit(state: RegistryState, a: Admission) -> Change:
    p: NominationSubmitted = a.payload
    chain = state.chain
    found = state.lifecycle.rounds.get(p.round)
    if found is None:
        raise unknown("评选批次", "round", p.round)
    chain.require_at(signer(a), Role.RECOMMENDER, chain.organisation(p.unit).id)
    new_stream(a)
    if found.closed or a.envelope.time > found.deadline:
        raise RuleViolation(
            "推荐已截止（第九条）。",
            "nominations for this round have closed (Art. 9).",
            code="deadline-passed",
        )
    quota = found.quotas.get(p.unit)
    if quota is None:
        raise RuleViolation(
            "该单位在本批次没有推荐名额（第九条）。",
            "this unit has no quota in this round (Art. 9).",
            code="no-quota",
        )
    if len(found.live.get(p.unit, ())) >= quota:
        raise RuleViolation(
            f"该单位名额 {quota} 已用完（第九条）。",
            f"this unit's quota of {quota} is used up (Art. 9).",
            code="quota-exceeded",
        )
    _check_details(state, found, p.details, a)
    check_unique(state, found, p.details.candidate.identity.digest, None)
    stream = a.envelope.stream

    def apply() -> None:
        digest = p.details.candidate.identity.digest
        state.lifecycle.nominations[stream] = Nomination(
            stream, found.id, p.unit, digest, found.tier, msgspec.to_builtins(p.details)
        )
        found.live.setdefault(p.unit, set()).add(stream)
        found.identities[digest] = stream

    return apply


def check_unique(state: RegistryState, found: Round, digest: str, nomination: str | None) -> None:
    """One person is nominated once in a round (identity by keyed hash)."""
    holder = found.identities.get(digest)
    if (
        holder is not None
        and holder != nomination
        and state.lifecycle.nominations[holder].status in LIVE_NOMINATION
    ):
        raise RuleViolation(
            "此人已在本批次被推荐，不能重复推荐。",
            "this person is already nominated in this round.",
            code="already-nominated",
        )


def _check_details(state: RegistryState, found: Round, d: NominationDetails, a: Admission) -> None:
    """Eligibility for the round's tier under the policy in force (Art. 4–8)."""
    policy = state.lifecycle.policy
    if policy is None:
        raise RuleViolation(
            "尚未采纳遴选政策，不能推荐。",
            "no selection policy has been adopted yet.",
            code="no-policy",
        )
    rule = policy.rules.tiers[found.tier]
    d.candidate.identity.check()
    nonempty(d.candidate.name, "candidate name")
    nonempty(d.employer.name, "employer name")
    nonempty(d.trade, "trade")
    born = parse_date(d.candidate.birth_date, "birth_date")
    age = (event_date(a) - born).days // 365
    if not 16 <= age <= 80:
        raise RuleViolation(
            "候选人年龄不合理。", "the candidate's age is implausible.", code="implausible-age"
        )
    if not d.attestation.politically_sound or not d.attestation.statement.strip():
        raise RuleViolation(
            "推荐单位须出具政治素质和工匠精神的书面证明（第四条）。",
            "the recommending unit must attest political soundness and the craftsman spirit (Art. 4).",
            code="attestation-required",
        )
    if d.frontline_years < rule.min_frontline_years:
        raise RuleViolation(
            f"一线工作年限须不少于 {rule.min_frontline_years} 年（第五至七条，政策 {policy.version}）。",
            f"at least {rule.min_frontline_years} years on the production frontline are required "
            f"(Art. 5–7, policy {policy.version}).",
            code="not-eligible",
        )
    if rule.on_frontline_now and not d.on_frontline:
        raise RuleViolation(
            "候选人须仍在生产一线（第五至七条）。",
            "the candidate must still work on the frontline (Art. 5–7).",
            code="not-eligible",
        )
    if set(d.forces) != set(FORCES):
        raise RuleViolation(
            "须对工匠五力（引领力、成就力、创新力、专注力、传承力）逐项评价。",
            "all five forces must be rated: leadership, achievement, innovation, focus, inheritance.",
            code="five-forces-required",
        )
    for force, rated in d.forces.items():
        if not 1 <= rated.rating <= 5:
            raise RuleViolation(
                "五力评分为 1 至 5 的整数。",
                "force ratings are integers from 1 to 5.",
                code="invalid-rating",
            )
        if rated.rating < rule.min_force_rating:
            raise RuleViolation(
                f"“{force}”潜质未达本层级要求（{rule.min_force_rating} 分以上）。",
                f"the potential in '{force}' is below this tier's threshold of {rule.min_force_rating}.",
                code="not-eligible",
            )
        if not rated.evidence:
            raise RuleViolation(
                f"“{force}”须附证明材料。",
                f"'{force}' needs evidence documents.",
                code="evidence-required",
            )
        for digest in rated.evidence:
            sha256_hex(digest, "evidence")
    region = d.employer.region
    if found.scope_regions and not any(_within(region, scope) for scope in found.scope_regions):
        raise RuleViolation(
            "用人单位不在本批次范围内。",
            "the employer lies outside the round's scope.",
            code="outside-scope",
        )
    if found.scope_fields and d.industry_field.value not in found.scope_fields:
        raise RuleViolation(
            "所属领域不在本批次范围内。",
            "the industry field is outside the round's scope.",
            code="outside-scope",
        )
    if d.employer.organisation is not None:
        state.chain.organisation(d.employer.organisation)


def _within(region: str, scope: str) -> bool:
    """Whether a region code lies within a scope code (330100 lies within 330000)."""
    prefix = scope.rstrip("0")
    return region.startswith(scope[: len(prefix) + len(prefix) % 2])


def _nomination(state: RegistryState, a: Admission) -> Nomination:
    found = own_record(state.lifecycle.nominations, a, "推荐", "nomination")
    return found


def amend(state: RegistryState, a: Admission) -> Change:
    p: NominationAmended = a.payload
    nomination = _nomination(state, a)
    found = state.lifecycle.rounds[nomination.round]
    state.chain.require_at(signer(a), Role.RECOMMENDER, nomination.unit)
    nonempty(p.reason, "reason")
    if (
        nomination.status not in (NominationStatus.SUBMITTED, NominationStatus.RETURNED)
        or found.closed
    ):
        raise RuleViolation(
            "审核前或退回后才能修改推荐。",
            "a nomination can be amended before review or when returned.",
            code="not-amendable",
        )
    if nomination.status is NominationStatus.SUBMITTED and a.envelope.time > found.deadline:
        raise RuleViolation(
            "截止后只能修改被退回的推荐。",
            "after the deadline only a returned nomination can be amended.",
            code="deadline-passed",
        )
    if p.details.candidate.identity.digest != nomination.digest:
        raise RuleViolation(
            "修改不能更换被推荐人；如需推荐他人，请撤回后重新推荐。",
            "an amendment cannot change the person; withdraw and nominate the other person anew.",
            code="person-changed",
        )
    _check_details(state, found, p.details, a)

    def apply() -> None:
        nomination.candidate = msgspec.to_builtins(p.details)
        nomination.status = NominationStatus.SUBMITTED

    return apply


def withdraw(state: RegistryState, a: Admission) -> Change:
    p: NominationWithdrawn = a.payload
    nomination = _nomination(state, a)
    state.chain.require_at(signer(a), Role.RECOMMENDER, nomination.unit)
    nonempty(p.reason, "reason")
    if nomination.status not in (
        NominationStatus.SUBMITTED,
        NominationStatus.RETURNED,
        NominationStatus.APPROVED,
    ):
        raise RuleViolation(
            "此推荐已不能撤回。",
            "this nomination can no longer be withdrawn.",
            code="not-withdrawable",
        )

    def apply() -> None:
        nomination.status = NominationStatus.WITHDRAWN
        state.lifecycle.rounds[nomination.round].live[nomination.unit].discard(nomination.id)

    return apply


def review(state: RegistryState, a: Admission) -> Change:
    p: NominationReviewed = a.payload
    nomination = _nomination(state, a)
    found = state.lifecycle.rounds[nomination.round]
    state.chain.require_at(signer(a), Role.REVIEWER, found.body)
    if nomination.status is not NominationStatus.SUBMITTED:
        raise RuleViolation(
            "只能审核待审的推荐。",
            "only a nomination awaiting review can be reviewed.",
            code="not-reviewable",
        )
    if p.decision is not ReviewDecision.APPROVED and not any(r.strip() for r in p.reasons):
        raise RuleViolation(
            "不予通过或退回修改须说明理由。",
            "a rejection or return needs reasons.",
            code="reasons-required",
        )

    def apply() -> None:
        nomination.status = NominationStatus(p.decision.value)
        if p.decision is ReviewDecision.REJECTED:
            found.live[nomination.unit].discard(nomination.id)

    return apply


KINDS = (
    EventKind("NominationSubmitted", NominationSubmitted, submit, "推荐 (Art. 4–9)"),
    EventKind("NominationAmended", NominationAmended, amend, "修改推荐"),
    EventKind("NominationWithdrawn", NominationWithdrawn, withdraw, "撤回推荐"),
    EventKind("NominationReviewed", NominationReviewed, review, "审核决定 (Art. 9)"),
)
