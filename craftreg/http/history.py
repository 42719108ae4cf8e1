"""History out (记录历史): the signed events of one record, and the ledger's entries, with proofs.

* ``GET /v1/streams/{stream}/events`` — every signed event of one record, in version order,
  each with its leaf index, its stored bytes (base64: the leaf is their hash) and an RFC 9162
  inclusion proof against the latest checkpoint, whose signed note comes with the answer. An
  event not yet under a checkpoint gets one signed on the spot (the log key permitting), so a
  proof is never missing for lack of a tick of the publisher. With ``?size=N`` the proofs are
  against the published checkpoint of size N instead — a cosigned one the client trusts —
  and events after it come without a proof.
  Signed reads: an auditor reads any record; any other enrolled actor reads the records of
  organisations it stands at or above (its jurisdiction: the record's cultivating body, the
  organisation itself, an actor's organisation, a report's provincial federation). Records
  with no organisation — the genesis, policies, the log key — are for auditors.
* ``GET /v1/ledger/entries?start=&end=`` — the stored records at leaf indexes ``[start, end)``
  (at most :data:`MAX_ENTRIES`), with their leaf hashes; auditors only.
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.domain.envelope import from_record
from craftreg.domain.errors import OutsideJurisdiction
from craftreg.domain.state import RegistryState
from craftreg.http.ledger import checkpoint_size
from craftreg.http.problems import BadRequest, NotFound, error_responses
from craftreg.http.signatures import Requester, signed_by
from craftreg.ledger.checkpoints import Published
from craftreg.ledger.ledger import Ledger

MAX_ENTRIES = 1000


class LoggedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One signed event as the ledger holds it; ``inclusion`` is against the answer's checkpoint."""

    leaf_index: int
    leaf_hash: str
    record: str  # the stored bytes, base64: leaf_hash = SHA-256(0x00 || record)
    event: dict[str, Any]  # the same record as JSON: {"envelope", "signature"}
    inclusion: list[str] | None = None  # None: no checkpoint covers it (no log key yet)


class StreamHistory(msgspec.Struct, frozen=True, kw_only=True):
    stream: str
    checkpoint: str | None  # the signed note (C2SP tlog-checkpoint), cosignatures included
    checkpoint_size: int
    events: list[LoggedEvent]


