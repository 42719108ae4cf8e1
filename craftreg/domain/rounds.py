"""Selection rounds (评选批次, Art. 9): announce with quotas, adjust, close, determine the list."""

from __future__ import annotations

import msgspec

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import NominationStatus, Round
from craftreg.domain.rules import new_stream, nonempty, own_record, signer, timestamp, unknown
from craftreg.domain.state import Admission, Change, EventKind, RegistryState
from craftreg.domain.tiers import CULTIVATING_KIND, Tier

# Art. 9: national candidates are recommended by provincial federations, national industrial
# unions and approved central and state organ departments, by territory and by sector.
NATIONAL_RECOMMENDERS = frozenset(
    {OrgKind.PROVINCIAL_FEDERATION, OrgKind.INDUSTRIAL_UNION, OrgKind.ORGAN_DEPARTMENT}
)


class AllocationFactors(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Art. 9: quotas weigh regional development, manufacturing level and industrial workforce."""

    regional_development: int  # index, 0–100
    manufacturing_level: int  # index, 0–100
    industrial_workforce: int  # thousands of industrial workers


class Quota(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    unit: str
    quota: int
    factors: AllocationFactors


class Scope(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    regions: list[str] = []  # GB/T 2260 codes; empty: the whole jurisdiction
    fields: list[str] = []  # industry fields; empty: any


class RoundAnnounced(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """发布评选通知: tier, year, scope, requirements, deadline and quotas (Art. 9)."""

    tier: Tier
    year: int
    body: str
    scope: Scope
    requirements: str
    deadline: str
    quotas: list[Quota]


class QuotasAdjusted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """调整名额: before the deadline only."""

    quotas: list[Quota]
    reason: str


class RoundClosed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """截止推荐: no nomination enters after this."""


class ListDetermined(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """名单确定 (Art. 9): the approved nominations selected, within each unit's quota."""

    nominations: list[str]


def announce(state: RegistryState, a: Admission) -> Change:
    p: RoundAnnounced = a.payload
    chain = state.chain
    body = chain.organisation(p.body)
    chain.require_at(signer(a), Role.REVIEWER, body.id)
    new_stream(a)
    if body.kind is not CULTIVATING_KIND[p.tier]:
        raise RuleViolation(
            "培养主体与层级不符：大国工匠由全国总工会、省级工匠由省级总工会、市级工匠由地市级总工会培养（第三条）。",
            "the cultivating body does not match the tier: national by the national federation, "
            "provincial by a provincial federation, municipal by a prefecture federation (Art. 3).",
            code="wrong-cultivating-body",
        )
    nonempty(p.requirements, "requirements")
    if not 2024 <= p.year <= 2100:
        raise RuleViolation(
            "评选年度不合理。", "the round's year is out of range.", code="invalid-year"
        )
    if timestamp(p.deadline, "deadline") <= a.envelope.time:
        raise RuleViolation(
            "截止时间必须晚于发布时间。",
            "the deadline must be after the announcement.",
            code="invalid-deadline",
        )
    quotas = _quotas(state, p.tier, body.id, p.quotas)
    for region in p.scope.regions:
        if not (len(region) == 6 and region.isdigit()):
            raise RuleViolation(
                "范围中的行政区划代码为 6 位数字。",
                "scope regions are six-digit codes.",
                code="invalid-region",
            )
    stream = a.envelope.stream

    def apply() -> None:
        state.lifecycle.rounds[stream] = Round(
            stream,
            p.tier,
            p.year,
            body.id,
            p.deadline,
            quotas,
            frozenset(p.scope.regions),
            frozenset(p.scope.fields),
        )

    return apply


def _quotas(state: RegistryState, tier: Tier, body: str, quotas: list[Quota]) -> dict[str, int]:
    chain = state.chain
    result: dict[str, int] = {}
    for q in quotas:
        unit = chain.organisation(q.unit)
        if q.unit in result:
            raise RuleViolation(
                f"推荐单位 {unit.name} 重复分配名额。",
                f"unit {unit.name} appears twice.",
                code="duplicate-unit",
            )
        if q.quota < 1 or q.quota > 10000:
            raise RuleViolation(
                "名额须为 1 至 10000 的整数。",
                "a quota is an integer from 1 to 10000.",
                code="invalid-quota",
            )
        allowed = (
            unit.kind in NATIONAL_RECOMMENDERS
            if tier is Tier.NATIONAL
            else unit.id != body and body in chain.lineage(unit.id)
        )
        if not allowed:
            raise RuleViolation(
                f"{unit.name} 不能作为此批次的推荐单位（第九条）。",
                f"{unit.name} cannot be a recommending unit of this round (Art. 9).",
                code="not-a-recommending-unit",
            )
        result[q.unit] = q.quota
    if not result:
        raise RuleViolation(
            "评选通知须分配名额。", "a round needs at least one quota.", code="no-quotas"
        )
    return result


def _round(state: RegistryState, a: Admission) -> Round:
    found = own_record(state.lifecycle.rounds, a, "评选批次", "round")
    state.chain.require_at(signer(a), Role.REVIEWER, found.body)
    return found


def adjust(state: RegistryState, a: Admission) -> Change:
    p: QuotasAdjusted = a.payload
    found = _round(state, a)
    nonempty(p.reason, "reason")
    if found.closed or a.envelope.time > found.deadline:
        raise RuleViolation(
            "截止后不能调整名额。",
            "quotas cannot change after the deadline.",
            code="deadline-passed",
        )
    quotas = _quotas(state, found.tier, found.body, p.quotas)
    for unit, live in found.live.items():
        if len(live) > quotas.get(unit, 0):
            name = state.chain.organisations[unit].name
            raise RuleViolation(
                f"{name} 已推荐 {len(live)} 人，名额不能低于此数。",
                f"{name} has already nominated {len(live)}; its quota cannot go below that.",
                code="quota-below-use",
            )

    def apply() -> None:
        found.quotas = quotas

    return apply


def close(state: RegistryState, a: Admission) -> Change:
    found = _round(state, a)
    if found.closed:
        raise RuleViolation("该批次已截止。", "the round is already closed.", code="round-closed")

    def apply() -> None:
        found.closed = True

    return apply


def determine(state: RegistryState, a: Admission) -> Change:
    p: ListDetermined = a.payload
    found = _round(state, a)
    if not found.closed or found.determined:
        raise RuleViolation(
            "须在截止后、且仅能确定一次名单。",
            "the list is determined once, after the round closes.",
            code="list-not-allowed",
        )
    if len(set(p.nominations)) != len(p.nominations):
        raise RuleViolation(
            "名单中有重复。", "the list names a nomination twice.", code="duplicate-in-list"
        )
    per_unit: dict[str, int] = {}
    for nomination_id in p.nominations:
        nomination = state.lifecycle.nominations.get(nomination_id)
        if nomination is None or nomination.round != found.id:
            raise unknown("本批次的推荐", "nomination of this round", nomination_id)
        if nomination.status is not NominationStatus.APPROVED or nomination.tainted:
            raise RuleViolation(
                "名单只能包含审核通过的推荐（第九条）。",
                "the list may only select approved nominations (Art. 9).",
                code="not-approved",
            )
        per_unit[nomination.unit] = per_unit.get(nomination.unit, 0) + 1
    for unit, count in per_unit.items():
        if count > found.quotas.get(unit, 0):
            raise RuleViolation(
                f"{state.chain.organisations[unit].name} 入选人数超出名额。",
                f"{state.chain.organisations[unit].name} has more selected than its quota.",
                code="quota-exceeded",
            )

    def apply() -> None:
        found.determined = True
        for nomination_id in p.nominations:
            state.lifecycle.nominations[nomination_id].status = NominationStatus.LISTED

    return apply


KINDS = (
    EventKind("RoundAnnounced", RoundAnnounced, announce, "发布评选通知 (Art. 9)"),
    EventKind("QuotasAdjusted", QuotasAdjusted, adjust, "调整名额 (Art. 9)"),
    EventKind("RoundClosed", RoundClosed, close, "推荐截止 (Art. 9)"),
    EventKind("ListDetermined", ListDetermined, determine, "名单确定 (Art. 9)"),
)
