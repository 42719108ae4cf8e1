"""The ledger's own tables, beside the event store's, on SQLite or PostgreSQL.

The Merkle tree, the checkpoints and the cosignatures are derived data kept in the same
database as the events, through the connection pool eventsourcing already holds. SQL is
written once, with ``?`` placeholders and ``{table}`` names; :class:`LedgerDB` adapts both
to the backend (``%s`` and schema-qualified names on PostgreSQL).

Tables (docs/ledger-format.md §2):

* ``ledger_leaves(position, notification_id, leaf_hash)`` — leaf *i* is the event at log
  position *i*, with the notification id it had when it was appended;
* ``ledger_nodes(level, idx, hash)`` — every perfect subtree of 2**level leaves whose last
  leaf is stored, so a proof reads O(log n) rows and an append writes about two;
* ``ledger_checkpoints(size, note, published_at)`` — every signed checkpoint, as a note;
* ``ledger_cosignatures(size, witness, timestamp, line)`` — verified witness cosignatures.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.rows import tuple_row

TABLES = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints", "ledger_cosignatures")
_NAME = re.compile(r"\{(\w+)\}")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {ledger_leaves} ("
    " position BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL, leaf_hash {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {ledger_nodes} ("
    " level INTEGER NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL,"
    " PRIMARY KEY (level, idx))",
    "CREATE TABLE IF NOT EXISTS {ledger_checkpoints} ("
    " size BIGINT PRIMARY KEY, note TEXT NOT NULL, published_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {ledger_cosignatures} ("
    " size BIGINT NOT NULL, witness TEXT NOT NULL, timestamp BIGINT NOT NULL,"
    " line TEXT NOT NULL, PRIMARY KEY (size, witness))",
)


Insert = tuple[str, Sequence[str], Sequence[Sequence[int | bytes]]]
"""Rows for one table: (table, columns, rows)."""


class Sql(Protocol):
    """One open transaction: ``run`` returns every row as a tuple."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


class LedgerDB:
    """SQL on the event store's own datastore, with the ledger's tables created on first use."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        datastore = getattr(recorder, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            self._pg: PostgresDatastore | None = datastore
            self._sqlite: SQLiteDatastore | None = None
            prefix = quote(datastore.schema) + "."
            self._names = {t: prefix + quote(t) for t in (*TABLES, "stored_events")}
            self._names["blob"] = "BYTEA"
            self.events_id = "notification_id"
        elif isinstance(datastore, SQLiteDatastore):
            self._pg, self._sqlite = None, datastore
            self._names = {t: t for t in (*TABLES, "stored_events")}
            self._names["blob"] = "BLOB"
            self.events_id = "rowid"  # eventsourcing's notification id on SQLite
        else:
            raise TypeError(f"no ledger storage for {type(recorder).__name__}")
        self._cache: dict[str, str] = {}
        with self.transaction() as sql:
            for statement in _SCHEMA:
                sql.run(statement)
            sql.run(
                "CREATE UNIQUE INDEX IF NOT EXISTS ledger_leaves_by_notification"
                " ON {ledger_leaves} (notification_id)"
            )

    @property
    def backend(self) -> str:
        return "postgres" if self._pg is not None else "sqlite"

    def table(self, name: str) -> str:
        return self._names[name]

    def _statement(self, sql: str) -> str:
        statement = self._cache.get(sql)
        if statement is None:
            statement = _NAME.sub(lambda m: self._names[m.group(1)], sql)
            if self._pg is not None:
                statement = statement.replace("?", "%s")
            self._cache[sql] = statement
        return statement

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Sql]:
        """A transaction that commits on leaving the block, or rolls back on an error."""
        if self._pg is not None:
            with self._pg.get_connection() as conn, conn.transaction():
                yield _PgSql(self, conn.cursor(row_factory=tuple_row))
            return
        assert self._sqlite is not None
        with self._sqlite.transaction(commit=write) as cursor:
            yield _SqliteSql(self, cursor)

    def write_derived(self, inserts: Sequence[Insert]) -> None:
        """Insert rows that can be rebuilt from the log, in one transaction.

        The commit does not wait for the disk: ``synchronous_commit = off`` on PostgreSQL and
        ``synchronous = NORMAL`` on SQLite's write-ahead log, for this transaction only (the
        next event's commit flushes it). A crash may lose the last of these rows, never make
        them wrong, and the next writer rebuilds them from the events, whose own commits stay
        fully durable. On PostgreSQL the transaction goes as one script in one round trip;
        its values are integers and hashes, written as literals.
        """
        statements = [
            (f"INSERT INTO {self._names[table]} ({', '.join(columns)})", rows)
            for table, columns, rows in inserts
            if rows
        ]
        if self._pg is not None:
            script = ["BEGIN", "SET LOCAL synchronous_commit = off"]
            script += [
                f"{head} VALUES " + ", ".join(f"({', '.join(map(_literal, r))})" for r in rows)
                for head, rows in statements
            ]
            with self._pg.get_connection() as conn:
                conn.execute(";\n".join([*script, "COMMIT"]).encode())
            return
        assert self._sqlite is not None
        with self._sqlite.get_connection(commit=True) as conn:
            pragma = conn.cursor()
            pragma.execute("PRAGMA synchronous")
            previous = int(pragma.fetchone()[0])
            pragma.execute("PRAGMA synchronous = NORMAL")
            try:
                with conn.transaction(commit=True) as cursor:
                    for head, rows in statements:
                        marks = ", ".join("?" * len(rows[0]))
                        cursor.executemany(f"{head} VALUES ({marks})", rows)
            finally:
                pragma.execute(f"PRAGMA synchronous = {previous}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One read. On PostgreSQL the pool's connections commit each statement, so a single
        read needs no BEGIN and COMMIT around it (two round trips fewer)."""
        if self._pg is not None:
            with self._pg.get_connection() as conn:
                return _PgSql(self, conn.cursor(row_factory=tuple_row)).run(sql, params)
        with self.transaction(write=False) as tx:
            return tx.run(sql, params)


class _PgSql:
    def __init__(self, db: LedgerDB, cursor: Any) -> None:
        self._db, self._cursor = db, cursor

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._db._statement(sql), params)
        if self._cursor.description is None:
            return []
        return [tuple(_bytes(v) for v in row) for row in self._cursor.fetchall()]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._db._statement(sql), rows)


class _SqliteSql:
    def __init__(self, db: LedgerDB, cursor: Any) -> None:
        self._db, self._cursor = db, cursor

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._db._statement(sql), params)
        return [tuple(row) for row in self._cursor.fetchall()]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._db._statement(sql), rows)


def _literal(value: int | bytes) -> str:
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea"
    return str(int(value))


def _bytes(value: Any) -> Any:
    # psycopg hands bytea back as memoryview in some paths; hashes are compared as bytes.
    return bytes(value) if isinstance(value, memoryview) else value


def quote(identifier: str) -> str:
    """An SQL identifier (a schema or table name) quoted for PostgreSQL and SQLite alike."""
    return '"' + identifier.replace('"', '""') + '"'
