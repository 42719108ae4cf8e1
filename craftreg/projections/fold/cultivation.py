"""Cultivation (培养, Art. 10–15), certificates (证书, Art. 15, 24) and benefits (待遇, Art. 18)."""

from __future__ import annotations

from craftreg.domain import certificates, cultivations
from craftreg.projections.fold import people
from craftreg.projections.fold.common import (
    age_on,
    decided,
    evidence,
    province_and_city,
    stamp,
)
from craftreg.projections.records import Event
from craftreg.projections.working import Row, WorkingSet


def started(ws: WorkingSet, e: Event) -> None:
    p: cultivations.CultivationStarted = e.payload
    nomination = ws.need("nominations", p.nomination)
    ws.put(
        "cultivations",
        {
            "id": e.stream,
            "nomination": p.nomination,
            "digest": nomination["digest"],
            "name": nomination["name"],
            "tier": nomination["tier"],
            "body": nomination["body"],
            "province": nomination["province"],
            "start_date": p.start,
            "end_date": p.end,
            **_mentors(p.mentors),
            "status": "active",
            "activities": 0,
            "started_at": e.time,
            "ended_reason": None,
            "assessed_at": None,
            "result": None,
            "scores": None,
            "assessors": None,
            "certificate": None,
            "tainted": False,
            "version": e.version,
            "last_position": e.position,
        },
    )
    nomination["cultivation"] = e.stream
    ws.touch("nominations", nomination)
    decided(ws, e, p.nomination, {"end": p.end})
    people.refresh(ws, nomination["digest"], e.position)


def _mentors(m: cultivations.Mentors) -> dict[str, str]:
    """Art. 11: a professional mentor (专业导师) and a skills mentor (技能导师)."""
    return {
        "mentor_professional": m.professional.name,
        "mentor_professional_org": m.professional.organisation,
        "mentor_skills": m.skills.name,
        "mentor_skills_org": m.skills.organisation,
    }


def _cultivation(ws: WorkingSet, e: Event) -> Row:
    row = ws.need("cultivations", e.stream)
    stamp(row, e)
    ws.touch("cultivations", row)
    return row


def extended(ws: WorkingSet, e: Event) -> None:
    p: cultivations.CultivationExtended = e.payload
    row = _cultivation(ws, e)
    row["end_date"] = p.end
    decided(ws, e, row["nomination"], {"end": p.end})


def mentors_changed(ws: WorkingSet, e: Event) -> None:
    p: cultivations.MentorsChanged = e.payload
    row = _cultivation(ws, e)
    row.update(_mentors(p.mentors))
    decided(ws, e, row["nomination"])


def activity(ws: WorkingSet, e: Event) -> None:
    p: cultivations.ActivityRecorded = e.payload
    row = _cultivation(ws, e)
    row["activities"] += 1
    kind = p.kind.value
    counted = ws.get("activities", (e.stream, kind))
    if counted is None:
        counted = {"cultivation": e.stream, "kind": kind, "count": 0, "dates": []}
    _dated(counted, "count", p.date)
    ws.put("activities", counted)


def _dated(row: Row, counter: str, day: str) -> None:
    row[counter] += 1
    row["dates"].append(day)
    row["last_date"] = max(row["dates"])


def ended(ws: WorkingSet, e: Event) -> None:
    p: cultivations.CultivationEnded = e.payload
    row = _cultivation(ws, e)
    row["status"], row["ended_reason"] = "ended_early", p.reason.value
    decided(ws, e, row["nomination"], {"reason": p.reason.value})
    people.refresh(ws, row["digest"], e.position)


def assessed(ws: WorkingSet, e: Event) -> None:
    """Art. 15: the assessment; only a pass allows a certificate."""
    p: cultivations.CultivationAssessed = e.payload
    row = _cultivation(ws, e)
    result = p.result.value
    row.update(
        status="passed" if result == "pass" else "failed",
        assessed_at=e.day,
        result=result,
        scores=dict(p.scores),
        assessors=list(p.assessors),
    )
    decided(ws, e, row["nomination"], {"result": result, "assessors": list(p.assessors)})
    people.refresh(ws, row["digest"], e.position)


def _entitle(ws: WorkingSet, certificate: str, benefits: list[certificates.Benefit]) -> None:
    for benefit in benefits:
        ws.put(
            "benefits",
            {
                "certificate": certificate,
                "benefit": benefit.value,
                "entitled": True,
                "deliveries": 0,
                "dates": [],
                "last_date": None,
                "ended_on": None,
            },
        )


