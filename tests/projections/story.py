"""A Zhejiang story that signs every kind of event the views know, on any log or store.

Seven candidates go through one provincial round of 2027, each to a different end; a 2024
pilot certificate is imported; a falsification case revokes one certificate and taints its
nomination; another case is proposed and rejected; Zhejiang reports on 2029.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from craftreg.casework import Casework
from craftreg.domain.authority import Role
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from tests.helpers import Calendar, Cast, details, enrol_officers, evidence, identity

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")


@dataclass
class Story:
    log: Casework
    calendar: Calendar = field(default_factory=lambda: Calendar("2027-01-04T09:00:00"))
    keys: dict[str, Signer] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.log.clock = self.calendar.now
        self.cast = Cast(self.log)

    def key(self, role: Role | str) -> Signer:
        return self.keys[str(role)]

    def enrol(self) -> None:
        cast = self.cast
        keys, ids = enrol_officers(
            self.log,
            (cast.zj_registrar_key, cast.hz_registrar_key),
            (cast.zhejiang, cast.hangzhou),
            cast.root,
            cast.national,
        )
        self.keys.update({str(role): key for role, key in keys.items()})
        self.ids.update({str(role): actor for role, actor in ids.items()})

    def select(self) -> None:
        log, reviewer = self.log, self.key(Role.REVIEWER)
        self.ids["round"] = round_id = log.announce_round(
            reviewer,
            self.cast.zhejiang,
            Tier.PROVINCIAL,
            2027,
            {self.cast.hangzhou: 4},
            "2027-03-31T16:00:00.000000Z",
        )
        log.decide(
            reviewer,
            round_id,
            "QuotasAdjusted",
            {
                "quotas": [
                    {
                        "unit": self.cast.hangzhou,
                        "quota": 7,
                        "factors": {
                            "regional_development": 60,
                            "manufacturing_level": 70,
                            "industrial_workforce": 2000,
                        },
                    }
                ],
                "reason": "增加名额",
            },
        )
        people = {
            "陈静": {},
            "王伟": {"candidate": {**details("王伟")["candidate"], "gender": "male"}},
            "李娜": {"tags": ["big_data"]},
            "赵敏": {},
            "孙丽": {"employer": {**details("孙丽")["employer"], "region": "330200"}},
            "周杰": {
                "candidate": {**details("周杰")["candidate"], "birth_date": "1996-02-01"},
                "industry_field": "new_quality_productive_forces",
                "tags": ["urgently_needed_field", "artificial_intelligence"],
            },
            "吴芳": {},
        }
        recommender = self.key(Role.RECOMMENDER)
        for person, overrides in people.items():
            self.ids[person] = log.nominate(
                recommender, round_id, self.cast.hangzhou, details(person, **overrides)
            )
        log.review(reviewer, self.ids["王伟"], "rejected", "五力证明材料不足")
        log.review(reviewer, self.ids["李娜"], "returned", "请补充获奖证明")
        amended = details("李娜", tags=["big_data", "cloud_computing"])
        amended["forces"]["focus"]["evidence"].append(evidence("李娜-补充"))
        log.decide(
            recommender,
            self.ids["李娜"],
            "NominationAmended",
            {"details": amended, "reason": "已补充"},
        )
        log.decide(recommender, self.ids["赵敏"], "NominationWithdrawn", {"reason": "本人申请"})
        for person in ("陈静", "李娜", "孙丽", "周杰", "吴芳"):
            log.review(reviewer, self.ids[person], "approved")
        self.calendar.go_to("2027-04-10")
        log.close_round(reviewer, round_id)
        listed = [self.ids[p] for p in ("陈静", "孙丽", "周杰", "吴芳")]
        log.determine_list(reviewer, round_id, listed)

    def cultivate(self) -> None:
        log, officer = self.log, self.key(Role.CULTIVATION_OFFICER)
        self.calendar.go_to("2027-05-01")
        for person in ("陈静", "孙丽", "周杰", "吴芳"):
            self.ids[f"{person}/cultivation"] = log.start_cultivation(
                officer, self.ids[person], "2027-05-01", "2029-04-30", ("刘教授", "张大师")
            )
        self.calendar.go_to("2027-09-01")
        for kind in ("camp_test", "camp_learn", "camp_learn", "app_onboarding"):
            mode = "online" if kind == "app_onboarding" else "offline"
            log.record_activity(
                officer, self.ids["陈静/cultivation"], kind, "2027-08-20", "浙江工匠学院", mode
            )
        log.record_activity(
            officer, self.ids["周杰/cultivation"], "camp_test", "2027-08-21", "浙江工匠学院"
        )
        log.decide(
            officer,
            self.ids["周杰/cultivation"],
            "MentorsChanged",
            {
                "mentors": {
                    "professional": {"name": "钱教授", "organisation": "浙江大学"},
                    "skills": {"name": "张大师", "organisation": "杭汽技能大师工作室"},
                },
                "reason": "导师退休",
            },
        )
        log.decide(
            officer,
            self.ids["孙丽/cultivation"],
            "CultivationExtended",
            {"end": "2029-06-30", "reason": "产假顺延"},
        )
        log.decide(
            officer,
            self.ids["吴芳/cultivation"],
            "CultivationEnded",
            {"reason": "withdrawal", "detail": "本人申请退出"},
        )

    def certify(self) -> None:
        log, assessor, certifier = self.log, self.key(Role.ASSESSOR), self.key(Role.CERTIFIER)
        self.calendar.go_to("2029-05-10")
        for person, number in (("陈静", "S33-2029-00001"), ("周杰", "S33-2029-00002")):
            log.assess(assessor, self.ids[f"{person}/cultivation"], dict.fromkeys(FORCES, 90), True)
            self.ids[f"{person}/certificate"] = log.issue_certificate(
                certifier,
                self.ids[f"{person}/cultivation"],
                number,
                "2029-05-10",
                (person, "数控车工", "杭汽"),
                f"CODE-{person}",
            )
        log.decide(
            self.key(Role.CULTIVATION_OFFICER),
            self.ids["周杰/certificate"],
            "BenefitDelivered",
            {"benefit": "health_check", "date": "2029-05-10", "detail": "年度体检"},
        )
        self.ids["试点甲/certificate"] = pilot = log.new_id()
        log.decide(
            certifier,
            pilot,
            "PilotCertificateImported",
            {
                "body": self.cast.zhejiang,
                "tier": "provincial",
                "number": "浙工匠〔2024〕001",
                "holder_name": "试点甲",
                "identity": identity("试点甲"),
                "trade": "焊工",
                "employer": "宁波钢铁",
                "issue_date": "2024-09-01",
                "code_digest": evidence("pilot-code"),
                "benefits": ["visit"],
                "source_document": evidence("pilot-file"),
                "scheme": "总工发〔2024〕1号",
            },
        )
        self.calendar.go_to("2029-07-05")
        log.assess(assessor, self.ids["孙丽/cultivation"], dict.fromkeys(FORCES, 60), False)

    def discipline(self) -> None:
        log, officer = self.log, self.key(Role.DISCIPLINE_OFFICER)
        self.calendar.go_to("2030-01-15")
        self.ids["case"] = case = log.open_case(
            officer, "nomination", self.ids["陈静"], "falsification", self.cast.zhejiang
        )
        log.investigate(officer, case, evidence("举报信"), "推荐材料中的获奖证书系伪造")
        log.propose(officer, case, "revoke", "2030-01-15", taints=True)
        log.approve(self.key("approver2"), case)
        log.revoke_certificate(officer, self.ids["陈静/certificate"], case, "2030-01-15")
        self.ids["case2"] = other = log.open_case(
            officer, "certificate", self.ids["周杰/certificate"], "violation", self.cast.zhejiang
        )
        log.investigate(officer, other, evidence("传闻"), "查无实据")
        log.propose(officer, other, "revoke", "2030-03-01")
        log.decide(self.key("approver2"), other, "DecisionRejected", {"reasons": "证据不足"})

    def report(self) -> None:
        self.calendar.go_to("2030-01-20")
        self.ids["report"] = report = self.log.submit_report(
            self.key(Role.REPORTER), self.cast.zhejiang, 2029, evidence("report-2029"), {"x": 1}
        )
        self.log.decide(
            self.keys["national_reviewer"], report, "ReportAcknowledged", {"comment": "已收悉"}
        )

    def rekey(self) -> None:
        """The recommender replaces their key; an officer's roles change; a key is revoked."""
        new = Signer.generate()
        self.log.decide(
            self.key(Role.RECOMMENDER),
            self.ids[Role.RECOMMENDER],
            "ActorKeyRotated",
            {"public_key": new.public_key_b64},
        )
        self.keys["old_recommender"], self.keys[Role.RECOMMENDER] = self.key(Role.RECOMMENDER), new
        self.log.decide(
            self.cast.zj_registrar_key,
            self.ids[Role.REPORTER],
            "ActorRolesChanged",
            {"roles": ["reporter", "auditor"]},
        )
        self.log.decide(
            self.key(Role.ASSESSOR),
            self.ids[Role.ASSESSOR],
            "ActorKeyRevoked",
            {"key": self.key(Role.ASSESSOR).key_id, "reason": "离职"},
        )

    def tell(self) -> Story:
        self.enrol()
        self.select()
        self.cultivate()
        self.certify()
        self.discipline()
        self.report()
        self.rekey()
        return self
