"""The life of a provincial craftsman in Zhejiang, and every rule of the measures it meets.

Each rule's test names its article; each refusal leaves the state exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.errors import OutsideJurisdiction, RuleViolation, WrongRole
from craftreg.domain.lifecycle import (
    CaseStatus,
    CertificateStatus,
    CultivationStatus,
    NominationStatus,
)
from craftreg.domain.tiers import DEFAULT_POLICY, Tier, TierRule
from craftreg.keys import Signer
from tests.helpers import (
    Calendar,
    Cast,
    MemoryLog,
    details,
    enrol_officers,
    evidence,
    identity,
    refused,
)

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")


class Zhejiang:
    """The Zhejiang federation as a cultivating body, its officers, and Hangzhou recommending."""

    def __init__(self) -> None:
        self.calendar = Calendar("2027-01-04T09:00:00")
        self.log = MemoryLog()
        self.log.clock = self.calendar.now
        self.cast = Cast(self.log)
        log, cast = self.log, self.cast
        self.keys, _ = enrol_officers(
            log,
            (cast.zj_registrar_key, cast.hz_registrar_key),
            (cast.zhejiang, cast.hangzhou),
            cast.root,
            cast.national,
        )

    def key(self, role: Role | str) -> Signer:
        return self.keys[role]

    def round(self, quota: int = 2, **kwargs: Any) -> str:
        return self.log.announce_round(
            self.key(Role.REVIEWER),
            self.cast.zhejiang,
            Tier.PROVINCIAL,
            2027,
            {self.cast.hangzhou: quota},
            "2027-03-31T16:00:00.000000Z",
            **kwargs,
        )

    def nominate(self, round_id: str, person: str, **overrides: Any) -> str:
        return self.log.nominate(
            self.key(Role.RECOMMENDER), round_id, self.cast.hangzhou, details(person, **overrides)
        )

    def nomination_event(self, round_id: str, person: str, **overrides: Any) -> Any:
        payload = {
            "round": round_id,
            "unit": self.cast.hangzhou,
            "details": details(person, **overrides),
        }
        return self.log.sign_next(
            self.key(Role.RECOMMENDER), self.log.new_id(), "NominationSubmitted", payload
        )

    def listed(self, person: str = "陈静") -> str:
        round_id = self.round()
        nomination = self.nominate(round_id, person)
        self.calendar.go_to("2027-04-10")
        self.log.review(self.key(Role.REVIEWER), nomination, "approved")
        self.log.close_round(self.key(Role.REVIEWER), round_id)
        self.log.determine_list(self.key(Role.REVIEWER), round_id, [nomination])
        return nomination

    def cultivated(self, person: str = "陈静", passed: bool = True) -> str:
        nomination = self.listed(person)
        self.calendar.go_to("2027-05-01")
        cultivation = self.log.start_cultivation(
            self.key(Role.CULTIVATION_OFFICER),
            nomination,
            "2027-05-01",
            "2029-04-30",
            ("刘教授", "张大师"),
        )
        self.calendar.go_to("2029-05-10")
        self.log.assess(self.key(Role.ASSESSOR), cultivation, dict.fromkeys(FORCES, 88), passed)
        return cultivation

    def certified(self, person: str = "陈静") -> str:
        cultivation = self.cultivated(person)
        return self.log.issue_certificate(
            self.key(Role.CERTIFIER),
            cultivation,
            "S33-2029-00001",
            "2029-05-10",
            (person, "数控车工", "杭汽"),
            "CODE",
        )


def test_the_life_of_a_provincial_craftsman_from_nomination_to_revocation(zj: Zhejiang) -> None:
    log, state = zj.log, zj.log.state
    round_id = zj.round()
    nomination = zj.nominate(round_id, "陈静")
    assert state.lifecycle.nominations[nomination].status is NominationStatus.SUBMITTED
    zj.calendar.go_to("2027-04-10")
    log.review(zj.key(Role.REVIEWER), nomination, "approved")
    log.close_round(zj.key(Role.REVIEWER), round_id)
    log.determine_list(zj.key(Role.REVIEWER), round_id, [nomination])
    assert state.lifecycle.nominations[nomination].status is NominationStatus.LISTED

    zj.calendar.go_to("2027-05-01")
    cultivation = log.start_cultivation(
        zj.key(Role.CULTIVATION_OFFICER),
        nomination,
        "2027-05-01",
        "2029-04-30",
        ("刘教授", "张大师"),
    )
    zj.calendar.go_to("2027-09-01")
    for kind in (
        "camp_test",
        "camp_learn",
        "camp_practise",
        "camp_evaluate",
        "enterprise_assistance",
        "app_onboarding",
    ):
        log.record_activity(
            zj.key(Role.CULTIVATION_OFFICER), cultivation, kind, "2027-08-20", "浙江工匠学院"
        )
    assert state.lifecycle.cultivations[cultivation].activities["camp_learn"] == 1

    zj.calendar.go_to("2029-05-10")
    log.assess(zj.key(Role.ASSESSOR), cultivation, dict.fromkeys(FORCES, 90), passed=True)
    certificate = log.issue_certificate(
        zj.key(Role.CERTIFIER),
        cultivation,
        "S33-2029-00001",
        "2029-05-10",
        ("陈静", "数控车工", "杭汽"),
        "CODE",
    )
    log.decide(
        zj.key(Role.CULTIVATION_OFFICER),
        certificate,
        "BenefitDelivered",
        {"benefit": "health_check", "date": "2029-05-10", "detail": "年度体检"},
    )

    zj.calendar.go_to("2030-01-15")
    case = log.open_case(
        zj.key(Role.DISCIPLINE_OFFICER), "nomination", nomination, "falsification", zj.cast.zhejiang
    )
    log.investigate(
        zj.key(Role.DISCIPLINE_OFFICER), case, evidence("举报信"), "推荐材料中的获奖证书系伪造"
    )
    log.propose(zj.key(Role.DISCIPLINE_OFFICER), case, "revoke", "2030-01-15", taints=True)
    log.approve(zj.key(Role.DISCIPLINE_APPROVER), case)
    # Executing withdraws the certificate: not before the day the revocation takes effect
    ahead = log.sign_next(
        zj.key(Role.DISCIPLINE_OFFICER),
        certificate,
        "CertificateRevoked",
        {"case": case, "effective": "2030-01-16"},
    )
    assert refused(log, RuleViolation, ahead).code == "future-date"
    log.revoke_certificate(zj.key(Role.DISCIPLINE_OFFICER), certificate, case, "2030-01-15")

    life = state.lifecycle
    assert life.certificates[certificate].status is CertificateStatus.REVOKED
    assert life.certificates[certificate].revoked == {
        "effective": "2030-01-15",
        "ground": "falsification",
        "case": case,
    }
    assert life.cases[case].status is CaseStatus.EXECUTED
    assert life.nominations[nomination].tainted and life.cultivations[cultivation].tainted
    assert life.certificates[certificate].tainted
    # Art. 20: the benefits end with the certificate
    benefit = log.sign_next(
        zj.key(Role.CULTIVATION_OFFICER),
        certificate,
        "BenefitDelivered",
        {"benefit": "visit", "date": "2030-03-01", "detail": "慰问"},
    )
    refused(log, RuleViolation, benefit)
    replayed = new_state()
    replayed.replay(log.events)
    assert replayed == state


def test_art3_the_cultivating_body_must_match_the_tier(zj: Zhejiang) -> None:
    signed = zj.log.sign_next(
        zj.key(Role.REVIEWER),
        zj.log.new_id(),
        "RoundAnnounced",
        {
            "tier": "national",
            "year": 2027,
            "body": zj.cast.zhejiang,
            "scope": {},
            "requirements": "x",
            "deadline": "2027-03-31T16:00:00.000000Z",
            "quotas": [],
        },
    )
    assert "Art. 3" in refused(zj.log, RuleViolation, signed).en


def test_art9_a_unit_cannot_exceed_its_quota(zj: Zhejiang) -> None:
    round_id = zj.round(quota=1)
    zj.nominate(round_id, "甲")
    assert "quota" in refused(zj.log, RuleViolation, zj.nomination_event(round_id, "乙")).en


def test_art9_withdrawing_frees_the_quota(zj: Zhejiang) -> None:
    round_id = zj.round(quota=1)
    first = zj.nominate(round_id, "甲")
    zj.log.decide(zj.key(Role.RECOMMENDER), first, "NominationWithdrawn", {"reason": "本人申请"})
    zj.nominate(round_id, "乙")


def test_art9_no_nomination_after_the_deadline(zj: Zhejiang) -> None:
    round_id = zj.round()
    zj.calendar.go_to("2027-04-01")
    assert "closed" in refused(zj.log, RuleViolation, zj.nomination_event(round_id, "甲")).en


def test_art9_a_unit_without_quota_cannot_nominate(zj: Zhejiang) -> None:
    round_id = zj.round()
    ningbo = zj.log.register_organisation(
        zj.cast.zj_registrar_key,
        OrgKind.PREFECTURE_FEDERATION,
        "宁波市总工会",
        zj.cast.zhejiang,
        "330200",
    )
    nb = Signer.generate()
    zj.log.enrol_actor(zj.cast.zj_registrar_key, ningbo, "宁波推荐人", [Role.RECOMMENDER], nb)
    payload = {"round": round_id, "unit": ningbo, "details": details("甲")}
    signed = zj.log.sign_next(nb, zj.log.new_id(), "NominationSubmitted", payload)
    assert "no quota" in refused(zj.log, RuleViolation, signed).en


def test_art9_a_nomination_outside_the_rounds_scope_fails(zj: Zhejiang) -> None:
    round_id = zj.round(regions=["330200"])
    assert "scope" in refused(zj.log, RuleViolation, zj.nomination_event(round_id, "甲")).en


def test_art9_only_a_recommender_of_the_unit_nominates(zj: Zhejiang) -> None:
    round_id = zj.round()
    payload = {"round": round_id, "unit": zj.cast.hangzhou, "details": details("甲")}
    signed = zj.log.sign_next(
        zj.key(Role.REVIEWER), zj.log.new_id(), "NominationSubmitted", payload
    )
    refused(zj.log, WrongRole, signed)


def test_one_person_is_nominated_once_in_a_round(zj: Zhejiang) -> None:
    round_id = zj.round()
    zj.nominate(round_id, "陈静")
    twin = zj.nomination_event(round_id, "陈静", trade="钳工")
    assert "already nominated" in refused(zj.log, RuleViolation, twin).en


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"frontline_years": 4}, "at least 5 years"),
        ({"on_frontline": False}, "frontline"),
        (
            {"forces": {f: {"rating": 3, "evidence": [evidence(f)]} for f in FORCES}},
            "below this tier's threshold",
        ),
        (
            {"forces": {f: {"rating": 4, "evidence": [evidence(f)]} for f in FORCES[:4]}},
            "five forces",
        ),
        ({"forces": {f: {"rating": 4, "evidence": []} for f in FORCES}}, "evidence"),
        ({"attestation": {"politically_sound": False, "statement": "-"}}, "Art. 4"),
    ],
    ids=[
        "art5-7-years",
        "art5-7-frontline",
        "art5-7-potential",
        "art5-five-forces",
        "evidence",
        "art4-attestation",
    ],
)
def test_art4_to_7_eligibility_of_a_provincial_candidate(
    zj: Zhejiang, overrides: dict[str, Any], fragment: str
) -> None:
    round_id = zj.round()
    assert (
        fragment
        in refused(zj.log, RuleViolation, zj.nomination_event(round_id, "甲", **overrides)).en
    )


def test_the_policy_in_force_when_nominated_applies(zj: Zhejiang) -> None:
    round_id = zj.round(quota=3)
    zj.nominate(round_id, "甲", frontline_years=6)
    stricter = copy.deepcopy(DEFAULT_POLICY)
    stricter.version = "2027-02-01"
    stricter.tiers[Tier.PROVINCIAL] = TierRule(
        min_frontline_years=8, on_frontline_now=True, min_force_rating=4
    )
    zj.log.adopt_policy(zj.cast.root, stricter)
    assert (
        "policy 2027-02-01"
        in refused(zj.log, RuleViolation, zj.nomination_event(round_id, "乙", frontline_years=6)).en
    )
    replayed = new_state()
    replayed.replay(zj.log.events)
    assert replayed == zj.log.state


def test_no_nomination_before_a_policy_is_adopted() -> None:
    log = MemoryLog()
    cast = Cast(log)
    reviewer, recommender = Signer.generate(), Signer.generate()
    log.enrol_actor(cast.zj_registrar_key, cast.zhejiang, "审核", [Role.REVIEWER], reviewer)
    log.enrol_actor(cast.hz_registrar_key, cast.hangzhou, "推荐", [Role.RECOMMENDER], recommender)
    round_id = log.announce_round(
        reviewer,
        cast.zhejiang,
        Tier.PROVINCIAL,
        2030,
        {cast.hangzhou: 1},
        "2099-01-01T00:00:00.000000Z",
    )
    payload = {"round": round_id, "unit": cast.hangzhou, "details": details("甲")}
    assert (
        "policy"
        in refused(
            log,
            RuleViolation,
            log.sign_next(recommender, log.new_id(), "NominationSubmitted", payload),
        ).en
    )


def test_a_review_that_rejects_or_returns_gives_reasons(zj: Zhejiang) -> None:
    nomination = zj.nominate(zj.round(), "甲")
    signed = zj.log.sign_next(
        zj.key(Role.REVIEWER), nomination, "NominationReviewed", {"decision": "returned"}
    )
    refused(zj.log, RuleViolation, signed)
    zj.log.review(zj.key(Role.REVIEWER), nomination, "returned", "补充获奖证明")
    zj.log.decide(
        zj.key(Role.RECOMMENDER),
        nomination,
        "NominationAmended",
        {"details": details("甲"), "reason": "已补充"},
    )
    assert zj.log.state.lifecycle.nominations[nomination].status is NominationStatus.SUBMITTED


def test_an_approved_nomination_can_no_longer_be_amended(zj: Zhejiang) -> None:
    nomination = zj.nominate(zj.round(), "甲")
    zj.log.review(zj.key(Role.REVIEWER), nomination, "approved")
    signed = zj.log.sign_next(
        zj.key(Role.RECOMMENDER),
        nomination,
        "NominationAmended",
        {"details": details("甲"), "reason": "x"},
    )
    refused(zj.log, RuleViolation, signed)


def test_art9_the_list_selects_only_approved_nominations_after_closing(zj: Zhejiang) -> None:
    round_id = zj.round()
    approved, pending = zj.nominate(round_id, "甲"), zj.nominate(round_id, "乙")
    zj.log.review(zj.key(Role.REVIEWER), approved, "approved")
    early = zj.log.sign_next(
        zj.key(Role.REVIEWER), round_id, "ListDetermined", {"nominations": [approved]}
    )
    refused(zj.log, RuleViolation, early)
    zj.log.close_round(zj.key(Role.REVIEWER), round_id)
    unapproved = zj.log.sign_next(
        zj.key(Role.REVIEWER), round_id, "ListDetermined", {"nominations": [approved, pending]}
    )
    assert "Art. 9" in refused(zj.log, RuleViolation, unapproved).en


def test_a_provinces_reviewer_cannot_review_for_another_body(zj: Zhejiang) -> None:
    nomination = zj.nominate(zj.round(), "甲")
    signed = zj.log.sign_next(
        zj.key("national_reviewer"), nomination, "NominationReviewed", {"decision": "approved"}
    )
    refused(zj.log, OutsideJurisdiction, signed)


def start_payload(
    nomination: str,
    end: str,
    professional: str = "刘教授",
    skills: str = "张大师",
    reason: str = "",
) -> dict[str, Any]:
    return {
        "nomination": nomination,
        "plan": {f: "目标" for f in FORCES},
        "start": "2027-05-01",
        "end": end,
        "mentors": {
            "professional": {"name": professional, "organisation": "浙江大学"},
            "skills": {"name": skills, "organisation": "杭汽"},
        },
        "extension_reason": reason,
    }


def test_art10_a_period_beyond_two_years_needs_a_reason(zj: Zhejiang) -> None:
    nomination = zj.listed()
    long = zj.log.sign_next(
        zj.key(Role.CULTIVATION_OFFICER),
        zj.log.new_id(),
        "CultivationStarted",
        start_payload(nomination, "2029-10-31"),
    )
    assert "Art. 10" in refused(zj.log, RuleViolation, long).en
    zj.log.submit(
        zj.log.sign_next(
            zj.key(Role.CULTIVATION_OFFICER),
            zj.log.new_id(),
            "CultivationStarted",
            start_payload(nomination, "2029-10-31", reason="项目周期"),
        )
    )


def test_art11_two_different_mentors(zj: Zhejiang) -> None:
    nomination = zj.listed()
    same = zj.log.sign_next(
        zj.key(Role.CULTIVATION_OFFICER),
        zj.log.new_id(),
        "CultivationStarted",
        start_payload(nomination, "2029-04-30", skills="刘教授"),
    )
    assert "Art. 11" in refused(zj.log, RuleViolation, same).en


def test_art10_only_a_listed_candidate_is_cultivated(zj: Zhejiang) -> None:
    nomination = zj.nominate(zj.round(), "甲")
    signed = zj.log.sign_next(
        zj.key(Role.CULTIVATION_OFFICER),
        zj.log.new_id(),
        "CultivationStarted",
        start_payload(nomination, "2029-04-30"),
    )
    refused(zj.log, RuleViolation, signed)


def test_art15_assessment_comes_after_the_period(zj: Zhejiang) -> None:
    nomination = zj.listed()
    zj.calendar.go_to("2027-05-01")
    cultivation = zj.log.start_cultivation(
        zj.key(Role.CULTIVATION_OFFICER), nomination, "2027-05-01", "2029-04-30", ("甲师", "乙师")
    )
    early = zj.log.sign_next(
        zj.key(Role.ASSESSOR),
        cultivation,
        "CultivationAssessed",
        {
            "scores": dict.fromkeys(FORCES, 90),
            "result": "pass",
            "assessors": ["组"],
            "comments": "-",
        },
    )
    assert "Art. 15" in refused(zj.log, RuleViolation, early).en


def test_art15_only_a_pass_leads_to_a_certificate(zj: Zhejiang) -> None:
    cultivation = zj.cultivated(passed=False)
    assert zj.log.state.lifecycle.cultivations[cultivation].status is CultivationStatus.FAILED
    signed = issue_event(zj, cultivation, "S33-2029-00001")
    assert "Art. 15" in refused(zj.log, RuleViolation, signed).en


def issue_event(zj: Zhejiang, cultivation: str, number: str) -> Any:
    return zj.log.sign_next(
        zj.key(Role.CERTIFIER),
        zj.log.new_id(),
        "CertificateIssued",
        {
            "cultivation": cultivation,
            "number": number,
            "holder_name": "陈静",
            "trade": "数控车工",
            "employer": "杭汽",
            "issue_date": "2029-05-10",
            "code_digest": evidence("code"),
            "benefits": ["visit"],
        },
    )


@pytest.mark.parametrize(
    "number", ["DG-2029-00001", "S32-2029-00001", "S33-2028-00001", "S33-2029-1"]
)
def test_the_certificate_number_names_tier_province_and_year(zj: Zhejiang, number: str) -> None:
    cultivation = zj.cultivated()
    refused(zj.log, RuleViolation, issue_event(zj, cultivation, number))


def test_a_certificate_number_is_used_once(zj: Zhejiang) -> None:
    zj.certified("陈静")
    zj.calendar.go_to("2029-06-01")
    other = zj.log.sign_next(
        zj.key(Role.CERTIFIER),
        zj.log.new_id(),
        "PilotCertificateImported",
        pilot_payload(zj, "S33-2029-00001"),
    )
    assert "taken" in refused(zj.log, RuleViolation, other).en


def pilot_payload(zj: Zhejiang, number: str, person: str = "试点甲") -> dict[str, Any]:
    return {
        "body": zj.cast.zhejiang,
        "tier": "provincial",
        "number": number,
        "holder_name": person,
        "identity": identity(person),
        "trade": "焊工",
        "employer": "宁波钢铁",
        "issue_date": "2024-09-01",
        "code_digest": evidence("pilot-code"),
        "benefits": ["visit"],
        "source_document": evidence("pilot-file"),
        "scheme": "总工发〔2024〕1号",
    }


def test_art24_pilot_certificates_are_imported_and_marked(zj: Zhejiang) -> None:
    stream = zj.log.new_id()
    zj.log.decide(
        zj.key(Role.CERTIFIER),
        stream,
        "PilotCertificateImported",
        pilot_payload(zj, "浙工匠〔2024〕001"),
    )
    certificate = zj.log.state.lifecycle.certificates[stream]
    assert certificate.cultivation is None and certificate.status is CertificateStatus.VALID
    twice = zj.log.sign_next(
        zj.key(Role.CERTIFIER),
        zj.log.new_id(),
        "PilotCertificateImported",
        pilot_payload(zj, "浙工匠〔2024〕002"),
    )
    assert "already holds" in refused(zj.log, RuleViolation, twice).en


def revoking_case(zj: Zhejiang, certificate: str) -> str:
    case = zj.log.open_case(
        zj.key(Role.DISCIPLINE_OFFICER), "certificate", certificate, "violation", zj.cast.zhejiang
    )
    zj.log.investigate(
        zj.key(Role.DISCIPLINE_OFFICER), case, evidence("判决书"), "因违法被判处刑罚"
    )
    zj.log.propose(zj.key(Role.DISCIPLINE_OFFICER), case, "revoke", "2030-01-01")
    return case


def test_art20_the_proposer_cannot_approve_their_own_proposal(zj: Zhejiang) -> None:
    certificate = zj.certified()
    case = revoking_case(zj, certificate)
    both = Signer.generate()
    zj.log.enrol_actor(
        zj.cast.zj_registrar_key,
        zj.cast.zhejiang,
        "兼任",
        [Role.DISCIPLINE_OFFICER, Role.DISCIPLINE_APPROVER],
        both,
    )
    other_case = zj.log.open_case(
        both, "certificate", certificate, "unsuitability", zj.cast.zhejiang
    )
    zj.log.investigate(both, other_case, evidence("x"), "核实")
    zj.log.propose(both, other_case, "no_action", "2030-01-01")
    signed = zj.log.sign_next(both, other_case, "DecisionApproved", {"comment": "同意"})
    assert "four eyes" in refused(zj.log, RuleViolation, signed).en
    zj.log.approve(zj.key(Role.DISCIPLINE_APPROVER), case)


def test_art20_a_revocation_needs_an_approved_revoking_decision(zj: Zhejiang) -> None:
    certificate = zj.certified()
    case = revoking_case(zj, certificate)
    early = zj.log.sign_next(
        zj.key(Role.DISCIPLINE_OFFICER),
        certificate,
        "CertificateRevoked",
        {"case": case, "effective": "2030-01-01"},
    )
    assert "Art. 20" in refused(zj.log, RuleViolation, early).en
    zj.log.decide(
        zj.key(Role.DISCIPLINE_APPROVER), case, "DecisionRejected", {"reasons": "证据不足"}
    )
    assert zj.log.state.lifecycle.cases[case].status is CaseStatus.OPEN


def test_two_live_certificates_of_one_tier_are_refused(zj: Zhejiang) -> None:
    zj.certified("陈静")
    stream = zj.log.new_id()
    twice = zj.log.sign_next(
        zj.key(Role.CERTIFIER),
        stream,
        "PilotCertificateImported",
        pilot_payload(zj, "P-1", person="陈静"),
    )
    assert "already holds" in refused(zj.log, RuleViolation, twice).en


def test_art22_a_province_reports_once_per_period_and_the_nation_acknowledges(zj: Zhejiang) -> None:
    zj.calendar.go_to("2028-01-20")
    report = zj.log.submit_report(
        zj.key(Role.REPORTER), zj.cast.zhejiang, 2027, evidence("report"), {"certified": 0}
    )
    again = zj.log.sign_next(
        zj.key(Role.REPORTER),
        zj.log.new_id(),
        "ReportSubmitted",
        {
            "province": zj.cast.zhejiang,
            "period": 2027,
            "content_hash": evidence("r2"),
            "summary": {},
        },
    )
    refused(zj.log, RuleViolation, again)
    by_province = zj.log.sign_next(
        zj.key(Role.REVIEWER), report, "ReportAcknowledged", {"comment": "收悉"}
    )
    refused(zj.log, OutsideJurisdiction, by_province)
    zj.log.decide(zj.key("national_reviewer"), report, "ReportAcknowledged", {"comment": "收悉"})
    assert zj.log.state.lifecycle.reports[report].acknowledged


def test_the_identity_number_never_appears_in_clear(zj: Zhejiang) -> None:
    round_id = zj.round()
    leaky = details("甲")
    leaky["candidate"]["identity"] = {"digest": "330106198804120021", "sealed": "x", "key": "y"}
    signed = zj.log.sign_next(
        zj.key(Role.RECOMMENDER),
        zj.log.new_id(),
        "NominationSubmitted",
        {"round": round_id, "unit": zj.cast.hangzhou, "details": leaky},
    )
    assert "never the number in clear" in refused(zj.log, RuleViolation, signed).en
    assert msgspec.json.encode(zj.log.events).find(b"330106198804120021") == -1