class LedgerEntries(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int  # exclusive; less than asked when the tree is not that large yet
    entries: list[LoggedEvent]


_EXAMPLE_RECORD = (
    b'{"envelope":{"stream":"4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10","version":1,'
    b'"type":"RoundAnnounced","time":"2027-01-04T09:00:00.000000Z","payload":{},'
    b'"signer":"5f0c3d2e8a9b4c1d7e6f5a4b3c2d1e0f"},"signature":"..."}'
)
_EXAMPLE_EVENT = LoggedEvent(
    leaf_index=17,
    leaf_hash="n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
    record=base64.b64encode(_EXAMPLE_RECORD).decode(),
    event=msgspec.json.decode(_EXAMPLE_RECORD),
    inclusion=["jWHD4tqxcM8+2U9Yb/kMr2+tg4sGz8rS4mPnY0vEj3Q="],
)
_EXAMPLE_NOTE = (
    "craftreg.example/registry\n18\nNgVHDl5BcTSk0ghLh1Jy8+1pQ8l+ieTPbLhpVZSJMH4=\n\n"
    "— craftreg.example/registry Az3grlgB…\n"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _stream_rows(ledger: Ledger, stream: str) -> list[tuple[int, bytes]]:
    """(leaf index, stored record) of every event of ``stream``, in version order."""
    db = ledger.db
    key: Any = uuid.UUID(stream)
    if db.backend == "sqlite":
        key = key.hex  # eventsourcing keeps SQLite originator ids as hex text
    rows = db.query(
        f"SELECT l.position, e.state FROM {{stored_events}} e JOIN {{ledger_leaves}} l"
        f" ON l.notification_id = e.{db.events_id} WHERE e.originator_id = ?"
        " ORDER BY e.originator_version",
        (key,),
    )
    return [(int(position), bytes(state)) for position, state in rows]


def _entry(ledger: Ledger, index: int, record: bytes, size: int) -> LoggedEvent:
    inclusion: list[str] | None = None
    if index < size:
        leaf, proof = ledger.inclusion_proof(index, size)
        inclusion = [_b64(h) for h in proof]
    else:
        (leaf,) = ledger.tree.leaf_hashes(index, index + 1)
    return LoggedEvent(
        leaf_index=index,
        leaf_hash=_b64(leaf),
        record=_b64(record),
        event=from_record(record).to_wire(),
        inclusion=inclusion,
    )


def _organisation_of(state: RegistryState, stream: str) -> str | None:
    """The organisation whose jurisdiction covers a record (None: auditors only)."""
    life, chain = state.lifecycle, state.chain
    for records in (life.rounds, life.cultivations, life.certificates, life.cases):
        found = records.get(stream)
        if found is not None:
            return str(found.body)
    if stream in life.nominations:
        return life.rounds[life.nominations[stream].round].body
    if stream in life.reports:
        return chain.province_federations.get(life.reports[stream].province)
    if stream in chain.organisations:
        return stream
    if stream in chain.actors:
        return chain.actors[stream].organisation
    return None


def _require_jurisdiction(state: RegistryState, requester: Requester, stream: str) -> None:
    if Role.AUDITOR in requester.roles:
        return
    over = _organisation_of(state, stream)
    if over is None or requester.organisation not in state.chain.lineage(over):
        raise OutsideJurisdiction(
            f"{requester.name} 所在单位对记录 {stream} 没有管辖权；审计员可查看全部记录。",
            f"{requester.name}'s organisation has no jurisdiction over record {stream}; "
            "auditors may read every record.",
        )


@get(
    "/v1/streams/{stream:str}/events",
    guards=[signed_by()],
    sync_to_thread=True,
    summary="记录历史 A record's signed events with inclusion proofs (signed read)",
    tags=["streams"],
    security=[{"httpSignature": []}],
    responses={
        200: ResponseSpec(
            data_container=StreamHistory,
            description="The record's events, each provable against the checkpoint given.",
            examples=[
                Example(
                    value=msgspec.to_builtins(
                        StreamHistory(
                            stream="4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10",
                            checkpoint=_EXAMPLE_NOTE,
                            checkpoint_size=18,
                            events=[_EXAMPLE_EVENT],
                        )
                    )
                )
            ],
        ),
        **error_responses(400, 401, 403, 404),
    },
)
def stream_events(
    registry: NamedDependency[Registry],
    requester: NamedDependency[Requester],
    stream: Annotated[str, Parameter(max_length=64, description="the record's id (UUID)")],
    size: Annotated[
        str | None,
        Parameter(
            description="prove against the published checkpoint of this tree size, one the "
            "client holds (default: the latest)"
        ),
    ] = None,
) -> StreamHistory:
    state = registry.store.refresh()
    if state.versions.get(stream, 0) == 0:
        raise NotFound(f"没有记录 {stream}。", f"there is no record {stream}.")
    _require_jurisdiction(state, requester, stream)
    ledger = registry.store.ledger
    rows = _stream_rows(ledger, stream)
    if size is not None:
        chosen: Published | None = ledger.published(checkpoint_size(size))
    else:
        chosen = ledger.checkpoints.latest()
        if rows and (chosen is None or chosen.checkpoint.size <= rows[-1][0]):
            registry.store.publish_checkpoint()
            chosen = ledger.checkpoints.latest()
    tree_size = chosen.checkpoint.size if chosen is not None else 0
    return StreamHistory(
        stream=stream,
        checkpoint=ledger.checkpoints.served(chosen) if chosen is not None else None,
        checkpoint_size=tree_size,
        events=[_entry(ledger, index, record, tree_size) for index, record in rows],
    )


@get(
    "/v1/ledger/entries",
    guards=[signed_by(Role.AUDITOR)],
    sync_to_thread=True,
    summary="账本条目 Stored records by leaf index (auditors)",
    tags=["ledger"],
    security=[{"httpSignature": []}],
    responses={
        200: ResponseSpec(
            data_container=LedgerEntries,
            description=f"The records at leaf indexes [start, end), at most {MAX_ENTRIES}.",
            examples=[
                Example(
                    value=msgspec.to_builtins(
                        LedgerEntries(
                            start=17,
                            end=18,
                            entries=[msgspec.structs.replace(_EXAMPLE_EVENT, inclusion=None)],
                        )
                    )
                )
            ],
        ),
        **error_responses(400, 401, 403),
    },
)
def ledger_entries(
    registry: NamedDependency[Registry],
    start: Annotated[int, Parameter(ge=0, le=2**62, description="the first leaf index")],
    end: Annotated[int, Parameter(ge=1, le=2**62, description="one past the last leaf index")],
) -> LedgerEntries:
    if not start < end <= start + MAX_ENTRIES:
        raise BadRequest(
            f"须 start < end ≤ start + {MAX_ENTRIES}。",
            f"need start < end <= start + {MAX_ENTRIES}, got {start} and {end}.",
        )
    db = registry.store.ledger.db
    rows = db.query(
        f"SELECT l.position, l.leaf_hash, e.state FROM {{ledger_leaves}} l JOIN {{stored_events}} e"
        f" ON l.notification_id = e.{db.events_id} WHERE l.position >= ? AND l.position < ?"
        " ORDER BY l.position",
        (start, end),
    )
    entries = [
        LoggedEvent(
            leaf_index=int(position),
            leaf_hash=_b64(bytes(leaf)),
            record=_b64(bytes(state)),
            event=from_record(bytes(state)).to_wire(),
        )
        for position, leaf, state in rows
    ]
    return LedgerEntries(start=start, end=start + len(entries), entries=entries)


ROUTES: tuple[HTTPRouteHandler, ...] = (stream_events, ledger_entries)
