"""Fixtures of the ledger tests: a founded registry whose log key is published, on both
backends, and direct SQL on its database — the way an intruder would change it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind
from craftreg.keys import Signer
from craftreg.ledger.events import publish_log_key
from craftreg.settings import sqlite_path

ORIGIN = "craftreg.test/registry"


@pytest.fixture
def log_key() -> Signer:
    return Signer.generate()


@pytest.fixture
def ledger(database_url: str, root: Signer, log_key: Signer) -> Iterator[Registry]:
    """Founded, with the log key published: events 0 (genesis) and 1 (LogKeyPublished)."""
    with Registry(database_url, log_key) as registry:
        registry.found(root, origin=ORIGIN)
        publish_log_key(registry, root, log_key)
        yield registry


def add_enterprises(registry: Registry, signer: Signer, count: int) -> list[str]:
    national = registry.national_federation
    return [
        registry.register_organisation(signer, OrgKind.ENTERPRISE, f"企业{n:04d}", national)
        for n in range(count)
    ]


class Database:
    """Plain SQL on the store's database, bypassing craftreg entirely."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.postgres = urlsplit(database_url).scheme.startswith("postgres")
        self.events_id = "notification_id" if self.postgres else "rowid"

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """``?`` placeholders and ``{id}`` for the events' notification id column."""
        sql = sql.replace("{id}", self.events_id)
        if not self.postgres:
            with sqlite3.connect(sqlite_path(self.url)) as conn:
                return [tuple(row) for row in conn.execute(sql, params).fetchall()]
        parts = urlsplit(self.url)
        schema = parse_qs(parts.query)["schema"][0]
        with psycopg.connect(parts._replace(query="").geturl(), autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            cursor = conn.execute(sql.replace("?", "%s"), params)
            rows = cursor.fetchall() if cursor.description else []
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

    def notification_id(self, position: int) -> int:
        [(nid,)] = self.run(
            "SELECT notification_id FROM ledger_leaves WHERE position = ?", (position,)
        )
        return int(nid)

    def record(self, position: int) -> bytes:
        [(state,)] = self.run(
            "SELECT state FROM stored_events WHERE {id} = ?", (self.notification_id(position),)
        )
        return bytes(state)

    def set_record(self, position: int, record: bytes) -> None:
        self.run(
            "UPDATE stored_events SET state = ? WHERE {id} = ?",
            (record, self.notification_id(position)),
        )

    def insert_event(self, stream: str, version: int, topic: str, record: bytes, nid: int) -> None:
        stream_value = stream if self.postgres else stream.replace("-", "")
        if self.postgres:
            self.run(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state,"
                " notification_id) VALUES (?, ?, ?, ?, ?)",
                (stream_value, version, topic, record, nid),
            )
        else:
            self.run(
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
                " VALUES (?, ?, ?, ?, ?)",
                (nid, stream_value, version, topic, record),
            )


@pytest.fixture
def database(database_url: str) -> Database:
    return Database(database_url)
