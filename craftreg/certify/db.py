"""The certification tables (证书发放表), beside the events, on SQLite or PostgreSQL.

They hold what the log does not: the status list index drawn for each certificate, the signed
document its certifier uploaded, the holders' share codes, the wrong codes counted for the rate
limit and the last signed status list. Nothing here decides a certificate's standing — the
views do, from the log — so losing these tables loses convenience, never the record.

SQL goes through the event store's ledger connection (:class:`craftreg.ledger.db.LedgerDB`):
``?`` placeholders and ``{table}`` names, adapted to the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from craftreg.ledger.db import LedgerDB

TABLES = (
    "certify_status",
    "certify_documents",
    "certify_share_codes",
    "certify_code_failures",
    "certify_status_lists",
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {certify_status} ("
    " certificate TEXT PRIMARY KEY, list_url TEXT NOT NULL, idx BIGINT NOT NULL,"
    " UNIQUE (list_url, idx))",
    "CREATE TABLE IF NOT EXISTS {certify_documents} ("
    " certificate TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, document TEXT NOT NULL,"
    " stored_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {certify_share_codes} ("
    " id TEXT PRIMARY KEY, certificate TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,"
    " expires TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS {certify_code_failures} ("
    " certificate TEXT NOT NULL, client TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {certify_status_lists} ("
    " url TEXT PRIMARY KEY, revoked TEXT NOT NULL, credential TEXT NOT NULL)",
)


class CertifyDB:
    """SQL on the certification tables, created on first use."""

    def __init__(self, ledger_db: LedgerDB) -> None:
        self._db = ledger_db
        prefix = ledger_db.table("ledger_leaves").removesuffix('"ledger_leaves"')
        if ledger_db.backend == "sqlite":
            prefix = ""
        self._names = {name: prefix + (f'"{name}"' if prefix else name) for name in TABLES}
        with self.transaction() as sql:
            for statement in _SCHEMA:
                sql.run(self.names(statement))
            for name, columns in (
                ("certificate", "certificate, at"),
                ("client", "client, at"),
                ("time", "at"),  # the pruning of failures past the window
            ):
                sql.run(
                    self.names(
                        f"CREATE INDEX IF NOT EXISTS certify_failures_by_{name}"
                        f" ON {{certify_code_failures}} ({columns})"
                    )
                )

    @property
    def ledger(self) -> LedgerDB:
        return self._db

    def table(self, name: str) -> str:
        return self._names[name]

    def names(self, sql: str) -> str:
        for name, qualified in self._names.items():
            sql = sql.replace("{" + name + "}", qualified)
        return sql

    def transaction(self) -> Any:
        return self._db.transaction()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.query(self.names(sql), params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._db.transaction() as tx:
            return tx.run(self.names(sql), params)
