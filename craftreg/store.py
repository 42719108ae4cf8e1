"""The signed event store (签名事件库) on eventsourcing's recorders, SQLite or PostgreSQL.

Appends are serialised across threads and processes (an advisory lock on PostgreSQL, a file
lock on SQLite), so that each append is checked against the whole log as committed before
it: the store first reads any events other writers added, folds them into the registry
state, admits the new event, writes it, and only then applies it to the state. Still under
the lock, the event becomes the next leaf of the audit ledger's Merkle tree, and a signed
checkpoint follows when one is due (craftreg/ledger/ledger.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    StoredEvent,
)

from craftreg.collector import collector_paused
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.errors import VersionConflict
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import Published
from craftreg.ledger.ledger import Ledger
from craftreg.ledger.precheck import (
    OK,
    PARALLEL_FROM,
    Prechecker,
    cores,
    parse_record,
    trusted_record,
)
from craftreg.settings import backend_of, persistence_env

_PAGE = 1000


@dataclass(frozen=True)
class Appended:
    """Where an accepted event now stands: its stream version and its log position (leaf)."""

    stream: str
    version: int
    position: int


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    notification_id: int
    record: bytes

    @property
    def signed(self) -> SignedEvent:
        """The record parsed with ``from_record``'s verdicts, several times faster: the whole
        log is parsed so when a store opens."""
        return parse_record(self.record)


class EventStore:
    """Appends signed events after admission, and reads them back byte for byte.

    ``log_key`` signs the ledger's checkpoints once it is published in the log
    (``LogKeyPublished``); without it the tree is kept but no checkpoint is signed.
    """

    def __init__(self, database_url: str, log_key: Signer | None = None) -> None:
        self.database_url = database_url
        self.backend = backend_of(database_url)
        env = persistence_env(database_url)
        if self.backend == "postgres":
            _ensure_schema(database_url, env["POSTGRES_SCHEMA"])
        self._factory = InfrastructureFactory.construct(env)
        self.recorder: ApplicationRecorder = self._factory.application_recorder()
        self._lock = _lock_for(database_url, env)
        self._thread_lock = threading.Lock()
        self.state: RegistryState = new_state()
        self._last_notification = 0
        self.ledger = Ledger(self.recorder, log_key)

    def close(self) -> None:
        self._lock.close()
        self._factory.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, signed: SignedEvent) -> Appended:
        """Admit and store one signed event, or raise and store nothing."""
        with self._thread_lock, self._lock.held(self._last_notification) as seen:
            self._catch_up(seen)
            self.ledger.sync(self.state.position, self._read_after)
            change = self.state.admit(signed)
            envelope = signed.envelope
            stored = StoredEvent(
                originator_id=UUID(envelope.stream),
                originator_version=envelope.version,
                topic=envelope.type,
                state=signed.record,
            )
            try:
                ids = self.recorder.insert_events([stored])
            except IntegrityError:
                # Only a writer that bypassed the lock can get here; report what is stored.
                current = self.stream_version(envelope.stream)
                raise VersionConflict(envelope.stream, envelope.version, current) from None
            position = self.state.position
            change()
            assert ids, "the application recorder returns notification ids"
            self._last_notification = ids[-1]
            self.ledger.record(position, ids[-1], signed.record)
            self.ledger.publish_due(self.state)
            return Appended(envelope.stream, envelope.version, position)

    def publish_checkpoint(self) -> Published | None:
        """Sign a checkpoint of the whole log now, unless the last one already covers it."""
        with self._thread_lock, self._lock.held(self._last_notification) as seen:
            self._catch_up(seen)
            self.ledger.sync(self.state.position, self._read_after)
            return self.ledger.publish(self.state)

    def refresh(self) -> RegistryState:
        """Fold into the state whatever other writers have appended since."""
        with self._thread_lock:
            self._catch_up()
            return self.state

    def _catch_up(self, seen: Seen | None = None) -> None:
        """Fold in what other writers appended: the first page of it comes with the lock
        when the lock reads it (``seen``), the rest is read from the log."""
        if seen is not None:
            followed = []
            for notification_id, record in seen.newer:
                followed.append((self.state.position, notification_id, record))
                self.state.apply(parse_record(record))
                self._last_notification = notification_id
            self.ledger.follow(followed, seen.leaves)
            if len(seen.newer) < _PAGE:
                return
        logged = self._read_after(self._last_notification, self.state.position)
        opening = self.state.position == 0
        with collector_paused():  # when a store opens, this folds in the whole log
            if opening and (self.recorder.max_notification_id() or 0) >= PARALLEL_FROM:
                self._fold_checked(logged)
                return
            for event in logged:
                self.state.apply(event.signed)
                self._last_notification = event.notification_id

    def _fold_checked(self, logged: Iterator[LoggedEvent]) -> None:
        """Fold in a long log (a store opening) with its signatures checked ahead in threads,
        on every core, as an auditor's replay checks them: the verdicts are the same."""
        prechecker = Prechecker(cores(), threads=True)
        ids: deque[int] = deque()

        def records() -> Iterator[bytes]:
            for event in logged:
                ids.append(event.notification_id)
                yield event.record

        checked = prechecker(records())
        try:
            for record, verdict in checked:
                signed = trusted_record(record) if verdict == OK else parse_record(record)
                verified = verdict == OK and prechecker.vouches(signed, self.state.chain)
                self.state.admit(signed, verified=verified)()
                self._last_notification = ids.popleft()
        finally:
            checked.close()

    def log(self) -> Iterator[LoggedEvent]:
        """Every stored event in log order, streamed page by page."""
        return self._read_after(0, 0)

    def _read_after(self, notification_id: int, position: int) -> Iterator[LoggedEvent]:
        while True:
            page = self.recorder.select_notifications(
                start=notification_id, limit=_PAGE, inclusive_of_start=False
            )
            for n in page:
                yield LoggedEvent(position, n.id, n.state)
                position += 1
                notification_id = n.id
            if len(page) < _PAGE:
                return

    def stream(self, stream: str) -> list[SignedEvent]:
        return [parse_record(s.state) for s in self.recorder.select_events(UUID(stream))]

    def stream_version(self, stream: str) -> int:
        last = self.recorder.select_events(UUID(stream), desc=True, limit=1)
        return last[0].originator_version if last else 0

    def count(self) -> int:
        return self.refresh().position


