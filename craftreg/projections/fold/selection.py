"""Selection (评选, Art. 4–9): rounds with quota use per unit, nominations and their review."""

from __future__ import annotations

from typing import Any

from craftreg.domain import nominations, rounds
from craftreg.projections.fold import people
from craftreg.projections.fold.common import decided, evidence, province_and_city, stamp
from craftreg.projections.records import Event
from craftreg.projections.working import Row, WorkingSet

# They count against a quota (Art. 9). One left off the list stays approved in the domain,
# counted until it is withdrawn: here it is "not_listed".
LIVE = frozenset({"submitted", "returned", "approved", "listed", "not_listed"})


def announced(ws: WorkingSet, e: Event) -> None:
    p: rounds.RoundAnnounced = e.payload
    quotas = {q.unit: q.quota for q in p.quotas}
    ws.put(
        "rounds",
        {
            "id": e.stream,
            "tier": p.tier.value,
            "year": p.year,
            "body": p.body,
            "deadline": p.deadline,
            "announced_at": e.time,
            "closed": False,
            "determined": False,
            "quotas": quotas,
            "quota_total": sum(quotas.values()),
            "nominated": 0,
            "listed": 0,
            "awaiting_list": [],
            "version": e.version,
            "last_position": e.position,
        },
    )
    for unit, quota in quotas.items():
        quota_row(ws, e.stream, unit)["quota"] = quota


def quota_row(ws: WorkingSet, round_id: str, unit: str) -> Row:
    row = ws.get("quotas", (round_id, unit))
    if row is None:
        row = {"round": round_id, "unit": unit, "quota": 0, "used": 0, "submitted": 0, "listed": 0}
    return ws.put("quotas", row)


def adjusted(ws: WorkingSet, e: Event) -> None:
    p: rounds.QuotasAdjusted = e.payload
    found = ws.need("rounds", e.stream)
    quotas = {q.unit: q.quota for q in p.quotas}
    for unit in set(found["quotas"]) | set(quotas):
        quota_row(ws, e.stream, unit)["quota"] = quotas.get(unit, 0)
    found["quotas"], found["quota_total"] = quotas, sum(quotas.values())
    _round_event(ws, e, found)


def _round_event(ws: WorkingSet, e: Event, found: Row) -> None:
    stamp(found, e)
    ws.touch("rounds", found)


def closed(ws: WorkingSet, e: Event) -> None:
    found = ws.need("rounds", e.stream)
    found["closed"] = True
    _round_event(ws, e, found)


def determined(ws: WorkingSet, e: Event) -> None:
    p: rounds.ListDetermined = e.payload
    found = ws.need("rounds", e.stream)
    selected = set(p.nominations)
    for nomination_id in p.nominations:
        nomination = ws.need("nominations", nomination_id)
        nomination["status"] = "listed"
        _nomination_changed(ws, e, nomination)
        quota_row(ws, e.stream, nomination["unit"])["listed"] += 1
        decided(ws, e, nomination_id)
    for nomination_id in found["awaiting_list"]:
        if nomination_id not in selected:
            nomination = ws.need("nominations", nomination_id)
            nomination["status"] = "not_listed"
            _nomination_changed(ws, e, nomination)
    found["determined"], found["awaiting_list"] = True, []
    found["listed"] = len(p.nominations)
    _round_event(ws, e, found)


def _nomination_changed(ws: WorkingSet, e: Event, nomination: Row) -> None:
    """Any change to a nomination changes where its person stands."""
    ws.touch("nominations", nomination)
    people.refresh(ws, nomination["digest"], e.position)


def _details(d: nominations.NominationDetails) -> dict[str, Any]:
    province, city = province_and_city(d.employer.region)
    return {
        "digest": d.candidate.identity.digest,
        "name": d.candidate.name,
        "gender": d.candidate.gender.value,
        "birth_date": d.candidate.birth_date,
        "employer": d.employer.name,
        "employer_category": d.employer.category.value,
        "region": d.employer.region,
        "province": province,
        "city": city,
        "trade": d.trade,
        "industry_field": d.industry_field.value,
        "frontline_years": d.frontline_years,
        "tags": sorted(t.value for t in d.tags),
    }


