"""One parametrised fixture gives every storage test both backends: SQLite and PostgreSQL.

PostgreSQL comes from CRAFTREG_TEST_POSTGRES_DSN; each test gets a schema of its own and
drops it afterwards. With no server the PostgreSQL cases are skipped with the reason,
unless CRAFTREG_REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from craftreg.application import Registry
from craftreg.keys import Signer
from craftreg.settings import Settings

SETTINGS = Settings.from_env()


def _postgres_reason() -> str | None:
    try:
        with psycopg.connect(SETTINGS.test_postgres_dsn, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {SETTINGS.test_postgres_dsn} is not reachable: {exc}"


_POSTGRES_DOWN = _postgres_reason()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'craftreg.sqlite3'}"
        return
    if _POSTGRES_DOWN is not None:
        if SETTINGS.require_postgres:
            pytest.fail(f"CRAFTREG_REQUIRE_POSTGRES=1 but {_POSTGRES_DOWN}")
        pytest.skip(_POSTGRES_DOWN)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in SETTINGS.test_postgres_dsn else "?"
    yield f"{SETTINGS.test_postgres_dsn}{sep}schema={schema}"
    with psycopg.connect(SETTINGS.test_postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    with Registry(database_url) as reg:
        yield reg


@pytest.fixture
def root() -> Signer:
    return Signer.generate()


@pytest.fixture
def founded(registry: Registry, root: Signer) -> Registry:
    registry.found(root, origin="craftreg.test/registry")
    return registry
