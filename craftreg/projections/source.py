"""Reading the log for the views (读取日志): notification ids and record bytes, nothing more.

eventsourcing's ``select_notifications`` turns every row into a ``Notification``, with the
originator id parsed into a UUID and the topic; the fold needs only the order and the bytes, and
selecting those two columns reads the log about three times as fast. A recorder of any other kind
is read through ``select_notifications``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

PAGE = 10_000  # events per query


def notifications(recorder: ApplicationRecorder, after: int) -> Iterator[tuple[int, bytes]]:
    """``(notification id, record)`` of every event after ``after``, in log order."""
    while True:
        page = _page(recorder, after)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0]


def _page(recorder: ApplicationRecorder, after: int) -> list[tuple[int, bytes]]:
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as wrapped:
            cursor = wrapped.sqlite_cursor
            cursor.row_factory = None  # plain tuples: this cursor is closed with the transaction
            cursor.execute(
                f"SELECT rowid, state FROM {recorder.events_table_name}"
                " WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, PAGE),
            )
            rows: list[Any] = cursor.fetchall()
            return rows
    if isinstance(recorder, PostgresApplicationRecorder):
        datastore = recorder.datastore
        statement = SQL(
            "SELECT notification_id, state FROM {schema}.{table}"
            " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(datastore.schema), table=Identifier(recorder.events_table_name))
        with datastore.get_connection() as conn, conn.transaction(force_rollback=True):
            found: list[Any] = (
                conn.cursor(row_factory=tuple_row).execute(statement, (after, PAGE)).fetchall()
            )
            return found
    return [
        (n.id, n.state)
        for n in recorder.select_notifications(start=after, limit=PAGE, inclusive_of_start=False)
    ]