@dataclass(frozen=True)
class Seen:
    """What a writer finds on taking the lock: the first page of events committed after the
    notification id it last saw, as (notification id, record), and how many leaves the
    ledger's tree holds."""

    newer: Sequence[tuple[int, bytes]]
    leaves: int


class _Lock:
    """Serialises appends. ``acquire(after)`` may return what it :class:`Seen` of the events
    committed after notification id ``after``, if it reads them with the lock."""

    def acquire(self, after: int) -> Seen | None:
        return None

    def release(self) -> None:
        return None

    def close(self) -> None:
        return None

    @contextlib.contextmanager
    def held(self, after: int = 0) -> Iterator[Seen | None]:
        seen = self.acquire(after)
        try:
            yield seen
        finally:
            self.release()


class _FileLock(_Lock):
    """An exclusive lock on a file beside the SQLite database, shared by every process."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a+b")

    def acquire(self, after: int) -> Seen | None:
        fcntl.flock(self._file, fcntl.LOCK_EX)
        return None

    def release(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        self._file.close()


class _AdvisoryLock(_Lock):
    """A PostgreSQL session advisory lock, keyed by schema, on a connection of its own.

    Taking the lock reads, in the same round trip, the events other writers committed since
    this one last looked: every writer commits before it unlocks, so nothing can be added
    in between. They are read by a second statement, pipelined after the lock: a subquery
    of the locking statement would read the snapshot taken before the lock was granted,
    missing a commit made while this writer waited.
    """

    def __init__(self, conninfo: str, schema: str, events: str, leaves: str) -> None:
        self._conninfo = conninfo
        digest = hashlib.sha256(f"craftreg-append:{schema}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)
        self._newer = psycopg.sql.SQL(
            "SELECT notification_id, state FROM {} WHERE notification_id > %s"
            " ORDER BY notification_id LIMIT %s"
        ).format(psycopg.sql.Identifier(*filter(None, (schema, events))))
        self._leaves = psycopg.sql.SQL("SELECT max(position) FROM {}").format(
            psycopg.sql.Identifier(*filter(None, (schema, leaves)))
        )
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def acquire(self, after: int) -> Seen | None:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
            # Each statement must see what was committed before it started, whatever the
            # server's default: under repeatable read the read after the lock would keep
            # the snapshot taken before the lock was granted.
            self._conn.execute("SET default_transaction_isolation = 'read committed'")
        try:
            with self._conn.pipeline():
                self._conn.execute("SELECT pg_advisory_lock(%s)", (self._key,))
                newer = self._conn.execute(self._newer, (after, _PAGE))
                leaves = self._conn.execute(self._leaves)
            found = leaves.fetchone()
            return Seen(
                [(int(n), bytes(record)) for n, record in newer.fetchall()],
                0 if found is None or found[0] is None else int(found[0]) + 1,
            )
        except BaseException:
            # The lock may be granted even though what follows failed: ending the session is
            # the one sure way to let it go, so that no other writer waits for it forever.
            self._conn.close()
            raise

    def release(self) -> None:
        assert self._conn is not None
        self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _lock_for(database_url: str, env: dict[str, str]) -> _Lock:
    if backend_of(database_url) == "postgres":
        return _AdvisoryLock(
            _conninfo(env), env["POSTGRES_SCHEMA"], "stored_events", "ledger_leaves"
        )
    dbname = env["SQLITE_DBNAME"]
    if dbname.startswith("file:"):
        return _Lock()  # an in-memory database lives in this process only
    return _FileLock(Path(dbname + ".lock"))


def _conninfo(env: dict[str, str]) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
    )


def _ensure_schema(database_url: str, schema: str) -> None:
    if not schema:
        return
    with psycopg.connect(_conninfo(persistence_env(database_url)), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(psycopg.sql.Identifier(schema))
        )
