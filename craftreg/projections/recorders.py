"""The views' recorders: eventsourcing's tracking recorders, with the views' tables made beside
the tracking table when the recorder creates its own (docs "Projections")."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from craftreg.ledger.db import quote
from craftreg.projections.schema import VIEWS, cursor_ddl, ddl


class SQLiteViewRecorder(SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        for v in VIEWS:
            statements.extend(ddl(v, "sqlite"))
        statements.append(cursor_ddl("sqlite"))
        return statements


class PostgresViewRecorder(PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        prefix = quote(datastore.schema) + "."
        for v in VIEWS:
            self.sql_create_statements.extend(SQL(s).format() for s in ddl(v, "postgres", prefix))
        self.sql_create_statements.append(SQL(cursor_ddl("postgres", prefix)).format())
