"""Corrections (更正): a review, an activity, a benefit or an assessment undone by a new event,
or a certificate's wording put right; the views follow, and the corrected event stays in the log."""

from __future__ import annotations

from craftreg.domain import corrections
from craftreg.projections.fold import people
from craftreg.projections.fold.common import decided, stamp
from craftreg.projections.fold.selection import quota_row
from craftreg.projections.records import Event
from craftreg.projections.working import Row, WorkingSet


def _stamped(ws: WorkingSet, name: str, e: Event) -> Row:
    row = ws.need(name, e.stream)
    stamp(row, e)
    ws.touch(name, row)
    return row


def review_reversed(ws: WorkingSet, e: Event) -> None:
    """Back to awaiting review, before the list is determined (Art. 9)."""
    p: corrections.ReviewReversed = e.payload
    nomination = _stamped(ws, "nominations", e)
    if nomination["status"] == "rejected":
        quota_row(ws, nomination["round"], nomination["unit"])["used"] += 1
    if nomination["status"] == "approved":
        found = ws.need("rounds", nomination["round"])
        found["awaiting_list"].remove(nomination["id"])
        ws.touch("rounds", found)
    nomination.update(status="submitted", reviewed_at=None, review_decision=None, review_reasons=[])
    decided(ws, e, e.stream, {"reason": p.reason})
    people.refresh(ws, nomination["digest"], e.position)


def activity_retracted(ws: WorkingSet, e: Event) -> None:
    p: corrections.ActivityRetracted = e.payload
    _stamped(ws, "cultivations", e)["activities"] -= 1
    counted = ws.need("activities", (e.stream, p.kind.value))
    _undate(counted, "count", p.date)
    ws.touch("activities", counted)


def _undate(row: Row, counter: str, day: str) -> None:
    """One occurrence on ``day`` no longer counts (the store admits a retraction only of a
    day recorded)."""
    row["dates"].remove(day)
    row[counter] -= 1
    row["last_date"] = max(row["dates"], default=None)


def benefit_retracted(ws: WorkingSet, e: Event) -> None:
    p: corrections.BenefitRetracted = e.payload
    _stamped(ws, "certificates", e)
    row = ws.need("benefits", (e.stream, p.benefit.value))
    _undate(row, "deliveries", p.date)
    ws.touch("benefits", row)


def assessment_reversed(ws: WorkingSet, e: Event) -> None:
    """Back to cultivation; no certificate rests on the assessment (Art. 15)."""
    p: corrections.AssessmentReversed = e.payload
    cultivation = _stamped(ws, "cultivations", e)
    cultivation.update(status="active", assessed_at=None, result=None, scores=None, assessors=None)
    decided(ws, e, cultivation["nomination"], {"reason": p.reason})
    people.refresh(ws, cultivation["digest"], e.position)


def certificate_corrected(ws: WorkingSet, e: Event) -> None:
    p: corrections.CertificateCorrected = e.payload
    certificate = _stamped(ws, "certificates", e)
    for column in ("holder_name", "trade", "employer"):
        value = getattr(p, column)
        if value is not None:
            certificate[column] = value
    decided(ws, e, certificate["nomination"] or e.stream, {"reason": p.reason})
    people.refresh(ws, certificate["digest"], e.position)


HANDLERS = {
    "ReviewReversed": review_reversed,
    "ActivityRetracted": activity_retracted,
    "BenefitRetracted": benefit_retracted,
    "AssessmentReversed": assessment_reversed,
    "CertificateCorrected": certificate_corrected,
}
