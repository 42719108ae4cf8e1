"""What every part of the fold shares: regions, tier ranks, the stream's version, provenance."""

from __future__ import annotations

from typing import Any

from craftreg.domain.regions import province_of
from craftreg.projections.records import Event
from craftreg.projections.working import Row, WorkingSet

TIER_RANK = {"municipal": 1, "provincial": 2, "national": 3}


def province_and_city(region: str | None) -> tuple[str | None, str | None]:
    """The provincial and prefecture codes a GB/T 2260 code lies in (330102 → 330000, 330100)."""
    if not region:
        return None, None
    city = None if region.endswith("0000") else region[:4] + "00"
    return province_of(region), city


def stamp(row: Row, e: Event) -> None:
    """The row of a record now stands at this event: its stream version and log position."""
    row["version"] = e.version
    row["last_position"] = e.position


def decided(ws: WorkingSet, e: Event, pipeline: str, detail: dict[str, Any] | None = None) -> None:
    """Provenance for discipline support (Art. 20): a decision in a candidate's pipeline.

    A pipeline is the chain of decisions about one candidacy: the nomination and its reviews,
    the list, the cultivation and its assessment, the certificate. It is named by the
    nomination's id, or by the certificate's id for a record imported from the 2024 pilot.
    """
    key = ws.get("keys", e.signer)
    ws.insert(
        "decisions",
        {
            "position": e.position,
            "pipeline": pipeline,
            "type": e.type,
            "stream": e.stream,
            "version": e.version,
            "time": e.time,
            "signer": e.signer,
            "actor": key["actor"] if key else None,
            "organisation": key["organisation"] if key else None,
            "detail": detail or {},
        },
    )


def evidence(ws: WorkingSet, e: Event, sha256: str, ref: str, kind: str) -> None:
    ws.insert("evidence", {"sha256": sha256, "ref": ref, "kind": kind, "position": e.position})


def age_on(birth_date: str | None, day: str) -> int | None:
    """Whole years of age on ``day`` (both YYYY-MM-DD)."""
    if not birth_date:
        return None
    years = int(day[:4]) - int(birth_date[:4])
    return years - 1 if day[5:] < birth_date[5:] else years


def lineage(ws: WorkingSet, organisation: str | None) -> list[str]:
    """The organisation and those above it, nearest first (Art. 3 jurisdictions)."""
    chain: list[str] = []
    while organisation is not None:
        chain.append(organisation)
        organisation = ws.need("organisations", organisation)["parent"]
    return chain
