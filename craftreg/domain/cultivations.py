"""Cultivation (培养, Art. 10–14) and its assessment (考核, Art. 15).

A listed nomination starts a cultivation with a plan on the five forces, generally two years
(Art. 10), and two mentors, one professional and one for skills (Art. 11). Activities are dated
and typed by the articles that name them. When the period has ended, assessors of the
cultivating body record the assessment; only a pass allows a certificate (Art. 15).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import Cultivation, CultivationStatus, NominationStatus
from craftreg.domain.nominations import FORCES
from craftreg.domain.rules import (
    event_date,
    new_stream,
    nonempty,
    own_record,
    parse_date,
    signer,
    unknown,
)
from craftreg.domain.state import Admission, Change, EventKind, RegistryState

STANDARD_MONTHS = 24  # Art. 10: the period is generally two years
LONGEST_MONTHS = 36


class ActivityKind(StrEnum):
    CAMP_TEST = "camp_test"  # 训练营 测 (Art. 11)
    CAMP_LEARN = "camp_learn"  # 学
    CAMP_PRACTISE = "camp_practise"  # 践
    CAMP_EVALUATE = "camp_evaluate"  # 评
    THEMATIC_STUDY = "thematic_study"  # 专题研修 (Art. 12)
    OVERSEAS_TRAINING = "overseas_training"  # 出国（境）培训 (Art. 12)
    INNOVATION_EXCHANGE = "innovation_exchange"  # 创新交流 (Art. 12)
    ENTERPRISE_ASSISTANCE = "enterprise_assistance"  # 劳模工匠助企行 (Art. 13)
    OUTREACH_LECTURE = "outreach_lecture"  # 进企业、进社区、进机关宣讲 (Art. 13)
    PART_TIME_MENTOR = "part_time_mentor"  # 兼职导师、辅导员 (Art. 13)
    APP_ONBOARDING = "app_onboarding"  # 职工之家 App (Art. 14)


class Mode(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class EndReason(StrEnum):
    EXIT = "exit"  # 退出
    DEATH = "death"  # 去世
    WITHDRAWAL = "withdrawal"  # 本人申请退出


class Mentor(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    organisation: str  # name of the mentor's employer or institution


class Mentors(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    professional: Mentor  # 专业导师
    skills: Mentor  # 技能导师


class CultivationStarted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    nomination: str
    plan: dict[str, str]  # goal per force
    start: str
    end: str
    mentors: Mentors
    extension_reason: str = ""  # needed when the period exceeds two years


class CultivationExtended(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    end: str
    reason: str


class MentorsChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    mentors: Mentors
    reason: str


class ActivityRecorded(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: ActivityKind
    date: str
    mode: Mode
    institution: str  # 培训机构: university, vocational college, craftsman academy, enterprise
    description: str


class CultivationEnded(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: EndReason
    detail: str


class AssessmentResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class CultivationAssessed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    scores: dict[str, int]  # per force, 0–100
    result: AssessmentResult
    assessors: list[str]
    comments: str


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _period(start_text: str, end_text: str, reason: str) -> tuple[date, date]:
    start, end = parse_date(start_text, "start"), parse_date(end_text, "end")
    months = _months(start, end)
    if end <= start or months > LONGEST_MONTHS:
        raise RuleViolation(
            "培养期须晚于开始且不超过三年。",
            "the period must end after it starts, within three years.",
            code="invalid-period",
        )
    if months > STANDARD_MONTHS and not reason.strip():
        raise RuleViolation(
            "培养期一般为两年，超过两年须说明理由（第十条）。",
            "the period is generally two years; a longer one needs a reason (Art. 10).",
            code="period-needs-reason",
        )
    return start, end


def start(state: RegistryState, a: Admission) -> Change:
    p: CultivationStarted = a.payload
    life = state.lifecycle
    nomination = life.nominations.get(p.nomination)
    if nomination is None:
        raise unknown("推荐", "nomination", p.nomination)
    body = life.rounds[nomination.round].body
    state.chain.require_at(signer(a), Role.CULTIVATION_OFFICER, body)
    new_stream(a)
    if nomination.status is not NominationStatus.LISTED:
        raise RuleViolation(
            "只有确定名单中的人选才能开始培养（第十条）。",
            "only a listed candidate is cultivated (Art. 10).",
            code="not-listed",
        )
    if nomination.tainted:
        raise RuleViolation(
            "该推荐已被认定弄虚作假，不能开始培养（第二十条）。",
            "this nomination was found falsified and cannot be cultivated (Art. 20).",
            code="tainted",
        )
    if nomination.cultivation is not None:
        raise RuleViolation(
            "此人选的培养已开始。",
            "this candidate's cultivation has already started.",
            code="already-started",
        )
    if set(p.plan) != set(FORCES) or not all(goal.strip() for goal in p.plan.values()):
        raise RuleViolation(
            "培养计划须围绕工匠五力逐项制定（第十条）。",
            "the plan sets a goal for each of the five forces (Art. 10).",
            code="incomplete-plan",
        )
    _mentors(p.mentors)
    _period(p.start, p.end, p.extension_reason)
    stream = a.envelope.stream

    def apply() -> None:
        life.cultivations[stream] = Cultivation(
            stream,
            nomination.id,
            nomination.digest,
            nomination.tier,
            body,
            p.start,
            p.end,
            {"professional": p.mentors.professional.name, "skills": p.mentors.skills.name},
        )
        nomination.cultivation = stream

    return apply


def _mentors(mentors: Mentors) -> None:
    """Art. 11: dual mentors, two different people."""
    for mentor in (mentors.professional, mentors.skills):
        nonempty(mentor.name, "mentor name")
        nonempty(mentor.organisation, "mentor organisation")
    if mentors.professional.name == mentors.skills.name:
        raise RuleViolation(
            "专业导师和技能导师须为两人（第十一条）。",
            "the professional and the skills mentor are two people (Art. 11).",
            code="dual-mentors",
        )


def _active(state: RegistryState, a: Admission, role: Role) -> Cultivation:
    found = own_record(state.lifecycle.cultivations, a, "培养记录", "cultivation")
    state.chain.require_at(signer(a), role, found.body)
    if found.status is not CultivationStatus.ACTIVE:
        raise RuleViolation(
            "此培养已结束。", "this cultivation has ended.", code="cultivation-ended"
        )
    return found


def extend(state: RegistryState, a: Admission) -> Change:
    p: CultivationExtended = a.payload
    found = _active(state, a, Role.CULTIVATION_OFFICER)
    nonempty(p.reason, "reason")
    _period(found.start, p.end, p.reason)
    if p.end <= found.end:
        raise RuleViolation(
            "延长后的结束日期须晚于原日期。",
            "an extension must move the end later.",
            code="invalid-period",
        )

    def apply() -> None:
        found.end = p.end

    return apply


def change_mentors(state: RegistryState, a: Admission) -> Change:
    p: MentorsChanged = a.payload
    found = _active(state, a, Role.CULTIVATION_OFFICER)
    nonempty(p.reason, "reason")
    _mentors(p.mentors)

    def apply() -> None:
        found.mentors = {
            "professional": p.mentors.professional.name,
            "skills": p.mentors.skills.name,
        }

    return apply


def record_activity(state: RegistryState, a: Admission) -> Change:
    p: ActivityRecorded = a.payload
    found = _active(state, a, Role.CULTIVATION_OFFICER)
    when = parse_date(p.date, "date")
    if not parse_date(found.start, "start") <= when <= parse_date(found.end, "end"):
        raise RuleViolation(
            "活动日期须在培养期内。",
            "the activity must fall within the cultivation period.",
            code="outside-period",
        )
    if when > event_date(a):
        raise RuleViolation(
            "不能记录未来的活动。",
            "an activity cannot be recorded before it happens.",
            code="future-date",
        )
    nonempty(p.institution, "institution")
    nonempty(p.description, "description")

    def apply() -> None:
        day = (p.kind.value, p.date)
        found.activity_days[day] = found.activity_days.get(day, 0) + 1

    return apply


def end_early(state: RegistryState, a: Admission) -> Change:
    p: CultivationEnded = a.payload
    found = _active(state, a, Role.CULTIVATION_OFFICER)
    nonempty(p.detail, "detail")

    def apply() -> None:
        found.status = CultivationStatus.ENDED_EARLY

    return apply


def assess(state: RegistryState, a: Admission) -> Change:
    """Art. 15: at the end of the period, a full assessment; a pass allows the certificate."""
    p: CultivationAssessed = a.payload
    found = _active(state, a, Role.ASSESSOR)
    if event_date(a) < parse_date(found.end, "end"):
        raise RuleViolation(
            "培养期结束后才能考核（第十五条）。",
            "assessment comes after the period has ended (Art. 15).",
            code="assessment-too-early",
        )
    if set(p.scores) != set(FORCES) or not all(0 <= s <= 100 for s in p.scores.values()):
        raise RuleViolation(
            "须对五力逐项评分（0 至 100 的整数）。",
            "score each of the five forces, 0 to 100.",
            code="invalid-scores",
        )
    if not p.assessors or not all(name.strip() for name in p.assessors):
        raise RuleViolation("须写明考核人员。", "name the assessors.", code="missing-assessors")

    def apply() -> None:
        found.status = (
            CultivationStatus.PASSED
            if p.result is AssessmentResult.PASS
            else CultivationStatus.FAILED
        )

    return apply


KINDS = (
    EventKind("CultivationStarted", CultivationStarted, start, "开始培养 (Art. 10–11)"),
    EventKind("CultivationExtended", CultivationExtended, extend, "延长培养期 (Art. 10)"),
    EventKind("MentorsChanged", MentorsChanged, change_mentors, "更换导师 (Art. 11)"),
    EventKind("ActivityRecorded", ActivityRecorded, record_activity, "培养活动 (Art. 11–14)"),
    EventKind("CultivationEnded", CultivationEnded, end_early, "提前终止培养"),
    EventKind("CultivationAssessed", CultivationAssessed, assess, "考核 (Art. 15)"),
)