def issued(ws: WorkingSet, e: Event) -> None:
    p: certificates.CertificateIssued = e.payload
    cultivation = ws.need("cultivations", p.cultivation)
    nomination = ws.need("nominations", cultivation["nomination"])
    ws.put(
        "certificates",
        {
            "id": e.stream,
            "number": p.number,
            "holder_name": p.holder_name,
            "digest": cultivation["digest"],
            "gender": nomination["gender"],
            "birth_date": nomination["birth_date"],
            "age_at_issue": age_on(nomination["birth_date"], p.issue_date),
            "tier": cultivation["tier"],
            "body": cultivation["body"],
            "province": nomination["province"],
            "city": nomination["city"],
            "trade": p.trade,
            "employer": p.employer,
            "industry_field": nomination["industry_field"],
            "tags": list(nomination["tags"]),
            "issue_date": p.issue_date,
            "code_digest": p.code_digest,
            "cultivation": p.cultivation,
            "nomination": nomination["id"],
            "pilot": False,
            **_VALID,
            "version": e.version,
            "last_position": e.position,
        },
    )
    cultivation["certificate"] = e.stream
    ws.touch("cultivations", cultivation)
    _entitle(ws, e.stream, p.benefits)
    decided(ws, e, nomination["id"], {"number": p.number})
    people.hold(ws, cultivation["digest"], e.stream, e.position)


_VALID = {
    "status": "valid",
    "revoked_on": None,
    "revocation_ground": None,
    "revocation_case": None,
    "tainted": False,
}


def pilot_imported(ws: WorkingSet, e: Event) -> None:
    """Art. 24: a certificate of the 2024 pilot, a pipeline of its own."""
    p: certificates.PilotCertificateImported = e.payload
    body = ws.need("organisations", p.body)
    province, city = province_and_city(body["region"])
    ws.put(
        "certificates",
        {
            "id": e.stream,
            "number": p.number,
            "holder_name": p.holder_name,
            "digest": p.identity.digest,
            "gender": None,
            "birth_date": None,
            "age_at_issue": None,
            "tier": p.tier.value,
            "body": p.body,
            "province": province,
            "city": city if p.tier.value == "municipal" else None,
            "trade": p.trade,
            "employer": p.employer,
            "industry_field": None,
            "tags": [],
            "issue_date": p.issue_date,
            "code_digest": p.code_digest,
            "cultivation": None,
            "nomination": None,
            "pilot": True,
            **_VALID,
            "version": e.version,
            "last_position": e.position,
        },
    )
    _entitle(ws, e.stream, p.benefits)
    evidence(ws, e, p.source_document, e.stream, "pilot")
    decided(ws, e, e.stream, {"number": p.number, "scheme": p.scheme})
    people.join(ws, p.identity.digest, e.stream, e.position)
    people.hold(ws, p.identity.digest, e.stream, e.position)


def delivered(ws: WorkingSet, e: Event) -> None:
    p: certificates.BenefitDelivered = e.payload
    certificate = ws.need("certificates", e.stream)
    stamp(certificate, e)
    ws.touch("certificates", certificate)
    row = ws.get("benefits", (e.stream, p.benefit.value))
    if row is None:
        row = {
            "certificate": e.stream,
            "benefit": p.benefit.value,
            "entitled": False,
            "deliveries": 0,
            "dates": [],
            "last_date": None,
            "ended_on": None,
        }
    _dated(row, "deliveries", p.date)
    ws.put("benefits", row)


def revoked(ws: WorkingSet, e: Event) -> None:
    """Art. 20: revocation executes an approved case; the benefits end on the effective date."""
    p: certificates.CertificateRevoked = e.payload
    certificate = ws.need("certificates", e.stream)
    case = ws.need("cases", p.case)
    certificate.update(
        status="revoked",
        revoked_on=p.effective,
        revocation_ground=case["ground"],
        revocation_case=p.case,
    )
    stamp(certificate, e)
    ws.touch("certificates", certificate)
    for benefit in certificates.Benefit:
        row = ws.get("benefits", (e.stream, benefit.value))
        if row is not None:
            row["ended_on"] = p.effective
            ws.touch("benefits", row)
    case.update(status="executed", certificate=e.stream, executed_at=e.time)
    ws.touch("cases", case)
    decided(ws, e, certificate["nomination"] or e.stream, {"case": p.case})
    people.refresh(ws, certificate["digest"], e.position)


HANDLERS = {
    "CultivationStarted": started,
    "CultivationExtended": extended,
    "MentorsChanged": mentors_changed,
    "ActivityRecorded": activity,
    "CultivationEnded": ended,
    "CultivationAssessed": assessed,
    "CertificateIssued": issued,
    "PilotCertificateImported": pilot_imported,
    "BenefitDelivered": delivered,
    "CertificateRevoked": revoked,
}
