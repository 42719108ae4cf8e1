"""Discipline cases (退出机制, Art. 20): a restricted view, and the taint of falsification."""

from __future__ import annotations

from craftreg.domain import discipline
from craftreg.projections.fold.common import evidence, lineage, stamp
from craftreg.projections.records import Event
from craftreg.projections.working import Row, WorkingSet


def opened(ws: WorkingSet, e: Event) -> None:
    p: discipline.CaseOpened = e.payload
    ws.put(
        "cases",
        {
            "id": e.stream,
            "subject_kind": p.subject.kind.value,
            "subject": p.subject.id,
            "ground": p.ground.value,
            "body": p.body,
            "status": "open",
            "opened_at": e.time,
            "summary": p.summary,
            "evidence": [],
            "findings": 0,
            **_NO_PROPOSAL,
            "approver": None,
            "certificate": None,
            "executed_at": None,
            "version": e.version,
            "last_position": e.position,
        },
    )


_NO_PROPOSAL = {"decision": None, "effective": None, "proposer": None, "taints": False}


def _case(ws: WorkingSet, e: Event) -> Row:
    case = ws.need("cases", e.stream)
    stamp(case, e)
    ws.touch("cases", case)
    return case


def _actor(ws: WorkingSet, e: Event) -> str:
    return str(ws.need("keys", e.signer)["actor"])


def evidence_attached(ws: WorkingSet, e: Event) -> None:
    p: discipline.EvidenceAttached = e.payload
    _case(ws, e)["evidence"].append(p.sha256)
    evidence(ws, e, p.sha256, e.stream, "case")


def finding(ws: WorkingSet, e: Event) -> None:
    _case(ws, e)["findings"] += 1


def proposed(ws: WorkingSet, e: Event) -> None:
    p: discipline.DecisionProposed = e.payload
    _case(ws, e).update(
        status="proposed",
        decision=p.decision.value,
        effective=p.effective,
        proposer=_actor(ws, e),
        taints=p.taints_nomination,
    )


def approved(ws: WorkingSet, e: Event) -> None:
    """Four eyes (Art. 20: 审核批准); a falsification taints what the nomination led to."""
    case = _case(ws, e)
    case.update(status="approved", approver=_actor(ws, e))
    if case["taints"]:
        _taint(ws, case)


def rejected(ws: WorkingSet, e: Event) -> None:
    _case(ws, e).update(status="open", **_NO_PROPOSAL)


def _taint(ws: WorkingSet, case: Row) -> None:
    """The nomination the falsification concerns, and its cultivation and certificate; a case
    about a person or a certificate reaches the certificates within its body's jurisdiction."""
    nominations: list[str] = []
    subject, kind = case["subject"], case["subject_kind"]
    if kind == "nomination":
        nominations.append(subject)
    held = [subject] if kind == "certificate" else []
    if kind == "person":
        person = ws.get("people", subject)
        held = list(person["certificates"]) if person is not None else []
    for certificate_id in held:
        certificate = ws.need("certificates", certificate_id)
        nomination = certificate["nomination"]
        if (
            nomination is not None
            and nomination not in nominations
            and case["body"] in lineage(ws, certificate["body"])
        ):
            nominations.append(nomination)
    for nomination_id in nominations:
        nomination = ws.need("nominations", nomination_id)
        nomination["tainted"] = True
        ws.touch("nominations", nomination)
        if nomination["cultivation"]:
            cultivation = ws.need("cultivations", nomination["cultivation"])
            cultivation["tainted"] = True
            ws.touch("cultivations", cultivation)
            if cultivation["certificate"]:
                certificate = ws.need("certificates", cultivation["certificate"])
                certificate["tainted"] = True
                ws.touch("certificates", certificate)


HANDLERS = {
    "CaseOpened": opened,
    "EvidenceAttached": evidence_attached,
    "FindingRecorded": finding,
    "DecisionProposed": proposed,
    "DecisionApproved": approved,
    "DecisionRejected": rejected,
}
