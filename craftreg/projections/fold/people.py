"""People (人员) by identity digest: where each person stands, derived from their pipelines.

A person is known by the keyed hash of their identity number, never the number. Every
candidacy of theirs is a *pipeline* (a nomination and what follows it, or a certificate
imported from the 2024 pilot); the person's row shows the latest pipeline — its tier, its stage
and the details the nomination gave — and the highest tier of the certificates they still hold.
"""

from __future__ import annotations

from typing import Any

from craftreg.projections.fold.common import TIER_RANK
from craftreg.projections.working import Row, WorkingSet

# The stage of a candidacy while no cultivation has started, by the nomination's status.
NOMINATION_STAGE = {
    "submitted": "nominated",  # 已推荐, no review decision yet
    "returned": "under_review",  # 审核中: returned for correction (退回修改)
    "approved": "under_review",  # 审核中: approved, the list not yet determined
    "listed": "on_list",  # 入选名单 (Art. 9)
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "not_listed": "not_listed",  # approved, but the list was determined without it
}
CULTIVATION_STAGE = {
    "active": "in_cultivation",  # 培养中 (Art. 10–14)
    "passed": "assessed",  # 已考核 (Art. 15)
    "failed": "assessed",
    "ended_early": "ended",
}
CERTIFICATE_STAGE = {"valid": "certified", "revoked": "revoked"}  # 已认定 / 已撤销 (Art. 20)


def join(ws: WorkingSet, digest: str, pipeline: str, position: int) -> None:
    person = ws.get("people", digest)
    if person is None:
        person = ws.put("people", {"digest": digest, "pipelines": [], "certificates": []})
    person["pipelines"].append(pipeline)
    refresh(ws, digest, position)


def leave(ws: WorkingSet, digest: str, pipeline: str, position: int) -> None:
    """A pipeline no longer belongs to this person (an amendment corrected the identity)."""
    person = ws.need("people", digest)
    person["pipelines"].remove(pipeline)
    refresh(ws, digest, position)


def hold(ws: WorkingSet, digest: str, certificate: str, position: int) -> None:
    ws.need("people", digest)["certificates"].append(certificate)
    refresh(ws, digest, position)


def refresh(ws: WorkingSet, digest: str, position: int) -> None:
    """Where the person stands has changed; ``settle`` recomputes it before anyone reads it."""
    ws.mark_stale("people", digest, position)


def settle(ws: WorkingSet) -> None:
    stale = ws.stale.pop("people", None)
    for digest, position in (stale or {}).items():
        _recompute(ws, digest, position)


def _recompute(ws: WorkingSet, digest: str, position: int) -> None:
    """A person's row from their pipelines' rows."""
    person = ws.need("people", digest)
    if not person["pipelines"]:
        ws.delete("people", digest)
        return
    current = person["pipelines"][-1]
    nomination = ws.get("nominations", current)
    cultivation = certificate = None
    if nomination is None:
        certificate = ws.need("certificates", current)  # a pilot record
        source: Row = certificate
        stage = CERTIFICATE_STAGE[certificate["status"]]
    else:
        source = nomination
        if nomination["cultivation"]:
            cultivation = ws.need("cultivations", nomination["cultivation"])
            if cultivation["certificate"]:
                certificate = ws.need("certificates", cultivation["certificate"])
        if certificate is not None:
            stage = CERTIFICATE_STAGE[certificate["status"]]
        elif cultivation is not None:
            stage = CULTIVATION_STAGE[cultivation["status"]]
        else:
            stage = NOMINATION_STAGE[nomination["status"]]
    held = [ws.need("certificates", c) for c in person["certificates"]]
    valid = [c["tier"] for c in held if c["status"] == "valid"]
    fields: dict[str, Any] = {
        "name": source["name"] if nomination is not None else source["holder_name"],
        "gender": source["gender"],
        "birth_date": source["birth_date"],
        "province": source["province"],
        "city": source["city"],
        "employer": source["employer"],
        "trade": source["trade"],
        "industry_field": source["industry_field"],
        "tags": list(source["tags"]),
        "tier": source["tier"],
        "status": stage,
        "certified_tier": max(valid, key=TIER_RANK.__getitem__) if valid else None,
        "pipeline": current,
        "nomination": nomination["id"] if nomination is not None else None,
        "cultivation": cultivation["id"] if cultivation is not None else None,
        "certificate": certificate["id"] if certificate is not None else None,
        "last_position": position,
    }
    person.update(fields)
    ws.touch("people", person)
