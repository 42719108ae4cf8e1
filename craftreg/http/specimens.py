"""Specimen signed events (样例事件): one of every type, signed but never submitted.

A small deterministic story — Zhejiang's federation cultivates a provincial craftsman from
round to revoked certificate — is played on an in-memory log with fixed keys and ids. The
first event of each type becomes the OpenAPI example of its route, so every example is a real
signed event with a real payload; tools can use :class:`MemoryDecisions` to make signed events
without submitting them. An event that the story's state refuses is still kept as a specimen:
it shows the shape, which is all an example needs.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.casework import Casework
from craftreg.domain.authority import CULTIVATING_ROLES, OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.certificates import PILOT_SCHEME
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.errors import RegistryError
from craftreg.domain.state import RegistryState
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from craftreg.ledger.events import publish_log_key

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")


def fixed_key(label: str) -> Signer:
    """A key derived from a label: for examples only, never for a real registry."""
    return Signer(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest()))


def sha256_of(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def sealed_identity(person: str) -> dict[str, str]:
    return {
        "digest": sha256_of(f"identity:{person}"),
        "sealed": base64.b64encode(hashlib.sha256(f"sealed:{person}".encode()).digest()).decode(),
        "key": str(uuid.uuid5(uuid.NAMESPACE_OID, person)),
    }


def nomination_details(person: str, region: str = "330100") -> dict[str, Any]:
    """A provincial nomination that meets the default policy (Art. 4–8)."""
    return {
        "candidate": {
            "name": person,
            "gender": "female",
            "birth_date": "1988-04-12",
            "identity": sealed_identity(person),
        },
        "employer": {
            "name": "杭州汽轮动力集团",
            "category": "provincial_key_industry",
            "region": region,
        },
        "trade": "数控车工",
        "industry_field": "manufacturing",
        "frontline_years": 12,
        "on_frontline": True,
        "forces": {
            force: {"rating": 4, "evidence": [sha256_of(f"{person}-{force}")]} for force in FORCES
        },
        "attestation": {
            "politically_sound": True,
            "statement": "经推荐单位党组织审核，政治素质过硬。",
        },
        "tags": ["urgently_needed_field"],
    }


class MemoryDecisions(Casework):
    """Decisions signed against an in-memory state; each is kept, admitted or not."""

    def __init__(self, start: str = "2027-01-04T09:00:00") -> None:
        self.state = new_state()
        self.events: list[SignedEvent] = []
        self.refused: list[tuple[SignedEvent, RegistryError]] = []
        self.moment = datetime.fromisoformat(start).replace(tzinfo=UTC)
        self._ids = 0
        self.new_id = self._next_id
        self.clock = self._tick

    def _next_id(self) -> str:
        self._ids += 1
        return str(uuid.UUID(int=self._ids, version=4))

    def _tick(self) -> datetime:
        self.moment += timedelta(microseconds=1)
        return self.moment

    def go_to(self, day: str) -> None:
        self.moment = max(self.moment, datetime.fromisoformat(day).replace(tzinfo=UTC))

    def current(self) -> RegistryState:
        return self.state

    def submit(self, signed: SignedEvent) -> SignedEvent:
        self.events.append(signed)
        try:
            self.state.apply(signed)
        except RegistryError as exc:
            self.refused.append((signed, exc))
        return signed


def _story() -> MemoryDecisions:
    log = MemoryDecisions()
    root = fixed_key("root")
    log.found(root, "craftreg.example/registry")
    national = log.national_federation
    publish_log_key(log, root, fixed_key("log"))
    zhejiang = log.register_organisation(
        root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", national, "330000"
    )
    registrar = fixed_key("registrar")
    registrar_id = log.enrol_actor(root, zhejiang, "王芳", [Role.REGISTRAR], registrar)
    hangzhou = log.register_organisation(
        registrar, OrgKind.PREFECTURE_FEDERATION, "杭州市总工会", zhejiang, "330100"
    )
    keys = {role: fixed_key(role.value) for role in Role}
    for role in (*CULTIVATING_ROLES, Role.REPORTER):
        log.enrol_actor(registrar, zhejiang, f"浙江{role.value}", [role], keys[role])
    log.enrol_actor(registrar, hangzhou, "杭州推荐人", [Role.RECOMMENDER], keys[Role.RECOMMENDER])
    national_reviewer = fixed_key("national-reviewer")
    log.enrol_actor(root, national, "全总审核人", [Role.REVIEWER], national_reviewer)
    log.adopt_policy(root)

    reviewer, recommender = keys[Role.REVIEWER], keys[Role.RECOMMENDER]
    officer, discipline = keys[Role.CULTIVATION_OFFICER], keys[Role.DISCIPLINE_OFFICER]
    round_id = log.announce_round(
        reviewer, zhejiang, Tier.PROVINCIAL, 2027, {hangzhou: 3}, "2027-03-31T16:00:00.000000Z"
    )
    factors = {"regional_development": 50, "manufacturing_level": 50, "industrial_workforce": 1000}
    log.decide(
        reviewer,
        round_id,
        "QuotasAdjusted",
        {"quotas": [{"unit": hangzhou, "quota": 4, "factors": factors}], "reason": "名额复核"},
    )
    nomination = log.nominate(recommender, round_id, hangzhou, nomination_details("陈静"))
    second = log.nominate(recommender, round_id, hangzhou, nomination_details("王磊"))
    other = log.nominate(recommender, round_id, hangzhou, nomination_details("李娜"))
    log.decide(recommender, other, "NominationWithdrawn", {"reason": "本人申请撤回"})
    log.review(reviewer, nomination, "returned", "补充获奖证明")
    log.decide(
        recommender,
        nomination,
        "NominationAmended",
        {"details": nomination_details("陈静"), "reason": "已补充获奖证明"},
    )
    log.go_to("2027-04-10")
    log.review(reviewer, nomination, "approved")
    log.review(reviewer, second, "rejected", "材料不全")
    log.decide(reviewer, second, "ReviewReversed", {"reason": "材料已在截止前送达"})
    log.review(reviewer, second, "approved")
    log.close_round(reviewer, round_id)
    log.determine_list(reviewer, round_id, [nomination, second])

    log.go_to("2027-05-01")
    cultivation = log.start_cultivation(
        officer, nomination, "2027-05-01", "2029-03-31", ("刘教授", "张大师")
    )
    ended = log.start_cultivation(officer, second, "2027-05-01", "2029-03-31", ("孙教授", "钱大师"))
    log.go_to("2027-09-01")
    log.record_activity(officer, cultivation, "camp_learn", "2027-08-20", "浙江工匠学院")
    log.record_activity(officer, cultivation, "camp_test", "2027-08-21", "浙江工匠学院")
    log.decide(
        officer,
        cultivation,
        "ActivityRetracted",
        {"kind": "camp_test", "date": "2027-08-21", "reason": "重复录入"},
    )
    mentors = {
        "professional": {"name": "赵教授", "organisation": "浙江大学"},
        "skills": {"name": "张大师", "organisation": "企业技能大师工作室"},
    }
    log.decide(officer, cultivation, "MentorsChanged", {"mentors": mentors, "reason": "导师调任"})
    log.decide(
        officer, cultivation, "CultivationExtended", {"end": "2029-04-30", "reason": "项目延期"}
    )
    log.decide(officer, ended, "CultivationEnded", {"reason": "withdrawal", "detail": "本人申请"})
    log.go_to("2029-05-10")
    assessor = keys[Role.ASSESSOR]
    log.assess(assessor, cultivation, dict.fromkeys(FORCES, 58), False)
    log.decide(assessor, cultivation, "AssessmentReversed", {"reason": "分数录入错误"})
    log.assess(assessor, cultivation, dict.fromkeys(FORCES, 88), True)
    certifier = keys[Role.CERTIFIER]
    certificate = log.issue_certificate(
        certifier,
        cultivation,
        "S33-2029-00001",
        "2029-05-10",
        ("陈静", "数控车工", "杭州汽轮动力集团"),
        "K7QX2M9PLT4W",
    )
    log.decide(
        certifier,
        certificate,
        "CertificateCorrected",
        {"employer": "杭州汽轮动力集团有限公司", "reason": "单位全称"},
    )
    log.go_to("2029-05-12")
    for day in ("2029-05-10", "2029-05-11"):
        log.decide(
            officer,
            certificate,
            "BenefitDelivered",
            {"benefit": "health_check", "date": day, "detail": "年度健康体检"},
        )
    log.decide(
        officer,
        certificate,
        "BenefitRetracted",
        {"benefit": "health_check", "date": "2029-05-11", "reason": "重复录入"},
    )
    log.decide(
        certifier,
        log.new_id(),
        "PilotCertificateImported",
        {
            "body": zhejiang,
            "tier": "provincial",
            "number": "S33-2024-00007",
            "holder_name": "周明",
            "identity": sealed_identity("周明"),
            "trade": "焊工",
            "employer": "宁波港集团",
            "issue_date": "2024-06-01",
            "code_digest": sha256_of("pilot-code"),
            "benefits": ["visit"],
            "source_document": sha256_of("pilot-record"),
            "scheme": PILOT_SCHEME,
        },
    )

    log.go_to("2030-01-15")
    approver = keys[Role.DISCIPLINE_APPROVER]
    case = log.open_case(discipline, "nomination", nomination, "falsification", zhejiang)
    log.investigate(discipline, case, sha256_of("举报信"), "推荐材料中的获奖证书系伪造")
    log.propose(discipline, case, "revoke", "2030-01-15", taints=True)
    log.approve(approver, case)
    log.revoke_certificate(discipline, certificate, case, "2030-01-15")
    dismissed = log.open_case(discipline, "nomination", second, "violation", zhejiang)
    log.investigate(discipline, dismissed, sha256_of("来信"), "反映情况不实")
    log.propose(discipline, dismissed, "revoke", "2030-03-01")
    log.decide(approver, dismissed, "DecisionRejected", {"reasons": "证据不足"})

    report = log.submit_report(
        keys[Role.REPORTER], zhejiang, 2029, sha256_of("报告"), {"certified": 1}
    )
    log.decide(national_reviewer, report, "ReportAcknowledged", {"comment": "已收悉"})

    log.decide(root, registrar_id, "ActorRolesChanged", {"roles": ["registrar", "auditor"]})
    log.decide(
        root,
        registrar_id,
        "ActorKeyRotated",
        {"public_key": fixed_key("registrar-2").public_key_b64},
    )
    log.decide(
        root,
        registrar_id,
        "ActorKeyRevoked",
        {"key": fixed_key("registrar-2").key_id, "reason": "密钥遗失"},
    )
    return log


@cache
def specimens() -> dict[str, SignedEvent]:
    """The first signed event of each type in the specimen story."""
    found: dict[str, SignedEvent] = {}
    for signed in _story().events:
        found.setdefault(signed.envelope.type, signed)
    return found
