"""Schemathesis against the served OpenAPI document: whatever it sends, never a 5xx.

Schemathesis runs as its own command against a real server (its pytest plugin does not load
under this pytest), with a fixed seed and a few examples per operation besides each route's
documented examples, so it stays well under a minute; ``-m "not slow"`` skips it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    server = start_server(f"sqlite:///{tmp / 'craftreg.sqlite3'}", tmp / "keys")
    yield server
    stop_server(server)


def test_no_generated_request_makes_the_server_fail(served: Server) -> None:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a dev dependency (pip install -e '.[dev]')"
    before = served.log()
    run = subprocess.run(
        [
            command,
            "run",
            f"{served.url}/schema/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "5",
            "--seed",
            "2025",
            "--request-timeout",
            "10",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert "Server error" not in run.stdout
    assert "generated" in run.stdout and " passed" in run.stdout
    # Nothing it sends is signed by an enrolled key: the log is untouched.
    assert served.log() == before
