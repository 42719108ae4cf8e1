"""``craftreg init`` starts the ledger; ``craftreg audit …`` and ``craftreg witness …`` exit 0 when
all holds, 1 naming the first fault, 2 with one line when they cannot do what was asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from craftreg.application import Registry
from craftreg.cli import main
from craftreg.keys import Signer, read_key
from craftreg.ledger.checkpoints import log_verifier_key
from tests.ledger.conftest import Database, add_enterprises


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRAFTREG_DATABASE_URL": database_url, "CRAFTREG_KEY_DIR": str(tmp_path / "keys")}


@pytest.fixture
def founded(runner: CliRunner, env: dict[str, str]) -> dict[str, str]:
    result = runner.invoke(main, ["init", "--origin", "craftreg.test/cli"], env=env)
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def store(founded: dict[str, str], tmp_path: Path) -> Callable[[], Registry]:
    """The founded store, opened in this process with its log key."""
    log_key = read_key(tmp_path / "keys" / "log.pem")
    return lambda: Registry(founded["CRAFTREG_DATABASE_URL"], log_key)


@pytest.fixture
def founder(founded: dict[str, str], tmp_path: Path) -> Signer:
    """The root key ``craftreg init`` made."""
    return read_key(tmp_path / "keys" / "root.pem")


@pytest.fixture
def log_key(store: Callable[[], Registry], founder: Signer) -> str:
    """Five events in the log (genesis, log key, three enterprises); its verifier key."""
    with store() as registry:
        add_enterprises(registry, founder, 3)
        return registry.store.refresh().log_key


def test_init_makes_and_publishes_the_log_key_and_a_first_checkpoint(
    runner: CliRunner, founded: dict[str, str], tmp_path: Path
) -> None:
    log_key = read_key(tmp_path / "keys" / "log.pem")
    verifier = log_verifier_key("craftreg.test/cli", log_key.public_key)
    with Registry(founded["CRAFTREG_DATABASE_URL"], log_key) as registry:
        assert registry.store.refresh().log_key == verifier
        assert registry.store.ledger.latest_note() is not None
    again = runner.invoke(main, ["init"], env=founded)
    assert again.exit_code == 0 and "log key published" not in again.output


def test_audit_verify_passes_then_names_the_tampering(
    runner: CliRunner,
    founded: dict[str, str],
    store: Callable[[], Registry],
    founder: Signer,
) -> None:
    with store() as registry:
        add_enterprises(registry, founder, 4)
        registry.store.publish_checkpoint()
    good = runner.invoke(main, ["audit", "verify"], env=founded)
    assert good.exit_code == 0, good.output
    assert "events replayed:    6" in good.output and "OK" in good.output
    url = founded["CRAFTREG_DATABASE_URL"]
    database = Database(url)
    database.set_record(3, database.record(3).replace("企业".encode(), "公司".encode()))
    bad = runner.invoke(main, ["audit", "verify", "--database-url", url], env=founded)
    assert bad.exit_code == 1
    assert "FAILED at position 3: payload changed" in bad.output


def test_export_checkpoint_and_offline_proofs(
    runner: CliRunner,
    founded: dict[str, str],
    log_key: str,
) -> None:
    kept = runner.invoke(main, ["audit", "checkpoint", "--output", "kept.txt"], env=founded)
    assert kept.exit_code == 0 and kept.output.startswith("craftreg.test/cli\n5\n")
    exported = runner.invoke(main, ["audit", "export", "all.jsonl"], env=founded)
    assert exported.exit_code == 0 and "5 events, 5 leaves" in exported.output
    replayed = runner.invoke(
        main,
        ["audit", "verify", "--export", "all.jsonl", "--trusted-checkpoint", "kept.txt"],
        env=founded,
    )
    assert replayed.exit_code == 0, replayed.output
    assert "trusted checkpoints: 1 verified" in replayed.output
    for args, says in (
        (["--index", "3"], "event 3 is in craftreg.test/cli at size 5"),
        (["--first", "2"], "size 5 extends size 2"),
    ):
        made = runner.invoke(main, ["audit", "proof", *args, "p.txt"], env=founded)
        assert made.exit_code == 0, made.output
        checked = runner.invoke(main, ["audit", "check-proof", "p.txt", "--log-key", log_key])
        assert checked.exit_code == 0 and says in checked.output, checked.output


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "verify", "--export", "nowhere.jsonl"],
        ["audit", "verify", "--export", "kept.txt", "--database-url", "sqlite:///x"],
        ["audit", "proof", "p.txt"],
        ["audit", "proof", "--index", "99", "p.txt"],
        ["audit", "proof", "--first", "3", "p.txt"],
        ["witness", "cosign", "--key", "keys/root.pem", "--server", "http://127.0.0.1:9"],
        ["audit", "check-proof", "kept.txt", "--log-key", "nonsense"],
        ["audit", "verify", "--database-url", "sqlite:///empty.sqlite3"],
        ["audit", "verify", "--trusted-checkpoint", "kept.txt"],
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    runner: CliRunner, founded: dict[str, str], args: list[str]
) -> None:
    Path("kept.txt").write_text("not a proof\n")
    result = runner.invoke(main, args, env=founded)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")


def test_verifying_a_store_that_is_not_there_creates_nothing(
    runner: CliRunner, founded: dict[str, str]
) -> None:
    url = "sqlite:///typo/craftreg.sqlite3"
    result = runner.invoke(main, ["audit", "verify", "--database-url", url], env=founded)
    assert result.exit_code == 2 and f"no store at {url}" in result.output
    assert not Path("typo").exists()


def test_files_saved_by_hand_are_read_and_a_proof_that_fails_is_an_alarm(
    runner: CliRunner,
    founded: dict[str, str],
    log_key: str,
) -> None:
    kept = runner.invoke(main, ["audit", "checkpoint"], env=founded).output
    # As a Windows editor saves it: CRLF line ends and a blank line after the signature.
    Path("kept.txt").write_bytes((kept + "\n").replace("\n", "\r\n").encode())
    trusted = runner.invoke(
        main, ["audit", "verify", "--trusted-checkpoint", "kept.txt"], env=founded
    )
    assert trusted.exit_code == 0 and "trusted checkpoints: 1 verified" in trusted.output
    made = runner.invoke(main, ["audit", "proof", "--index", "3", "p.txt"], env=founded)
    assert made.exit_code == 0, made.output
    Path("p.txt").write_text(Path("p.txt").read_text() + "\n")
    checked = runner.invoke(main, ["audit", "check-proof", "p.txt", "--log-key", log_key])
    assert checked.exit_code == 0, checked.output
    # The same record claimed at another position: well formed, and false.
    Path("p.txt").write_text(Path("p.txt").read_text().replace("\nindex 3\n", "\nindex 2\n"))
    alarm = runner.invoke(main, ["audit", "check-proof", "p.txt", "--log-key", log_key])
    assert alarm.exit_code == 1 and "does not verify" in alarm.output, alarm.output


def test_events_under_no_checkpoint_are_pointed_out(
    runner: CliRunner,
    founded: dict[str, str],
    store: Callable[[], Registry],
    founder: Signer,
) -> None:
    with store() as registry:
        registry.store.publish_checkpoint()
        covered = registry.store.count()
        add_enterprises(registry, founder, 2)  # appended after the last checkpoint
    result = runner.invoke(main, ["audit", "verify"], env=founded)
    assert result.exit_code == 0, result.output
    assert f"events {covered} to {covered + 1} are under no signed checkpoint" in result.output
    with store() as registry:
        registry.store.publish_checkpoint()
    assert (
        "no signed checkpoint" not in runner.invoke(main, ["audit", "verify"], env=founded).output
    )
