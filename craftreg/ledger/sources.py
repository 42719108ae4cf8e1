"""What an auditor replays: the store's database, or an export bundle written from it.

Both give the same three streams (docs/ledger-format.md §7): the stored records in log order,
the leaf hashes the ledger recorded when each event was appended, and every checkpoint with
its cosignatures — streamed page by page or line by line, never loaded whole.

The export bundle is JSON Lines: a header, then the checkpoints (ascending size), the leaves
(ascending position), and the records (log order), each kind on lines of its own.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from queue import Full, Queue
from typing import Any, Protocol

import msgspec

from craftreg.domain.envelope import format_time
from craftreg.ledger.db import LedgerDB
from craftreg.ledger.ledger import Ledger

EXPORT_FORMAT = "craftreg/ledger-export/v1"
_PAGE = 1000


class SourceError(ValueError):
    """An export file cannot be read as one (not the format, a line that is not JSON...)."""


class Source(Protocol):
    def total(self) -> int:
        """How many records to expect (for progress only; nothing relies on it)."""

    def records(self) -> Iterator[bytes]: ...

    def leaves(self) -> Iterator[tuple[int, bytes]]: ...

    def checkpoints(self) -> Iterator[str]: ...


class DatabaseSource:
    """The store's tables, read in pages of their own order (notification id, position, size)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.db: LedgerDB = ledger.db

    def total(self) -> int:
        return int(self.db.query("SELECT count(*) FROM {stored_events}")[0][0])

    def head(self) -> int:
        row = self.db.query(f"SELECT max({self.db.events_id}) FROM {{stored_events}}")[0]
        return int(row[0] or 0)

    def records(self, upto: int | None = None) -> Iterator[bytes]:
        """Every stored record in log order, up to a notification id if given."""
        column = self.db.events_id
        query = (
            f"SELECT {column}, state FROM {{stored_events}}"
            f" WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?"
        )
        for rows in _read_ahead(self._pages(query, 0, upto)):
            for _, state in rows:
                yield bytes(state)

    def _pages(self, query: str, after: int, upto: int | None) -> Iterator[list[tuple[Any, ...]]]:
        limit = upto if upto is not None else 2**62
        while True:
            rows = self.db.query(query, (after, limit, _PAGE))
            yield rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def record_at(self, position: int) -> bytes | None:
        """The record the ledger logged at ``position``, found by its notification id."""
        rows = self.db.query(
            f"SELECT e.state FROM {{stored_events}} e JOIN {{ledger_leaves}} l"
            f" ON l.notification_id = e.{self.db.events_id} WHERE l.position = ?",
            (position,),
        )
        return bytes(rows[0][0]) if rows else None

    def leaves(self, upto: int | None = None) -> Iterator[tuple[int, bytes]]:
        query = (
            "SELECT position, leaf_hash FROM {ledger_leaves}"
            " WHERE position > ? AND position < ? ORDER BY position LIMIT ?"
        )
        for rows in _read_ahead(self._pages(query, -1, upto)):
            yield from ((int(p), bytes(h)) for p, h in rows)

    def checkpoints(self, upto: int | None = None) -> Iterator[str]:
        for size, note in self.ledger.checkpoints.all_served():
            if upto is not None and size > upto:
                return
            yield note

    def export(self, path: Path, origin: str, exported_at: str | None = None) -> dict[str, int]:
        """Write an export bundle of everything stored now; return how many lines of each."""
        head, leaves = self.head(), self.ledger.tree.stored_size()
        counts = {
            "events": int(
                self.db.query(
                    f"SELECT count(*) FROM {{stored_events}} WHERE {self.db.events_id} <= ?",
                    (head,),
                )[0][0]
            ),
            "leaves": leaves,
            "checkpoints": sum(1 for _ in self.checkpoints(leaves)),
        }
        header = {"format": EXPORT_FORMAT, "origin": origin, **counts}
        header["exported_at"] = exported_at or format_time(datetime.now(UTC))
        encode = msgspec.json.Encoder().encode
        with path.open("wb") as out:
            out.write(encode(header) + b"\n")
            for note in self.checkpoints(leaves):
                out.write(encode({"checkpoint": note}) + b"\n")
            for position, leaf in self.leaves(leaves):
                out.write(encode({"leaf": position, "hash": _b64(leaf)}) + b"\n")
            for record in self.records(head):
                out.write(encode({"record": _b64(record)}) + b"\n")
        return counts


class ExportSource:
    """An export bundle, read as three independent line streams over the same file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as file:
            header = _json(file.readline(), 1)
        if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
            raise SourceError(f"{path} is not a craftreg ledger export ({EXPORT_FORMAT})")
        self.header = header

    def total(self) -> int:
        events = self.header.get("events")
        return events if isinstance(events, int) else 0

    def records(self) -> Iterator[bytes]:
        for number, value in self._lines("record"):
            yield _unb64(value["record"], number)

    def leaves(self) -> Iterator[tuple[int, bytes]]:
        for number, value in self._lines("leaf"):
            position = value["leaf"]
            if not isinstance(position, int):
                raise SourceError(f"line {number}: a leaf's position is an integer")
            yield position, _unb64(value.get("hash"), number)

    def checkpoints(self) -> Iterator[str]:
        for number, value in self._lines("checkpoint"):
            if not isinstance(value["checkpoint"], str):
                raise SourceError(f"line {number}: a checkpoint is a signed note, as a string")
            yield value["checkpoint"]

    def _lines(self, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
        # Lines as written start with their kind's member, so most are told apart by
        # their first bytes; any other line is parsed to see what it is.
        mine = b'{"' + kind.encode() + b'":'
        with self.path.open("rb") as file:
            file.readline()
            for number, line in enumerate(file, start=2):
                if not line.strip():
                    continue
                if not line.startswith(mine) and line.startswith(_KNOWN):
                    continue
                value = _json(line, number)
                if isinstance(value, dict) and kind in value:
                    yield number, value
                elif not (isinstance(value, dict) and _KINDS & value.keys()):
                    raise SourceError(f"line {number} is not a checkpoint, leaf or record")


def _read_ahead(pages: Iterator[list[tuple[Any, ...]]], depth: int = 4) -> Iterator[list[Any]]:
    """Pages read on a thread of their own while the caller works on the previous ones: the
    database drivers release the GIL while they wait and decode, so reading overlaps replay."""
    queue: Queue[list[Any] | BaseException | None] = Queue(depth)
    stop = threading.Event()

    def put(item: list[Any] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False  # the reader has gone: drop the page

    def read() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(None)
        except BaseException as exc:  # handed to the reader, raised there
            put(exc)

    thread = threading.Thread(target=read, name="ledger-read-ahead", daemon=True)
    thread.start()
    try:
        while (page := queue.get()) is not None:
            if isinstance(page, BaseException):
                raise page
            yield page
    finally:
        stop.set()
        thread.join()


_KINDS = {"checkpoint", "leaf", "record"}
_KNOWN = tuple(b'{"' + kind.encode() + b'":' for kind in _KINDS)


def _json(line: bytes, number: int) -> Any:
    try:
        return msgspec.json.decode(line)
    except msgspec.DecodeError as exc:
        raise SourceError(f"line {number} is not JSON: {exc}") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any, number: int) -> bytes:
    try:
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    raise SourceError(f"line {number}: expected standard base64")
