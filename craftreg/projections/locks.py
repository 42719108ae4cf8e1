"""One projector writes the views at a time, across threads and processes.

Its cached rows are only valid while nobody else writes the views (projector.py), so a
catch-up holds this lock from reading the cursor to its last commit: a PostgreSQL advisory
lock keyed by schema, or an exclusive lock on a file beside the SQLite database.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eventsourcing.postgres import PostgresDatastore


class ProjectorLock:
    def __init__(self, env: dict[str, str], datastore: PostgresDatastore | None) -> None:
        self._pg = datastore
        dbname = env.get("SQLITE_DBNAME", "")
        # an in-memory database (a replay of the past) lives in this process only
        self._path = (
            None if not dbname or dbname.startswith("file:") else Path(f"{dbname}.views.lock")
        )
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def held(self, *, wait: bool = True) -> Iterator[bool]:
        """Yields whether the lock was taken (always, when ``wait``)."""
        if not self._thread_lock.acquire(blocking=wait):
            yield False
            return
        try:
            if self._pg is not None:
                with self._pg.get_connection() as conn:
                    yield from _advisory(conn, self._pg.schema, wait)
            elif self._path is not None:
                with self._path.open("a+b") as handle:
                    yield from _flock(handle, wait)
            else:
                yield True
        finally:
            self._thread_lock.release()


def _advisory(conn: Any, schema: str, wait: bool) -> Iterator[bool]:
    digest = hashlib.sha256(f"craftreg-views:{schema}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
    row = conn.execute(f"SELECT {function}(%s)", (key,)).fetchone()
    taken = wait or bool(next(iter(row.values())))
    try:
        yield taken
    finally:
        if taken:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _flock(handle: Any, wait: bool) -> Iterator[bool]:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        yield False
        return
    try:
        yield True
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