def _evidence(ws: WorkingSet, e: Event, d: nominations.NominationDetails) -> None:
    for rated in d.forces.values():
        for sha256 in rated.evidence:
            evidence(ws, e, sha256, e.stream, "nomination")


def submitted(ws: WorkingSet, e: Event) -> None:
    p: nominations.NominationSubmitted = e.payload
    found = ws.need("rounds", p.round)
    found["nominated"] += 1
    ws.touch("rounds", found)
    quota = quota_row(ws, p.round, p.unit)
    quota["used"] += 1
    quota["submitted"] += 1
    nomination = ws.put(
        "nominations",
        {
            "id": e.stream,
            "round": p.round,
            "unit": p.unit,
            "body": found["body"],
            "tier": found["tier"],
            "year": found["year"],
            **_details(p.details),
            "status": "submitted",
            "submitted_at": e.time,
            "reviewed_at": None,
            "review_decision": None,
            "review_reasons": [],
            "cultivation": None,
            "tainted": False,
            "version": e.version,
            "last_position": e.position,
        },
    )
    _evidence(ws, e, p.details)
    decided(ws, e, e.stream, {"unit": p.unit, "round": p.round})
    people.join(ws, nomination["digest"], e.stream, e.position)


def amended(ws: WorkingSet, e: Event) -> None:
    p: nominations.NominationAmended = e.payload
    nomination = ws.need("nominations", e.stream)
    before = nomination["digest"]
    nomination.update(_details(p.details))
    nomination["status"] = "submitted"
    stamp(nomination, e)
    _evidence(ws, e, p.details)
    decided(ws, e, e.stream, {"reason": p.reason})
    if nomination["digest"] != before:
        people.leave(ws, before, e.stream, e.position)
        people.join(ws, nomination["digest"], e.stream, e.position)
    _nomination_changed(ws, e, nomination)


def withdrawn(ws: WorkingSet, e: Event) -> None:
    nomination = ws.need("nominations", e.stream)
    if nomination["status"] in LIVE:
        quota_row(ws, nomination["round"], nomination["unit"])["used"] -= 1
    _leave_list(ws, nomination)
    nomination["status"] = "withdrawn"
    stamp(nomination, e)
    decided(ws, e, e.stream)
    _nomination_changed(ws, e, nomination)


def _leave_list(ws: WorkingSet, nomination: Row) -> None:
    if nomination["status"] == "approved":
        found = ws.need("rounds", nomination["round"])
        found["awaiting_list"].remove(nomination["id"])
        ws.touch("rounds", found)


def reviewed(ws: WorkingSet, e: Event) -> None:
    p: nominations.NominationReviewed = e.payload
    nomination = ws.need("nominations", e.stream)
    decision = p.decision.value
    if decision == "rejected":
        quota_row(ws, nomination["round"], nomination["unit"])["used"] -= 1
    if decision == "approved":
        found = ws.need("rounds", nomination["round"])
        found["awaiting_list"].append(e.stream)
        ws.touch("rounds", found)
    nomination.update(
        status=decision, reviewed_at=e.time, review_decision=decision, review_reasons=p.reasons
    )
    stamp(nomination, e)
    decided(ws, e, e.stream, {"decision": decision})
    _nomination_changed(ws, e, nomination)


HANDLERS = {
    "RoundAnnounced": announced,
    "QuotasAdjusted": adjusted,
    "RoundClosed": closed,
    "ListDetermined": determined,
    "NominationSubmitted": submitted,
    "NominationAmended": amended,
    "NominationWithdrawn": withdrawn,
    "NominationReviewed": reviewed,
}
