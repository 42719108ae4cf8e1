"""A real ``craftreg serve`` on a free port of 127.0.0.1, over SQLite and PostgreSQL.

Each test module gets one server and one store (a fresh SQLite file, or a PostgreSQL schema of
its own), so the HTTP tests pay for a server start once per module, not once per test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from craftreg.keys import Signer, read_key
from craftreg.store import EventStore
from tests.conftest import _POSTGRES_DOWN, SETTINGS


def postgres_url(schema: str) -> str:
    sep = "&" if "?" in SETTINGS.test_postgres_dsn else "?"
    return f"{SETTINGS.test_postgres_dsn}{sep}schema={schema}"


def need_postgres() -> None:
    if _POSTGRES_DOWN is not None:
        if SETTINGS.require_postgres:
            pytest.fail(f"CRAFTREG_REQUIRE_POSTGRES=1 but {_POSTGRES_DOWN}")
        pytest.skip(_POSTGRES_DOWN)


def drop_schema(schema: str) -> None:
    with psycopg.connect(SETTINGS.test_postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    root: Signer | None  # the root key `craftreg init` pinned (None: founded by the caller)
    key_dir: Path  # the server's keys: root.pem, and log.pem, which signs its checkpoints

    def log(self) -> list[bytes]:
        """Every stored record, in log order, read straight from the store."""
        with EventStore(self.database_url) as store:
            return [logged.record for logged in store.log()]


def start_server(
    database_url: str, key_dir: Path, workers: int = 1, rate_limit: int = 100_000, init: bool = True
) -> Server:
    """``craftreg init`` (unless the caller founded the store) then ``craftreg serve``."""
    port = free_port()
    env = {
        **os.environ,
        "CRAFTREG_DATABASE_URL": database_url,
        "CRAFTREG_KEY_DIR": str(key_dir),
        "CRAFTREG_PUBLIC_RATE_LIMIT": str(rate_limit),
    }
    cli = [sys.executable, "-m", "craftreg.cli"]
    root = key_dir / "root.pem"
    if init:
        subprocess.run(
            [*cli, "init", "--root-key", str(root), "--origin", "craftreg.test/http"],
            env=env,
            check=True,
            capture_output=True,
        )
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Server(
        f"http://127.0.0.1:{port}",
        database_url,
        process,
        read_key(root) if init else None,
        key_dir,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the server exited: {stderr[-2000:]}")
        try:
            if httpx.get(f"{server.url}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError("the server did not answer within 30 s")
        time.sleep(0.05)  # waiting for the socket to open, not for a result


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(5)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    if request.param == "sqlite":
        running = start_server(f"sqlite:///{tmp / 'craftreg.sqlite3'}", tmp / "keys")
        yield running
        stop_server(running)
        return
    need_postgres()
    schema = f"h_{uuid.uuid4().hex[:12]}"
    running = start_server(postgres_url(schema), tmp / "keys")
    yield running
    stop_server(running)
    drop_schema(schema)
