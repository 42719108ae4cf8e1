"""The life of a provincial craftsman driven through HTTP alone, on a real server socket.

Founding, enrolment, the round, nomination, review, list, cultivation, assessment, the
certificate, a benefit, a discipline case and the revocation, and the provincial report: each
is a signed event POSTed to its resource route; the store then holds exactly those records.
"""

from __future__ import annotations

import pytest

from craftreg.client import Refused
from craftreg.domain.authority import Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import from_record
from craftreg.domain.lifecycle import CaseStatus, CertificateStatus, NominationStatus
from tests.helpers import details, evidence
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang


def test_the_whole_lifecycle_through_http(server: Server) -> None:
    founded = server.log()  # genesis and the log key, written by `craftreg init`
    zj = HttpZhejiang(server.url, server.root)
    log, key = zj.log, zj.key
    round_id = zj.round()
    nomination = log.nominate(key(Role.RECOMMENDER), round_id, zj.hangzhou, details("陈静"))
    zj.calendar.go_to("2027-04-10")
    log.review(key(Role.REVIEWER), nomination, "approved")
    log.close_round(key(Role.REVIEWER), round_id)
    log.determine_list(key(Role.REVIEWER), round_id, [nomination])

    _, certificate = zj.certify(nomination)  # cultivated, assessed, certified
    # A certificate's routes take its number as well as its record id.
    benefit = log.sign_next(
        key(Role.CULTIVATION_OFFICER),
        certificate,
        "BenefitDelivered",
        {"benefit": "health_check", "date": "2029-05-10", "detail": "年度体检"},
    )
    by_number = zj.client.submit(benefit, "/v1/certificates/S33-2029-00001/benefits")
    log.submitted.append((benefit, by_number))
    assert by_number["stream"] == certificate and by_number["version"] == 2

    zj.calendar.go_to("2030-01-15")
    officer = key(Role.DISCIPLINE_OFFICER)
    case = log.open_case(officer, "nomination", nomination, "falsification", zj.zhejiang)
    log.investigate(officer, case, evidence("举报信"), "推荐材料中的获奖证书系伪造")
    log.propose(officer, case, "revoke", "2030-01-15", taints=True)
    log.approve(key(Role.DISCIPLINE_APPROVER), case)
    log.revoke_certificate(officer, certificate, case, "2030-01-15")
    report = log.submit_report(
        key(Role.REPORTER), zj.zhejiang, 2029, evidence("报告"), {"revoked": 1}
    )
    log.decide(key("national_reviewer"), report, "ReportAcknowledged", {"comment": "已收悉"})

    # Art. 20: the benefits end with the certificate — refused over HTTP, store unchanged.
    before = server.log()
    late = log.sign_next(
        key(Role.CULTIVATION_OFFICER),
        certificate,
        "BenefitDelivered",
        {"benefit": "visit", "date": "2030-03-01", "detail": "慰问"},
    )
    with pytest.raises(Refused) as refused:
        zj.client.submit(late)
    assert refused.value.status == 422 and refused.value.code == "certificate-revoked"
    assert refused.value.zh and refused.value.en
    assert server.log() == before

    # The store holds exactly the submitted records, at the leaf indexes the server answered.
    stored = server.log()
    assert stored == founded + [signed.record for signed, _ in log.submitted]
    for position, (signed, answer) in enumerate(log.submitted, start=len(founded)):
        assert answer == {
            "stream": signed.envelope.stream,
            "version": signed.envelope.version,
            "type": signed.envelope.type,
            "leaf_index": position,
        }
    replayed = new_state()
    replayed.replay(from_record(record) for record in stored)
    life = replayed.lifecycle
    assert life.certificates[certificate].status is CertificateStatus.REVOKED
    assert life.cases[case].status is CaseStatus.EXECUTED
    assert life.nominations[nomination].status is NominationStatus.LISTED
    assert life.nominations[nomination].tainted
    assert life.reports[report].acknowledged
    assert {signed.envelope.type for signed, _ in log.submitted} >= {
        "OrganisationRegistered",
        "ActorEnrolled",
        "PolicyAdopted",
        "RoundAnnounced",
        "NominationSubmitted",
        "CultivationStarted",
        "CertificateIssued",
        "CertificateRevoked",
        "ReportAcknowledged",
    }
    health = zj.client.http.get("/v1/health").json()
    assert health == {"status": "ok", "origin": "craftreg.test/http", "events": len(stored)}
