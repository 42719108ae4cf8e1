"""The working set (工作集): view rows held in memory while events are folded into them.

Folding reads and writes rows by primary key only. A row not in memory is loaded from the
database once (``Loader``), unless the working set is *complete* — it started from empty views
and has seen every event since — in which case a missing row simply does not exist. Written
rows are marked dirty until the projector flushes them, with the tracking position, in one
transaction. Without a loader at all, the working set is the whole state in memory: that is how
a replay computes the state digest without any database.

Rows derived from other rows (a person's standing) are marked *stale* as events arrive and
recomputed once, by ``settle``, before the rows are written or read out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any, cast

from craftreg.projections.schema import VIEWS, View

Row = dict[str, Any]
Key = Any  # the value of a one-column key, or a tuple of the key's values
Loader = Callable[[View, Key], Row | None]


class Table:
    __slots__ = ("dirty", "key_of", "leading", "rows", "view")

    def __init__(self, v: View) -> None:
        self.view = v
        self.key_of: Callable[[Row], Key] = itemgetter(*v.key)
        # Keys in the order they were first changed (a dict keeps it, a set would not).
        self.dirty: dict[Key, None] = {}
        self.rows: dict[Key, Row | None] = {}
        self.leading: Callable[[Key], Any] | None = itemgetter(0) if len(v.key) > 1 else None


class WorkingSet:
    def __init__(self, loader: Loader | None = None) -> None:
        self.tables = {v.name: Table(v) for v in VIEWS}
        self.loader = loader
        self.complete = loader is None
        self.stale: dict[str, dict[Key, int]] = {}  # view -> key -> position of the last change
        self.settle: Callable[[WorkingSet], None] = lambda ws: None

    def get(self, name: str, key: Key) -> Row | None:
        rows = self.tables[name].rows
        if key in rows:
            return rows[key]
        row = None if self.complete or self.loader is None else self.loader(VIEW[name], key)
        rows[key] = row
        return row

    def need(self, name: str, key: Key) -> Row:
        """A row the log guarantees exists: the store admitted an event that refers to it."""
        row = self.get(name, key)
        if row is None:
            raise LookupError(f"view_{name} has no row {key!r}: the views do not match the log")
        return row

    def put(self, name: str, row: Row) -> Row:
        table = self.tables[name]
        key = table.key_of(row)
        table.rows[key] = row
        table.dirty[key] = None
        return row

    def touch(self, name: str, row: Row) -> None:
        """Mark a row changed in place."""
        table = self.tables[name]
        table.dirty[table.key_of(row)] = None

    def insert(self, name: str, row: Row) -> None:
        """Add a row unless one with its key exists: the first occurrence wins."""
        table = self.tables[name]
        key = table.key_of(row)
        if key not in table.rows:
            table.rows[key] = row
            table.dirty[key] = None

    def delete(self, name: str, key: Key) -> None:
        table = self.tables[name]
        table.rows[key] = None
        table.dirty[key] = None

    def mark_stale(self, name: str, key: Key, position: int) -> None:
        self.stale.setdefault(name, {})[key] = position

    def changes(self) -> Iterator[tuple[View, list[Row], list[Key]]]:
        """Per view: the rows to write, in the order of their key's leading column, and the
        keys to delete.

        Rows go into each B-tree in about its order, which keeps the writes local. Ordering
        by the leading column alone is several times cheaper than by whole composite keys,
        and keys that share it stay in the order they were changed: in the log's order, which
        is already the order of most composite keys (decisions by position, say)."""
        self.settle(self)
        for table in self.tables.values():
            if table.dirty:
                keys = sorted(table.dirty, key=table.leading)
                found = list(map(table.rows.__getitem__, keys))
                if all(found):  # no row is None (a row is never empty): nothing to delete
                    yield table.view, cast(list[Row], found), []
                    continue
                written = [row for row in found if row is not None]
                deleted = [key for key, row in zip(keys, found, strict=True) if row is None]
                yield table.view, written, deleted

    def flushed(self, keep_limit: int) -> None:
        """After a commit: nothing is dirty; forget rows never read back, or all if too many."""
        total = 0
        for table in self.tables.values():
            table.dirty.clear()
            if table.view.write_only and self.loader is not None:
                table.rows.clear()
            total += len(table.rows)
        if total > keep_limit and self.loader is not None:
            self.forget()

    def preload(self, rows: dict[str, list[Row]]) -> None:
        """Hold every row of the views read back (all but the write-only ones): complete."""
        for name, found in rows.items():
            table = self.tables[name]
            table.rows = {table.key_of(r): r for r in found}
            table.dirty.clear()
        self.stale.clear()
        self.complete = True

    def forget(self) -> None:
        """Drop every cached row; from now on a missing row is looked up in the database."""
        for table in self.tables.values():
            table.rows.clear()
            table.dirty.clear()
        self.stale.clear()
        self.complete = self.loader is None

    def rows(self, name: str) -> list[Row]:
        """Every row of a view, in key order (a complete working set only)."""
        assert self.complete, "only a complete working set holds every row"
        self.settle(self)
        rows = self.tables[name].rows
        return [r for r in map(rows.__getitem__, sorted(rows)) if r is not None]


VIEW = {v.name: v for v in VIEWS}
