"""The whole life of a provincial craftsman on the real stores, SQLite and PostgreSQL.

Founding, enrolment, policy, a round, a nomination carrying a sealed resident identity number,
review, the list, cultivation with its activities, assessment, the certificate with the
holder's verification code, a benefit, a falsification case approved by a second person and
the revocation, a provincial report and its acknowledgement (Art. 3–22). Then: another store
on the same database replays the log to the same state, the identity number is nowhere in
clear, and after the person key is erased every stored event still verifies.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec
import pytest

from craftreg.application import Registry
from craftreg.casework import CODE_ALPHABET, new_verification_code
from craftreg.domain.authority import Role
from craftreg.domain.certificates import code_digest
from craftreg.domain.envelope import from_record
from craftreg.domain.errors import RuleViolation, WrongRole
from craftreg.domain.identity import SealedIdentity
from craftreg.domain.lifecycle import (
    CaseStatus,
    CertificateStatus,
    CultivationStatus,
    NominationStatus,
)
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from craftreg.privacy import IdentityErased, IdentityVault, check_digit, load_or_create_hash_key
from craftreg.settings import sqlite_path
from craftreg.store import EventStore
from tests.helpers import OFFICERS, Calendar, Cast, details, evidence

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")
ACTIVITIES = (
    "camp_test",  # Art. 11: 测
    "camp_learn",  # 学
    "camp_practise",  # 践
    "camp_evaluate",  # 评
    "thematic_study",  # Art. 12
    "innovation_exchange",  # Art. 12
    "enterprise_assistance",  # Art. 13: 劳模工匠助企行
    "outreach_lecture",  # Art. 13
    "app_onboarding",  # Art. 14: 职工之家 App
)


def identity_number(region: str, born: str, sequence: str) -> str:
    """A well-formed 18-character number (GB 11643-1999) with its MOD 11-2 check character."""
    first17 = region + born.replace("-", "") + sequence
    return first17 + check_digit(first17)


def refused_here(
    registry: Registry,
    error: type[Exception],
    signer: Signer,
    stream: str,
    type_: str,
    payload: dict[str, Any],
) -> str:
    """Submitting is refused with ``error`` and nothing is stored; the refusal's code."""
    before = [logged.record for logged in registry.store.log()]
    with pytest.raises(error) as caught:
        registry.decide(signer, stream, type_, payload)
    assert [logged.record for logged in registry.store.log()] == before
    return str(getattr(caught.value, "code", ""))


