"""Discipline support (退出机制, Art. 20): the whole reach of a falsified input.

Each candidacy is a pipeline of signed decisions (fold/common.py ``decided``): the nomination
and its amendments, the review decisions, the list, the cultivation and its assessment, the
certificate and its revocation. A decision depends on everything before it in its pipeline.
So the reach of an input — an evidence document, a recommending unit, an assessor, a signing
key — is, in every pipeline it entered, the decision where it entered and every later one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from craftreg.projections.schema import CERTIFICATES, DECISIONS, NOMINATIONS
from craftreg.projections.tables import ViewTables


class Dependent(msgspec.Struct, frozen=True, kw_only=True):
    """One signed decision that depends on the input."""

    position: int  # log position (ledger leaf index)
    type: str
    stream: str
    time: str
    signer: str
    actor: str | None
    detail: dict[str, Any]


class Pipeline(msgspec.Struct, frozen=True, kw_only=True):
    """A candidacy the input entered, and what depends on it there."""

    pipeline: str  # the nomination id, or the certificate id of a pilot record
    digest: str
    name: str
    tier: str
    nomination_status: str | None
    tainted: bool
    certificates: list[str]  # numbers
    entered_at: int  # the log position where the input entered the pipeline
    decisions: list[Dependent]


class Reach(msgspec.Struct, frozen=True, kw_only=True):
    criterion: str  # evidence / unit / assessor / signer
    value: str
    pipelines: list[Pipeline]
    cases: list[str]  # discipline cases that cite the evidence

    @property
    def decision_count(self) -> int:
        return sum(len(p.decisions) for p in self.pipelines)


def of_evidence(tables: ViewTables, sha256: str) -> Reach:
    """Every candidacy whose nomination (or pilot record) cited the document."""
    rows = tables.query(
        "SELECT ref, kind, MIN(position) FROM {view_evidence} WHERE sha256 = ? GROUP BY ref, kind",
        (sha256,),
    )
    entries = {ref: first for ref, kind, first in rows if kind != "case"}
    cases = sorted(ref for ref, kind, _ in rows if kind == "case")
    return Reach(
        criterion="evidence",
        value=sha256,
        pipelines=_pipelines(tables, entries),
        cases=cases,
    )


def of_unit(tables: ViewTables, unit: str) -> Reach:
    """Every candidacy a recommending unit put forward, from its nomination on."""
    rows = tables.query("SELECT id FROM {view_nominations} WHERE unit = ?", (unit,))
    return Reach(
        criterion="unit",
        value=unit,
        pipelines=_pipelines(tables, {nomination: 0 for (nomination,) in rows}),
        cases=[],
    )


def of_signer(tables: ViewTables, key: str) -> Reach:
    """Every candidacy a key signed a decision in, from that decision on."""
    return Reach(
        criterion="signer",
        value=key,
        pipelines=_pipelines(tables, _entries(tables, [key], None)),
        cases=[],
    )


def of_assessor(tables: ViewTables, assessor: str) -> Reach:
    """Every assessment an assessor signed — given as an actor id or one of their key ids —
    and what rests on it (Art. 15: the certificate)."""
    keys = [k for (k,) in tables.query("SELECT key FROM {view_keys} WHERE actor = ?", (assessor,))]
    entries = _entries(tables, keys or [assessor], "CultivationAssessed")
    return Reach(
        criterion="assessor", value=assessor, pipelines=_pipelines(tables, entries), cases=[]
    )


def _entries(tables: ViewTables, keys: Sequence[str], type_: str | None) -> dict[str, int]:
    marks = ", ".join("?" for _ in keys)
    where = f"signer IN ({marks})" + (" AND type = ?" if type_ else "")
    params = [*keys, *([type_] if type_ else [])]
    rows = tables.query(
        f"SELECT pipeline, MIN(position) FROM {{view_decisions}} WHERE {where} GROUP BY pipeline",
        params,
    )
    return {pipeline: int(first) for pipeline, first in rows}


def _pipelines(tables: ViewTables, entries: dict[str, int]) -> list[Pipeline]:
    result = []
    for pipeline, entered in sorted(entries.items(), key=lambda item: (item[1], item[0])):
        decisions = tables.select(
            DECISIONS,
            " WHERE pipeline = ? AND position >= ? ORDER BY position",
            (pipeline, entered),
        )
        nomination = tables.load(NOMINATIONS, pipeline)
        certificates = tables.select(
            CERTIFICATES,
            " WHERE nomination = ? OR id = ? ORDER BY issue_date, number",
            (pipeline, pipeline),
        )
        source = nomination or certificates[0]
        result.append(
            Pipeline(
                pipeline=pipeline,
                digest=source["digest"],
                name=source["name"] if nomination else source["holder_name"],
                tier=source["tier"],
                nomination_status=nomination["status"] if nomination else None,
                tainted=bool(source["tainted"]),
                certificates=[c["number"] for c in certificates],
                entered_at=entered,
                decisions=[
                    Dependent(
                        position=d["position"],
                        type=d["type"],
                        stream=d["stream"],
                        time=d["time"],
                        signer=d["signer"],
                        actor=d["actor"],
                        detail=d["detail"],
                    )
                    for d in decisions
                ],
            )
        )
    return result
