"""Corrections (更正): a mistake is put right by a new event, never by editing an old one.

Nominations are amended (nominations.NominationAmended); the events here reverse a review
decision before the list is determined, retract an activity or a benefit recorded in error,
reverse an assessment before a certificate rests on it, and correct a certificate's wording.
Each names its reason, and the event it corrects stays in the log.
"""

from __future__ import annotations

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.certificates import Benefit
from craftreg.domain.cultivations import ActivityKind
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import CertificateStatus, CultivationStatus, NominationStatus
from craftreg.domain.nominations import check_unique
from craftreg.domain.rules import nonempty, own_record, signer
from craftreg.domain.state import Admission, Change, EventKind, RegistryState


class ReviewReversed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: str


class ActivityRetracted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: ActivityKind
    date: str
    reason: str


class BenefitRetracted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    benefit: Benefit
    date: str
    reason: str


class AssessmentReversed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: str


class CertificateCorrected(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Wording only: the holder's name, trade or employer as printed; never number or tier."""

    holder_name: str | None = None
    trade: str | None = None
    employer: str | None = None
    reason: str


def reverse_review(state: RegistryState, a: Admission) -> Change:
    p: ReviewReversed = a.payload
    life = state.lifecycle
    nomination = own_record(life.nominations, a, "推荐", "nomination")
    found = life.rounds[nomination.round]
    state.chain.require_at(signer(a), Role.REVIEWER, found.body)
    nonempty(p.reason, "reason")
    reversible = (NominationStatus.APPROVED, NominationStatus.REJECTED, NominationStatus.RETURNED)
    if nomination.status not in reversible or found.determined:
        raise RuleViolation(
            "只有名单确定前的审核决定可以撤回。",
            "only a review decision taken before the list is determined can be reversed.",
            code="not-reversible",
        )
    live = found.live.setdefault(nomination.unit, set())
    if nomination.status is NominationStatus.REJECTED:
        if len(live) >= found.quotas.get(nomination.unit, 0):
            raise RuleViolation(
                "撤回不予通过的决定会超出该单位名额（第九条）。",
                "reversing the rejection would exceed the unit's quota (Art. 9).",
                code="quota-exceeded",
            )
        check_unique(state, found, nomination.digest, nomination.id)

    def apply() -> None:
        nomination.status = NominationStatus.SUBMITTED
        live.add(nomination.id)
        found.identities[nomination.digest] = nomination.id

    return apply


def retract_activity(state: RegistryState, a: Admission) -> Change:
    p: ActivityRetracted = a.payload
    cultivation = own_record(state.lifecycle.cultivations, a, "培养记录", "cultivation")
    state.chain.require_at(signer(a), Role.CULTIVATION_OFFICER, cultivation.body)
    nonempty(p.reason, "reason")
    day = (p.kind.value, p.date)
    if cultivation.activity_days.get(day, 0) < 1:
        raise RuleViolation(
            f"{p.date} 没有可撤回的此类活动记录。",
            f"no {p.kind.value} activity is recorded on {p.date} to retract.",
            code="nothing-to-retract",
        )

    def apply() -> None:
        cultivation.activity_days[day] -= 1

    return apply


def retract_benefit(state: RegistryState, a: Admission) -> Change:
    p: BenefitRetracted = a.payload
    certificate = own_record(state.lifecycle.certificates, a, "证书", "certificate")
    state.chain.require_at(signer(a), Role.CULTIVATION_OFFICER, certificate.body)
    nonempty(p.reason, "reason")
    day = (p.benefit.value, p.date)
    if certificate.benefit_days.get(day, 0) < 1:
        raise RuleViolation(
            f"{p.date} 没有可撤回的此项待遇记录。",
            f"no {p.benefit.value} delivery is recorded on {p.date} to retract.",
            code="nothing-to-retract",
        )

    def apply() -> None:
        certificate.benefit_days[day] -= 1

    return apply


def reverse_assessment(state: RegistryState, a: Admission) -> Change:
    p: AssessmentReversed = a.payload
    cultivation = own_record(state.lifecycle.cultivations, a, "培养记录", "cultivation")
    state.chain.require_at(signer(a), Role.ASSESSOR, cultivation.body)
    nonempty(p.reason, "reason")
    assessed = (CultivationStatus.PASSED, CultivationStatus.FAILED)
    if cultivation.status not in assessed or cultivation.certificate is not None:
        raise RuleViolation(
            "只有尚未据以发证的考核结果可以撤回。",
            "only an assessment no certificate rests on can be reversed.",
            code="not-reversible",
        )

    def apply() -> None:
        cultivation.status = CultivationStatus.ACTIVE

    return apply


def correct_certificate(state: RegistryState, a: Admission) -> Change:
    p: CertificateCorrected = a.payload
    certificate = own_record(state.lifecycle.certificates, a, "证书", "certificate")
    state.chain.require_at(signer(a), Role.CERTIFIER, certificate.body)
    nonempty(p.reason, "reason")
    changes = [value for value in (p.holder_name, p.trade, p.employer) if value is not None]
    if not changes or not all(value.strip() for value in changes):
        raise RuleViolation(
            "更正须写明新的姓名、工种或单位。",
            "a correction gives a new name, trade or employer.",
            code="missing-field",
        )
    if certificate.status is not CertificateStatus.VALID:
        raise RuleViolation(
            "已撤销的证书不再更正。",
            "a revoked certificate is not corrected.",
            code="certificate-revoked",
        )
    return lambda: None


KINDS = (
    EventKind("ReviewReversed", ReviewReversed, reverse_review, "撤回审核决定"),
    EventKind("ActivityRetracted", ActivityRetracted, retract_activity, "撤回活动记录"),
    EventKind("BenefitRetracted", BenefitRetracted, retract_benefit, "撤回待遇记录"),
    EventKind("AssessmentReversed", AssessmentReversed, reverse_assessment, "撤回考核结果"),
    EventKind("CertificateCorrected", CertificateCorrected, correct_certificate, "更正证书文字"),
)
