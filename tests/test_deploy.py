"""docker-compose.yml must pass `docker-compose config` (no engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_file_is_valid() -> None:
    if shutil.which("docker-compose") is None:
        if SETTINGS.require_postgres:
            pytest.fail("docker-compose is not installed (.ci/run installs it)")
        pytest.skip("docker-compose is not installed")
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "CRAFTREG_DATABASE_URL: postgresql://" in result.stdout
    assert "postgres:16" in result.stdout
