"""The views' tables beside the event store, written with eventsourcing's tracking recorders.

``SQLiteViewRecorder`` and ``PostgresViewRecorder`` (recorders.py) extend eventsourcing's
tracking recorders (the library's way to keep a materialised view, docs "Projections"): one
transaction writes the changed view rows, the projection's cursor (notification id and log
position) and the tracking record. eventsourcing's single-row tracking refuses a notification id that does not move
forward, so a batch applied twice fails and rolls back instead of counting twice.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.rows import tuple_row

from craftreg.ledger.db import quote
from craftreg.projections.codec import DECODERS, decode_row, encoder
from craftreg.projections.locks import ProjectorLock
from craftreg.projections.recorders import PostgresViewRecorder, SQLiteViewRecorder
from craftreg.projections.schema import (
    CURSOR_TABLE,
    SCHEMA_TABLE,
    VIEWS,
    View,
    fingerprint,
    index_ddl,
    pg_types,
)
from craftreg.projections.working import Key, Row
from craftreg.settings import persistence_env

Changes = Sequence[tuple[View, list[Row], list[Key]]]
Guard = tuple[Callable[[list[tuple[Any, ...]]], bool], str, tuple[Any, ...]]
STAGE_FROM = 500  # rows of a view from which PostgreSQL is written through COPY
SQLITE_PIECE = 25_000  # rows per transaction when SQLite views are refilled


class ViewTables:
    """SQL on the views: create, load a row, write a batch with its tracking, read for queries."""

    def __init__(self, database_url: str | None = None, *, memory: bool = False) -> None:
        if memory:
            # A private database for a replay: it never touches the live views.
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:views-{uuid.uuid4().hex}?mode=memory&cache=shared",
            }
        else:
            assert database_url is not None
            env = persistence_env(database_url)
        self._factory = InfrastructureFactory.construct(env)
        datastore = getattr(self._factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            self.backend = "postgres"
            self.recorder: SQLiteViewRecorder | PostgresViewRecorder = cast(
                PostgresViewRecorder, self._factory.tracking_recorder(PostgresViewRecorder)
            )
            self._pg: PostgresDatastore | None = datastore
            self._sqlite: SQLiteDatastore | None = None
            self.prefix = quote(datastore.schema) + "."
        else:
            assert isinstance(datastore, SQLiteDatastore)
            self.backend = "sqlite"
            self.recorder = cast(
                SQLiteViewRecorder, self._factory.tracking_recorder(SQLiteViewRecorder)
            )
            self._pg, self._sqlite, self.prefix = None, datastore, ""
        self._events: ApplicationRecorder | None = None
        self.lock = ProjectorLock(env, self._pg)
        self._statements: dict[tuple[str, str], str] = {}
        self._encoders: dict[str, Callable[[Row], tuple[Any, ...]]] = {}
        self._guard: Guard | None = None
        self._upgrade()

    def _upgrade(self) -> None:
        """Tables made by an older layout of the views are dropped and made again, empty: the
        next catch-up rebuilds them from the log (they hold nothing the log does not)."""
        table = self.table(SCHEMA_TABLE)
        current = fingerprint()
        with self._transaction() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (fingerprint TEXT NOT NULL)")
            cursor.execute(f"SELECT fingerprint FROM {table}")
            found = [row[0] for row in cursor.fetchall()]
            if found == [current]:
                return
            for v in VIEWS:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(v.table)}")
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} (fingerprint) VALUES ({self._mark})", (current,))
            tracking = "tracking" if self._pg is None else self.recorder_tracking_table
            cursor.execute(f"DELETE FROM {self.table(CURSOR_TABLE)}")
            cursor.execute(f"DELETE FROM {tracking} WHERE application_name != '__migration__'")
        self.recorder.create_table()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A write transaction whose rows are tuples on both backends."""
        if self._pg is not None:
            with self._pg.transaction(commit=True) as cursor:
                yield cursor.connection.cursor(row_factory=tuple_row)
            return
        assert self._sqlite is not None
        with self._sqlite.transaction(commit=True) as cursor:
            yield cursor

    @property
    def events(self) -> ApplicationRecorder:
        """The event store's recorder on the same database (where the log is read from)."""
        if self._events is None:
            self._events = self._factory.application_recorder()
        return self._events

    def close(self) -> None:
        self._factory.close()

    def __enter__(self) -> ViewTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def table(self, name: str) -> str:
        return self.prefix + name

    def sql(self, statement: str) -> str:
        """``?`` placeholders and ``{view_x}`` table names, in this backend's dialect."""
        key = ("sql", statement)
        cached = self._statements.get(key)
        if cached is None:
            cached = statement
            for name in (*(v.table for v in VIEWS), CURSOR_TABLE):
                cached = cached.replace("{" + name + "}", self.table(name))
            if self._pg is not None:
                cached = cached.replace("%", "%%").replace("?", "%s")
            self._statements[key] = cached
        return cached

    # -- reading ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """A read-only transaction; the cursor's rows are tuples."""
        if self._pg is not None:
            with self._pg.get_connection() as conn, conn.transaction(force_rollback=True):
                yield conn.cursor(row_factory=tuple_row)
            return
        assert self._sqlite is not None
        with self._sqlite.transaction(commit=False) as cursor:
            yield cursor

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        guard, self._guard = self._guard, None
        if guard is None:
            return self._run([(statement, params)])[0]
        check, first, first_params = guard
        before, rows = self._run([(first, first_params), (statement, params)])
        return rows if check(before) else self._run([(statement, params)])[0]

    def guarded(
        self, check: Callable[[list[tuple[Any, ...]]], bool], statement: str, params: Sequence[Any]
    ) -> ViewTables:
        """These tables, whose next read first runs ``statement``, in the same round trip on
        PostgreSQL (one pipeline), and hands its rows to ``check``. When ``check`` answers
        False (it has brought the views up to date), the read is run again after it.

        The check's statement is sent first, so the read's snapshot is never older than the
        check's: a check that finds the views current vouches for the read."""
        tables = copy.copy(self)
        tables._guard = (check, statement, tuple(params))
        return tables

    def _run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        """The rows of each statement. On PostgreSQL in one round trip and with no transaction
        of their own (the pool's connections commit each statement; BEGIN and ROLLBACK would
        cost two more round trips); on SQLite in one read transaction."""
        if self._pg is not None:
            with (
                self._pg.get_connection() as conn,
                conn.pipeline() if len(statements) > 1 else contextlib.nullcontext(),
            ):
                cursors = [conn.cursor(row_factory=tuple_row) for _ in statements]
                for cursor, (statement, params) in zip(cursors, statements, strict=True):
                    cursor.execute(self.sql(statement), tuple(params))
                return [cursor.fetchall() for cursor in cursors]
        with self.reading() as cursor:
            found = []
            for statement, params in statements:
                cursor.execute(self.sql(statement), tuple(params))
                found.append([tuple(r) for r in cursor.fetchall()])
            return found

    def select(self, v: View, where: str = "", params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a view as dicts, their values decoded (booleans, JSON)."""
        statement = f"SELECT {', '.join(v.names)} FROM {{{v.table}}}"
        return [decode_row(v, r) for r in self.query(statement + where, params)]

    def read_back(self) -> dict[str, list[Row]]:
        """Every row of every view the fold reads, in one transaction."""
        with self.reading() as cursor:
            result = {}
            for v in VIEWS:
                if not v.write_only:
                    cursor.execute(self.sql(f"SELECT {', '.join(v.names)} FROM {{{v.table}}}"))
                    decode = DECODERS[v.name]
                    result[v.name] = [decode(r) for r in cursor.fetchall()]
            return result

    def load(self, v: View, key: Key) -> Row | None:
        keys = key if isinstance(key, tuple) else (key,)
        found = self.select(v, " WHERE " + " AND ".join(f"{k} = ?" for k in v.key), keys)
        return found[0] if found else None

    def cursor(self, name: str) -> tuple[int, int] | None:
        """The notification id and log position a projection has applied up to, if any."""
        rows = self.query(
            "SELECT notification_id, position FROM {view_cursor} WHERE name = ?", (name,)
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    # -- writing ----------------------------------------------------------------------------

    def write(
        self, name: str, changes: Changes, notification_id: int, position: int, *, reset: bool
    ) -> None:
        """The rows, the cursor and eventsourcing's tracking record, committed together.

        With ``reset`` every view is emptied first and refilled. On PostgreSQL that is one
        transaction: readers see the old views until the new ones commit. SQLite has one
        writer for the whole database, events included, so there the rows go in short
        transactions that never keep an append waiting for long; the cursor and the
        tracking record come with the last one, and until then the views read as empty of
        any cursor (a crash half-way is cleared and redone by the next catch-up).
        """
        if self._pg is not None:
            with self._pg.transaction(commit=True) as tracking_cursor:
                rows = tracking_cursor.connection.cursor(row_factory=tuple_row)
                self._begin(rows, name, reset)
                self._rows(rows, changes, reset)
                self._end(rows, tracking_cursor, name, notification_id, position, reset)
            return
        assert self._sqlite is not None
        pieces = list(_pieces(changes, SQLITE_PIECE)) if reset else [changes]
        with self._sqlite.get_connection(commit=True) as conn:
            # Random keys touch pages all over each B-tree; SQLite's default cache is 2 MiB.
            # The views are derived data: a commit lost to a power cut is replayed, and WAL
            # keeps each commit atomic without syncing it.
            settings = conn.cursor()
            settings.execute("PRAGMA cache_size = -262144")
            settings.execute("PRAGMA synchronous = NORMAL")
            # Each checkpoint syncs the log and the database to disk: during a refill one at
            # the end, not one after every piece (the pieces still commit one by one).
            settings.execute("PRAGMA wal_autocheckpoint")
            every = settings.fetchone()[0]
            settings.execute(f"PRAGMA wal_autocheckpoint = {0 if reset else every}")
            try:
                for i, piece in enumerate(pieces):
                    with conn.transaction(commit=True) as cursor:
                        if i == 0:
                            self._begin(cursor, name, reset)
                        self._rows(cursor, piece, reset)
                        if i == len(pieces) - 1:
                            self._end(cursor, cursor, name, notification_id, position, reset)
            finally:
                if reset:
                    settings.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    settings.execute(f"PRAGMA wal_autocheckpoint = {every}")

    def clear(self, name: str) -> None:
        """Empty every view and forget the projection's cursor and tracking: the next
        catch-up builds the views from the first event."""
        with self._transaction() as cursor:
            self._clear(cursor, name)

    def _clear(self, cursor: Any, name: str) -> None:
        for v in VIEWS:
            cursor.execute(f"DELETE FROM {self.table(v.table)}")
        cursor.execute(self.sql("DELETE FROM {view_cursor} WHERE name = ?"), (name,))
        table = "tracking" if self._pg is None else self.recorder_tracking_table
        cursor.execute(f"DELETE FROM {table} WHERE application_name = {self._mark}", (name,))

    @property
    def _mark(self) -> str:
        return "?" if self._pg is None else "%s"

    @property
    def recorder_tracking_table(self) -> str:
        assert isinstance(self.recorder, PostgresTrackingRecorder)
        return self.prefix + quote(self.recorder.tracking_table_name)

    def _begin(self, cursor: Any, name: str, reset: bool) -> None:
        if reset:
            for v in VIEWS:
                for _, drop in index_ddl(v, self.prefix):
                    cursor.execute(drop)
            self._clear(cursor, name)

    def _rows(self, cursor: Any, changes: Changes, reset: bool) -> None:
        for v, written, deleted in changes:
            encode = self._encoders.get(v.name) or self._encoders.setdefault(v.name, encoder(v))
            if reset:
                self._load(cursor, v, list(map(encode, written)))
                continue
            if deleted:
                keys = [k if isinstance(k, tuple) else (k,) for k in deleted]
                cursor.executemany(self._delete(v), keys)
            if written and self._pg is not None and len(written) >= STAGE_FROM:
                self._stage(cursor, v, list(map(encode, written)))
            elif written:
                cursor.executemany(self._upsert(v), list(map(encode, written)))

    def _end(
        self,
        cursor: Any,
        tracking_cursor: Any,
        name: str,
        notification_id: int,
        position: int,
        reset: bool,
    ) -> None:
        if reset:
            for v in VIEWS:
                for create, _ in index_ddl(v, self.prefix):
                    cursor.execute(create)
        cursor.execute(
            self.sql(
                "INSERT INTO {view_cursor} (name, notification_id, position) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET notification_id = excluded.notification_id,"
                " position = excluded.position"
            ),
            (name, notification_id, position),
        )
        self.recorder._insert_tracking(tracking_cursor, Tracking(name, notification_id))

    def _load(self, cursor: Any, v: View, rows: list[tuple[Any, ...]]) -> None:
        """Rows into an emptied view: COPY on PostgreSQL, plain inserts on SQLite."""
        columns = ", ".join(v.names)
        if self._pg is not None:
            _copy(cursor, f"{self.table(v.table)} ({columns})", v, rows)
            return
        marks = ", ".join("?" for _ in v.names)
        cursor.executemany(f"INSERT INTO {v.table} ({columns}) VALUES ({marks})", rows)

    def _stage(self, cursor: Any, v: View, rows: list[tuple[Any, ...]]) -> None:
        """Many rows into PostgreSQL: COPY into a temporary table, then one upsert from it."""
        stage = f"stage_{v.table}"
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage}"
            f" (LIKE {self.table(v.table)}) ON COMMIT DELETE ROWS"
        )
        _copy(cursor, f"{stage} ({', '.join(v.names)})", v, rows)
        cursor.execute(self._upsert(v, f"SELECT {', '.join(v.names)} FROM {stage}"))

    def _upsert(self, v: View, source: str = "") -> str:
        """An upsert of one row of values, or of every row ``source`` selects."""
        key = (v.name, "upsert " + source)
        cached = self._statements.get(key)
        if cached is None:
            others = [n for n in v.names if n not in v.key]
            action = (
                "NOTHING"
                if v.write_only
                else "UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in others)
            )
            values = source or f"VALUES ({', '.join('?' for _ in v.names)})"
            cached = self.sql(
                f"INSERT INTO {{{v.table}}} ({', '.join(v.names)}) {values}"
                f" ON CONFLICT ({', '.join(v.key)}) DO {action}"
            )
            self._statements[key] = cached
        return cached

    def _delete(self, v: View) -> str:
        where = " AND ".join(f"{k} = ?" for k in v.key)
        return self.sql(f"DELETE FROM {{{v.table}}} WHERE {where}")


def _copy(cursor: Any, target: str, v: View, rows: list[tuple[Any, ...]]) -> None:
    """``COPY target FROM STDIN`` of ``rows``, each column's type named up front: psycopg then
    dumps every value by it instead of looking a dumper up value by value."""
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        copy.set_types(pg_types(v))
        for row in rows:
            copy.write_row(row)


def _pieces(changes: Changes, size: int) -> Iterator[Changes]:
    """The rows in pieces of about ``size``; at least one piece, perhaps empty."""
    piece: list[tuple[View, list[Row], list[Key]]] = []
    count = 0
    for v, written, _ in changes:
        for start in range(0, len(written), size):
            part = written[start : start + size]
            if piece and count + len(part) > size:
                yield piece
                piece, count = [], 0
            piece.append((v, part, []))
            count += len(part)
    yield piece
