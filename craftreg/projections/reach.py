"""Discipline support (退出机制, Art. 20): the whole reach of a falsified input.

Each candidacy is a pipeline of signed decisions (fold/common.py ``decided``): the nomination
and its amendments, the review decisions, the list, the cultivation and its assessment, the
certificate and its revocation. A decision depends on everything before it in its pipeline.
So the reach of an input — an evidence document, a recommending unit, an assessor, a signing
key — is, in every pipeline it entered, the decision where it entered and every later one.

A signing key also vouches for the keys it enrolled (登记) or put in place by a rotation
(更换), and for the keys of every actor whose roles it changed (角色调整) from that change on,
and they for theirs: every decision signed by one of them rests on it too, so the reach of a
key follows those edges down to their last key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from craftreg.projections.errors import (
    MalformedEvidenceHash,
    MalformedKeyId,
    NoReachCriterion,
    SeveralReachCriteria,
    UnknownReachInput,
)
from craftreg.projections.schema import CERTIFICATES, DECISIONS, NOMINATIONS
from craftreg.projections.tables import ViewTables

_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")


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


class FollowedKey(msgspec.Struct, frozen=True, kw_only=True):
    """A signing key whose decisions the reach takes in, and why (经办人密钥)."""

    key: str
    actor: str | None
    name: str | None  # the actor's
    # "signed": the key asked about, or an assessor's own; "enrolled", "granted": see ``via``
    how: str
    # the followed key that signed this one's enrolment or rotation ("enrolled"), or the
    # change of its actor's roles ("granted")
    via: str | None = None
    enrolled_at: int | None = None  # the log position of this key's enrolment or rotation
    # "granted": the log position of that change; the key's decisions count from there on
    granted_at: int | None = None


class Reach(msgspec.Struct, frozen=True, kw_only=True):
    criterion: str  # evidence / unit / assessor / signer
    value: str
    keys: list[FollowedKey]  # whose signatures were followed (assessor, signer)
    pipelines: list[Pipeline]
    cases: list[str]  # discipline cases that cite the evidence

    @property
    def decision_count(self) -> int:
        return sum(len(p.decisions) for p in self.pipelines)


def criterion(
    *,
    evidence: str | None = None,
    unit: str | None = None,
    assessor: str | None = None,
    signer: str | None = None,
) -> tuple[str, str]:
    """The one input a discipline query names, checked for form: (criterion, value)."""
    named = {"evidence": evidence, "unit": unit, "assessor": assessor, "signer": signer}
    given = [(name, value) for name, value in named.items() if value is not None]
    if not given:
        raise NoReachCriterion()
    if len(given) > 1:
        raise SeveralReachCriteria([name for name, _ in given])
    [(name, value)] = given
    if name in ("evidence", "signer"):  # hex, as file-hash tools print it in either case
        value = value.strip().lower()
    if name == "evidence" and not _SHA256.fullmatch(value):
        raise MalformedEvidenceHash()
    if name == "signer" and not _KEY_ID.fullmatch(value):
        raise MalformedKeyId()
    return name, value


def of(tables: ViewTables, criterion: str, value: str) -> Reach:
    """The reach of the input :func:`criterion` checked."""
    return _OF[criterion](tables, value)


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
        keys=[],
        pipelines=_pipelines(tables, entries),
        cases=cases,
    )


def of_unit(tables: ViewTables, unit: str) -> Reach:
    """Every candidacy a recommending unit put forward, from its nomination on."""
    if not tables.query("SELECT id FROM {view_organisations} WHERE id = ?", (unit,)):
        raise UnknownReachInput("单位", "organisation", unit)
    entries = _entries(
        tables, "pipeline IN (SELECT id FROM {view_nominations} WHERE unit = ?)", (unit,)
    )
    return Reach(
        criterion="unit",
        value=unit,
        keys=[],
        pipelines=_pipelines(tables, entries),
        cases=[],
    )


# The keys a key vouched for, itself first, each with the log position (``since``) from which
# its decisions rest on that key. A key vouches for the keys it enrolled or rotated in
# (``enrolled_by``) and for the keys of each actor whose roles it changed — the key the actor
# held then and any it holds later, since those roles are still the change's. A key reached
# at ``since`` vouches only through what it signed from then on: an enrolment or a change of
# roles it signed before rests on something else. One key may be reached by several routes;
# UNION keeps each (key, via, since, how) once, and there are finitely many, so the recursion
# ends even where registrars changed each other's roles.
_VOUCHED = (
    "WITH RECURSIVE edges(key, via, since, how) AS ("
    "SELECT key, enrolled_by, enrolled_at, 'enrolled' FROM {view_keys}"
    " WHERE enrolled_by IS NOT NULL"
    " UNION ALL SELECT k.key, r.signer, r.position, 'granted' FROM {view_role_changes} r"
    " JOIN {view_keys} k ON k.actor = r.actor"
    " AND (k.retired_at IS NULL OR k.retired_at > r.position)),"
    " vouched(key, via, since, how) AS ("
    "SELECT CAST(? AS TEXT), CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST('signed' AS TEXT)"
    " UNION SELECT e.key, e.via, e.since, e.how FROM edges e"
    " JOIN vouched v ON e.via = v.key AND e.since >= v.since) "
)


def of_signer(tables: ViewTables, key: str) -> Reach:
    """Every candidacy a key — or a key it vouched for, at any remove — signed a decision in,
    from the first such decision on."""
    rows = tables.query(
        _VOUCHED + "SELECT v.key, v.via, v.since, v.how, k.actor, a.name, k.enrolled_at"
        " FROM vouched v LEFT JOIN {view_keys} k ON k.key = v.key"
        " LEFT JOIN {view_actors} a ON a.id = k.actor ORDER BY v.since, v.key",
        (key,),
    )
    earliest: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        earliest.setdefault(row[0], row)
    if earliest[key][4] is None:
        raise UnknownReachInput("密钥", "key", key)
    followed = [
        FollowedKey(
            key=k,
            actor=actor,
            name=name,
            how=how,
            via=via,
            enrolled_at=enrolled_at,
            granted_at=since if how == "granted" else None,
        )
        for k, via, since, how, actor, name, enrolled_at in earliest.values()
    ]
    entries = _entries(
        tables,
        "signer IN (SELECT key FROM vouched)"
        " AND position >= (SELECT MIN(since) FROM vouched WHERE key = signer)",
        (key,),
        _VOUCHED,
    )
    return Reach(
        criterion="signer",
        value=key,
        keys=followed,
        pipelines=_pipelines(tables, entries),
        cases=[],
    )


def of_assessor(tables: ViewTables, assessor: str) -> Reach:
    """Every assessment an assessor signed — given as an actor id or one of their key ids —
    and what rests on it (Art. 15: the certificate)."""
    rows = _keys_where(tables, "actor", assessor) or _keys_where(tables, "key", assessor)
    if not rows:
        raise UnknownReachInput("考核人或密钥", "actor or key", assessor)
    keys = [
        FollowedKey(key=k, actor=actor, name=name, how="signed", enrolled_at=enrolled_at)
        for k, actor, name, enrolled_at in rows
    ]
    marks = ", ".join("?" for _ in keys)
    entries = _entries(
        tables,
        f"signer IN ({marks}) AND type = ?",
        [*(k.key for k in keys), "CultivationAssessed"],
    )
    return Reach(
        criterion="assessor",
        value=assessor,
        keys=keys,
        pipelines=_pipelines(tables, entries),
        cases=[],
    )


_OF: dict[str, Callable[[ViewTables, str], Reach]] = {
    "evidence": of_evidence,
    "unit": of_unit,
    "assessor": of_assessor,
    "signer": of_signer,
}


def _keys_where(tables: ViewTables, column: str, value: str) -> list[tuple[Any, ...]]:
    return tables.query(
        "SELECT k.key, k.actor, a.name, k.enrolled_at FROM {view_keys} k"
        f" LEFT JOIN {{view_actors}} a ON a.id = k.actor WHERE k.{column} = ?"
        " ORDER BY k.enrolled_at",
        (value,),
    )


def _entries(
    tables: ViewTables, where: str, params: Sequence[Any], prefix: str = ""
) -> dict[str, int]:
    """The first position, per pipeline, of a decision matching ``where``."""
    rows = tables.query(
        f"{prefix}SELECT pipeline, MIN(position) FROM {{view_decisions}} WHERE {where}"
        " GROUP BY pipeline",
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
