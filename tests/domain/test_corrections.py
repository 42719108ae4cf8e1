"""Corrections are new events, never edits: reverse, retract, correct — each with its reason."""

from __future__ import annotations

from craftreg.domain.authority import Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import CultivationStatus, NominationStatus
from tests.domain.test_lifecycle import FORCES, Zhejiang
from tests.helpers import refused


def test_a_review_decision_is_reversed_before_the_list_only(zj: Zhejiang) -> None:
    round_id = zj.round(quota=1)
    nomination = zj.nominate(round_id, "甲")
    zj.log.review(zj.key(Role.REVIEWER), nomination, "rejected", "材料不足")
    zj.log.decide(zj.key(Role.REVIEWER), nomination, "ReviewReversed", {"reason": "复核后材料齐全"})
    assert zj.log.state.lifecycle.nominations[nomination].status is NominationStatus.SUBMITTED
    zj.log.review(zj.key(Role.REVIEWER), nomination, "approved")
    zj.calendar.go_to("2027-04-10")
    zj.log.close_round(zj.key(Role.REVIEWER), round_id)
    zj.log.determine_list(zj.key(Role.REVIEWER), round_id, [nomination])
    late = zj.log.sign_next(zj.key(Role.REVIEWER), nomination, "ReviewReversed", {"reason": "x"})
    assert refused(zj.log, RuleViolation, late).code == "not-reversible"


def test_art9_reversing_a_rejection_cannot_exceed_the_quota(zj: Zhejiang) -> None:
    round_id = zj.round(quota=1)
    rejected = zj.nominate(round_id, "甲")
    zj.log.review(zj.key(Role.REVIEWER), rejected, "rejected", "不符合条件")
    zj.nominate(round_id, "乙")
    signed = zj.log.sign_next(zj.key(Role.REVIEWER), rejected, "ReviewReversed", {"reason": "复核"})
    assert refused(zj.log, RuleViolation, signed).code == "quota-exceeded"


def test_an_activity_recorded_in_error_is_retracted_and_stays_in_history(zj: Zhejiang) -> None:
    nomination = zj.listed()
    zj.calendar.go_to("2027-06-01")
    officer = zj.key(Role.CULTIVATION_OFFICER)
    cultivation = zj.log.start_cultivation(
        officer, nomination, "2027-05-01", "2029-04-30", ("甲师", "乙师")
    )
    zj.log.record_activity(officer, cultivation, "camp_test", "2027-05-20", "浙江工匠学院")
    elsewhen = {"kind": "camp_test", "date": "2027-05-21", "reason": "录入重复"}
    phantom = zj.log.sign_next(officer, cultivation, "ActivityRetracted", elsewhen)
    assert "2027-05-21" in refused(zj.log, RuleViolation, phantom).en  # none that day
    retract = {"kind": "camp_test", "date": "2027-05-20", "reason": "录入重复"}
    zj.log.decide(officer, cultivation, "ActivityRetracted", retract)
    assert zj.log.state.lifecycle.cultivations[cultivation].activities["camp_test"] == 0
    again = zj.log.sign_next(officer, cultivation, "ActivityRetracted", retract)
    assert refused(zj.log, RuleViolation, again).code == "nothing-to-retract"
    assert [e.envelope.type for e in zj.log.events[-2:]] == [
        "ActivityRecorded",
        "ActivityRetracted",
    ]


def test_an_assessment_is_reversed_only_while_no_certificate_rests_on_it(zj: Zhejiang) -> None:
    cultivation = zj.cultivated()
    zj.log.decide(
        zj.key(Role.ASSESSOR), cultivation, "AssessmentReversed", {"reason": "评分汇总有误"}
    )
    assert zj.log.state.lifecycle.cultivations[cultivation].status is CultivationStatus.ACTIVE
    zj.log.assess(zj.key(Role.ASSESSOR), cultivation, dict.fromkeys(FORCES, 91), passed=True)
    zj.log.issue_certificate(
        zj.key(Role.CERTIFIER),
        cultivation,
        "S33-2029-00001",
        "2029-05-10",
        ("陈静", "数控车工", "杭汽"),
        "C",
    )
    signed = zj.log.sign_next(
        zj.key(Role.ASSESSOR), cultivation, "AssessmentReversed", {"reason": "x"}
    )
    assert refused(zj.log, RuleViolation, signed).code == "not-reversible"


def test_a_certificates_wording_is_corrected_by_its_certifier(zj: Zhejiang) -> None:
    certificate = zj.certified()
    fix = {"holder_name": "陈晶", "reason": "姓名录入错误"}
    zj.log.decide(zj.key(Role.CERTIFIER), certificate, "CertificateCorrected", fix)
    empty = zj.log.sign_next(
        zj.key(Role.CERTIFIER), certificate, "CertificateCorrected", {"reason": "无"}
    )
    assert refused(zj.log, RuleViolation, empty).code == "missing-field"
    replayed = new_state()
    replayed.replay(zj.log.events)
    assert replayed == zj.log.state


def test_a_benefit_delivery_recorded_in_error_is_retracted_by_its_day(zj: Zhejiang) -> None:
    """Art. 18: the day a retraction names must be a day a delivery was recorded."""
    certificate = zj.certified()
    officer = zj.key(Role.CULTIVATION_OFFICER)
    delivered = {"benefit": "health_check", "date": "2029-05-10", "detail": "年度体检"}
    zj.log.decide(officer, certificate, "BenefitDelivered", delivered)
    phantom = zj.log.sign_next(
        officer,
        certificate,
        "BenefitRetracted",
        {"benefit": "health_check", "date": "2029-05-09", "reason": "录入有误"},
    )
    refusal = refused(zj.log, RuleViolation, phantom)
    assert refusal.code == "nothing-to-retract" and "2029-05-09" in refusal.zh
    retract = {"benefit": "health_check", "date": "2029-05-10", "reason": "录入有误"}
    zj.log.decide(officer, certificate, "BenefitRetracted", retract)
    assert zj.log.state.lifecycle.certificates[certificate].benefits == {"health_check": 0}
    again = zj.log.sign_next(officer, certificate, "BenefitRetracted", retract)
    assert refused(zj.log, RuleViolation, again).code == "nothing-to-retract"
