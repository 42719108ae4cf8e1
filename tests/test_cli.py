"""The craftreg command: init, keys, serve; mistakes print one line and exit non-zero."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from craftreg.cli import main
from craftreg.keys import read_key


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def env_for(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRAFTREG_DATABASE_URL": database_url, "CRAFTREG_KEY_DIR": str(tmp_path / "keys")}


def test_init_founds_the_store_once_with_a_generated_root_key(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    env = env_for(database_url, tmp_path)
    first = runner.invoke(main, ["init", "--origin", "craftreg.test/cli"], env=env)
    assert first.exit_code == 0, first.output
    root = read_key(tmp_path / "keys" / "root.pem")
    assert root.key_id in first.output
    assert oct((tmp_path / "keys" / "root.pem").stat().st_mode & 0o777) == "0o600"
    again = runner.invoke(main, ["init"], env=env)
    assert again.exit_code == 0 and "already founded" in again.output


def test_init_with_another_root_key_is_refused_in_one_line(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    env = env_for(database_url, tmp_path)
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    assert runner.invoke(main, ["keys", "new", str(tmp_path / "other.pem")]).exit_code == 0
    result = runner.invoke(main, ["init", "--root-key", str(tmp_path / "other.pem")], env=env)
    assert result.exit_code != 0
    assert "already founded with root key" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_keys_new_encrypts_with_a_passphrase(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["keys", "new", "k.pem", "--passphrase-env", "PASS"], env={"PASS": "s3cret"}
    )
    assert result.exit_code == 0, result.output
    key_id = result.output.strip()
    assert b"ENCRYPTED" in (tmp_path / "k.pem").read_bytes()
    assert read_key(tmp_path / "k.pem", "s3cret").key_id == key_id


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["keys", "new", "k.pem", "--passphrase-env", "NOPE"], {}, "NOPE is not set"),
        (["init", "--root-key", "missing.pem"], {"CRAFTREG_DATABASE_URL": "mysql://x"}, "sqlite"),
        (["init", "--root-key", "junk.pem"], {}, "not a PEM private key"),
        (["init", "--root-key", "enc.pem"], {}, "encrypted: give its passphrase"),
        (["serve", "--workers", "2"], {}, "needs PostgreSQL"),
    ],
)
def test_a_mistake_prints_one_clear_line(
    runner: CliRunner, tmp_path: Path, args: list[str], env: dict[str, str], fragment: str
) -> None:
    (tmp_path / "junk.pem").write_text("not a key")
    runner.invoke(main, ["keys", "new", "enc.pem", "--passphrase-env", "P"], env={"P": "pw"})
    env = {"CRAFTREG_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **env}
    result = runner.invoke(main, args, env=env)
    assert result.exit_code != 0
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_workers_refuse_a_port_another_process_listens_on(runner: CliRunner) -> None:
    """Each worker binds the port with SO_REUSEPORT, which would let it share the port with
    any other such process: a taken port is refused before a worker starts."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(
            main,
            ["serve", "--port", str(port), "--workers", "2"],
            env={"CRAFTREG_DATABASE_URL": "postgresql://postgres@127.0.0.1/test"},
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, **env_for(database_url, tmp_path)}
    cli = [sys.executable, "-m", "craftreg.cli"]
    subprocess.run([*cli, "init", "--origin", "craftreg.test/serve"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(
                    f"server exited: {server.stderr.read().decode() if server.stderr else ''}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)  # polling for the socket to open, not hiding a race
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_serve_answers_health_on_a_real_socket(served: str) -> None:
    with urllib.request.urlopen(f"{served}/v1/health", timeout=5) as response:
        body = json.loads(response.read())
    # init writes genesis and publishes the ledger's log key (LogKeyPublished).
    assert body == {"status": "ok", "origin": "craftreg.test/serve", "events": 2}