def test_the_life_of_a_craftsman_on_the_real_stores(database_url: str, tmp_path: Path) -> None:
    calendar = Calendar("2027-01-04T09:00:00")
    with (
        Registry(database_url) as registry,
        IdentityVault(database_url, load_or_create_hash_key(tmp_path / "keys")) as vault,
    ):
        registry.clock = calendar.now

        # -- founding and enrolment (Art. 3: Zhejiang cultivates its provincial craftsmen)
        cast = Cast(registry)
        keys = {role: Signer.generate() for role in Role}
        for role in OFFICERS:
            registry.enrol_actor(
                cast.zj_registrar_key, cast.zhejiang, f"浙江{role.value}", [role], keys[role]
            )
        both = Signer.generate()  # an officer who may also approve — never their own proposal
        registry.enrol_actor(
            cast.zj_registrar_key,
            cast.zhejiang,
            "纪检兼审批",
            [Role.DISCIPLINE_OFFICER, Role.DISCIPLINE_APPROVER],
            both,
        )
        registry.enrol_actor(
            cast.hz_registrar_key,
            cast.hangzhou,
            "杭州推荐人",
            [Role.RECOMMENDER],
            keys[Role.RECOMMENDER],
        )
        national_reviewer = Signer.generate()
        registry.enrol_actor(
            cast.root, cast.national, "全总审核人", [Role.REVIEWER], national_reviewer
        )

        # -- policy (Art. 2, 5–7) and the round (Art. 9)
        registry.adopt_policy(cast.root)
        round_id = registry.announce_round(
            keys[Role.REVIEWER],
            cast.zhejiang,
            Tier.PROVINCIAL,
            2027,
            {cast.hangzhou: 2},
            "2027-03-31T16:00:00.000000Z",
        )

        # -- the nomination carries the identity number sealed, never in clear
        number = identity_number("330106", "1988-04-12", "002")
        assert len(number) == 18
        sealed = vault.seal(number)
        candidate = details("陈静")
        candidate["candidate"]["identity"] = msgspec.to_builtins(sealed)
        nomination = registry.nominate(keys[Role.RECOMMENDER], round_id, cast.hangzhou, candidate)
        # the same person, sealed again (a fresh ciphertext), is recognised by the digest
        again = vault.seal(" ".join((number[:6], number[6:14], number[14:].lower())))
        assert again.sealed != sealed.sealed and again.digest == sealed.digest
        twin = details("陈静", trade="钳工")
        twin["candidate"]["identity"] = msgspec.to_builtins(again)
        code = refused_here(
            registry,
            RuleViolation,
            keys[Role.RECOMMENDER],
            registry.new_id(),
            "NominationSubmitted",
            {"round": round_id, "unit": cast.hangzhou, "details": twin},
        )
        assert code == "already-nominated"

        # -- review and the list (Art. 9)
        calendar.go_to("2027-04-10")
        registry.review(keys[Role.REVIEWER], nomination, "approved")
        registry.close_round(keys[Role.REVIEWER], round_id)
        registry.determine_list(keys[Role.REVIEWER], round_id, [nomination])
        life = registry.current().lifecycle
        assert life.nominations[nomination].status is NominationStatus.LISTED

        # -- cultivation (Art. 10–14) and assessment (Art. 15)
        calendar.go_to("2027-05-01")
        cultivation = registry.start_cultivation(
            keys[Role.CULTIVATION_OFFICER],
            nomination,
            "2027-05-01",
            "2029-04-30",
            ("刘教授", "张大师"),
        )
        calendar.go_to("2027-12-01")
        for kind in ACTIVITIES:
            registry.record_activity(
                keys[Role.CULTIVATION_OFFICER], cultivation, kind, "2027-11-20", "浙江工匠学院"
            )
        calendar.go_to("2029-05-10")
        registry.assess(keys[Role.ASSESSOR], cultivation, dict.fromkeys(FORCES, 90), passed=True)
        life = registry.current().lifecycle
        assert life.cultivations[cultivation].status is CultivationStatus.PASSED
        assert sum(life.cultivations[cultivation].activities.values()) == len(ACTIVITIES)

        # -- the certificate: only the digest of the holder's code is in the log
        code = new_verification_code()
        assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
        certificate_number = "S33-2029-00001"
        certificate = registry.issue_certificate(
            keys[Role.CERTIFIER],
            cultivation,
            certificate_number,
            "2029-05-10",
            ("陈静", "数控车工", "杭州汽轮动力集团"),
            code,
        )
        life = registry.current().lifecycle
        assert life.certificates[certificate].code_digest == code_digest(certificate_number, code)
        assert life.certificates[certificate].digest == sealed.digest

        # -- a benefit (Art. 18)
        benefit = {"benefit": "health_check", "date": "2029-05-10", "detail": "年度健康体检"}
        registry.decide(keys[Role.CULTIVATION_OFFICER], certificate, "BenefitDelivered", benefit)

        # -- the exit mechanism (Art. 20): falsification, four eyes, revocation
        calendar.go_to("2030-01-15")
        case = registry.open_case(both, "nomination", nomination, "falsification", cast.zhejiang)
        registry.investigate(both, case, evidence("举报信"), "推荐材料中的获奖证书系伪造")
        registry.propose(both, case, "revoke", "2030-01-15", taints=True)
        own = refused_here(
            registry, RuleViolation, both, case, "DecisionApproved", {"comment": "同意"}
        )
        assert own == "four-eyes"
        refused_here(
            registry,
            WrongRole,
            keys[Role.DISCIPLINE_OFFICER],
            case,
            "DecisionApproved",
            {"comment": "同意"},
        )
        registry.approve(keys[Role.DISCIPLINE_APPROVER], case)
        registry.revoke_certificate(keys[Role.DISCIPLINE_OFFICER], certificate, case, "2030-01-15")
        life = registry.current().lifecycle
        assert life.certificates[certificate].status is CertificateStatus.REVOKED
        assert life.certificates[certificate].revoked == {
            "effective": "2030-01-15",
            "ground": "falsification",
            "case": case,
        }
        assert life.cases[case].status is CaseStatus.EXECUTED
        assert life.nominations[nomination].tainted and life.certificates[certificate].tainted
        ended = refused_here(
            registry,
            RuleViolation,
            keys[Role.CULTIVATION_OFFICER],
            certificate,
            "BenefitDelivered",
            {"benefit": "visit", "date": "2030-02-02", "detail": "慰问"},
        )
        assert ended == "certificate-revoked"  # Art. 20: the benefits end

        # -- the provincial report (Art. 22) and its acknowledgement
        calendar.go_to("2030-01-20")
        report = registry.submit_report(
            keys[Role.REPORTER],
            cast.zhejiang,
            2029,
            hashlib.sha256("浙江省2029年工匠人才培育工作报告".encode()).hexdigest(),
            {"certified_provincial": 1, "revoked": 1},
        )
        registry.decide(national_reviewer, report, "ReportAcknowledged", {"comment": "收悉"})
        state = registry.current()
        assert state.lifecycle.reports[report].acknowledged

        # -- another store on the same database replays the log to the same state
        with EventStore(database_url) as fresh:
            assert fresh.refresh() == state
        records = [logged.record for logged in registry.store.log()]
        assert len(records) == state.position

        # -- the identity number is nowhere in clear: not in a record, not in a file
        for text in (number, number[:17], number.lower()):
            assert not any(text.encode() in record for record in records)
        if database_url.startswith("sqlite"):
            path = Path(sqlite_path(database_url))
            files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
            assert files and not any(number[:17].encode() in p.read_bytes() for p in files)
        assert not any(code.encode() in record for record in records)
        assert vault.reveal(sealed) == number

        # -- erasure (crypto-shredding): the number is gone, every signature still holds
        vault.erase(sealed.key, "申请编号 2030-007：依《个人信息保护法》第四十七条删除")
        with pytest.raises(IdentityErased):
            vault.reveal(sealed)
        keys_in_chain = state.chain.keys
        for record in records:
            signed = from_record(record)
            signed.verify(keys_in_chain[signed.envelope.signer].public_key)
        [submitted] = registry.store.stream(nomination)[:1]
        carried = msgspec.convert(
            submitted.envelope.payload["details"]["candidate"]["identity"], SealedIdentity
        )
        carried.check()
        assert carried == sealed
        assert vault.digest(number) == carried.digest  # the person is still recognised
        with EventStore(database_url) as after:
            assert after.refresh() == state
