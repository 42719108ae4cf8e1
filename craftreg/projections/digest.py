"""The state digest (状态摘要): one SHA-256 over the registry views at a tree size.

Construction (docs/ledger-format.md, "State digest")::

    digest = SHA-256( "craftreg/state/v1\n"
                      "size " N "\n"
                      for each view, in the order of schema.VIEWS:
                          "view " name " " count "\n"
                          for each row, in primary-key order:
                              JCS(row) "\n" )

``row`` is a JSON object with every column of the view: text as a string, integers, booleans,
JSON columns as their value, NULL as null. JCS is RFC 8785. Two replays of the same log prefix
get the same digest whatever database (or none) they folded into.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory

from craftreg.domain.envelope import canonical_lines
from craftreg.projections.codec import decode_row
from craftreg.projections.errors import BeyondTheLog
from craftreg.projections.fold import apply, working_set
from craftreg.projections.records import Event, decode
from craftreg.projections.schema import VIEWS, View
from craftreg.projections.tables import ViewTables
from craftreg.projections.working import Row, WorkingSet
from craftreg.settings import persistence_env

FORMAT = b"craftreg/state/v1\n"


def digest_views(size: int, rows_of: Callable[[View], Iterable[Row]]) -> str:
    h = hashlib.sha256(FORMAT)
    h.update(b"size %d\n" % size)
    for v in VIEWS:
        rows = list(rows_of(v))
        h.update(b"view %s %d\n" % (v.name.encode(), len(rows)))
        h.update(canonical_lines(rows))
    return h.hexdigest()


def digest_working_set(ws: WorkingSet, size: int) -> str:
    return digest_views(size, lambda v: ws.rows(v.name))


class Replay:
    """The views folded in memory, with no database, record by record — as an auditor's
    replay admits them — and their digest at any point."""

    def __init__(self) -> None:
        self.views = working_set()
        self.size = 0

    def add(self, record: bytes) -> None:
        self.add_event(decode(self.size, record))

    def add_event(self, event: Event) -> None:
        """Fold the next event of the log, already decoded (its position is set here)."""
        event.position = self.size
        apply(self.views, event)
        self.size += 1

    def digest(self) -> str:
        return digest_working_set(self.views, self.size)


def replay_digest(records: Iterable[bytes]) -> tuple[int, str]:
    """Fold records in memory and digest the views: (size, digest)."""
    replay = Replay()
    for record in records:
        replay.add(record)
    return replay.size, replay.digest()


def state_digest_at(database_url: str, size: int) -> str:
    """The digest of the views as they were when the log held ``size`` events."""
    factory = InfrastructureFactory.construct(persistence_env(database_url))
    try:
        recorder = factory.application_recorder()
        records = _prefix(recorder, size)
        folded, digest = replay_digest(records)
    finally:
        factory.close()
    if folded != size:
        raise BeyondTheLog(size, folded)
    return digest


def _prefix(recorder: Any, size: int) -> Iterable[bytes]:
    after, taken = 0, 0
    while taken < size:
        page = recorder.select_notifications(
            start=after, limit=min(1000, size - taken), inclusive_of_start=False
        )
        for n in page:
            yield n.state
            after, taken = n.id, taken + 1
        if not page:
            return


def live_digest(tables: ViewTables, name: str) -> tuple[int, str]:
    """The digest of the live views, read in one transaction with their cursor."""
    with tables.reading() as cursor:
        cursor.execute(tables.sql("SELECT position FROM {view_cursor} WHERE name = ?"), (name,))
        found = cursor.fetchall()
        size = int(found[0][0]) if found else 0

        def rows_of(v: View) -> list[Row]:
            cursor.execute(tables.sql(f"SELECT {', '.join(v.names)} FROM {{{v.table}}}"))
            rows = [decode_row(v, r) for r in cursor.fetchall()]
            key = _key(v)
            return sorted(rows, key=key)

        return size, digest_views(size, rows_of)


def _key(v: View) -> Callable[[Row], Any]:
    if len(v.key) == 1:
        name = v.key[0]
        return lambda row: row[name]
    return lambda row: tuple(row[k] for k in v.key)
