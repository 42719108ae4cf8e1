"""The registry as a checkpoint commits to it: a view of the past anchored to a signed note.

A union clerk or a discipline reviewer who kept a checkpoint asks who held a certificate as the
log stood then; the view is shown only when the log's first events still hash to that
checkpoint's root under the log key published among them.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from craftreg.application import Registry
from craftreg.cli import main
from craftreg.domain.authority import OrgKind
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import Checkpoint, log_signer_key
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.note import sign_note
from craftreg.projections.errors import BeyondTheLog, CheckpointRefused
from craftreg.projections.history import PastViews
from tests.ledger.conftest import Database
from tests.projections.story import Story

DAY = date(2030, 6, 30)


@pytest.fixture
def story(registry: Registry) -> Story:
    return Story(registry).tell()


@pytest.fixture
def log_key() -> Signer:
    return Signer.generate()


@pytest.fixture
def kept(story: Story, database_url: str, log_key: Signer) -> Checkpoint:
    """The story's log key published and a checkpoint signed over it; then the log goes on."""
    with Registry(database_url, log_key) as registry:
        registry.clock = story.calendar.now  # the story's days, not today's
        publish_log_key(registry, story.cast.root, log_key)  # signs a checkpoint on append
        registry.store.publish_checkpoint()
        published = registry.store.ledger.checkpoints.latest()
        assert published is not None and published.checkpoint.size == registry.current().position
        registry.register_organisation(
            story.cast.root, OrgKind.ENTERPRISE, "后来登记的企业", registry.national_federation
        )
        assert registry.current().position == published.checkpoint.size + 1
    return published.checkpoint


def note_of(checkpoint: Checkpoint, key: Signer, name: str | None = None) -> str:
    return sign_note(checkpoint.text(), log_signer_key(name or checkpoint.origin, key))


def holders(past: PastViews) -> list[str]:
    return sorted(str(c["number"]) for c in past.holders_on(DAY, tier="provincial"))


def test_a_view_as_of_a_checkpoint_is_the_log_it_commits_to(
    kept: Checkpoint, database_url: str, log_key: Signer
) -> None:
    with PastViews(database_url, checkpoint=note_of(kept, log_key)) as anchored:
        assert (anchored.size, anchored.root) == (kept.size, kept.root)
        with PastViews(database_url, size=kept.size) as plain:
            assert plain.root == kept.root
            assert holders(anchored) == holders(plain) == ["S33-2029-00002", "浙工匠〔2024〕001"]
    with PastViews(database_url, size=kept.size + 1) as later:
        assert later.root != kept.root


def test_a_changed_log_cannot_pass_for_the_checkpoint(
    kept: Checkpoint, database_url: str, log_key: Signer
) -> None:
    database = Database(database_url)
    [(first,)] = database.run("SELECT MIN({id}) FROM stored_events")
    [(record,)] = database.run("SELECT state FROM stored_events WHERE {id} = ?", (first + 40,))
    changed = bytes(record).replace(b"2027", b"2026", 1)
    assert changed != bytes(record)
    database.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (changed, first + 40))
    with pytest.raises(CheckpointRefused) as refused:
        PastViews(database_url, checkpoint=note_of(kept, log_key))
    assert f"first {kept.size} events" in refused.value.en and "根哈希" in refused.value.zh
    assert refused.value.code == "checkpoint-refused"


def test_a_checkpoint_the_log_key_did_not_sign_is_refused(
    kept: Checkpoint, database_url: str
) -> None:
    with pytest.raises(CheckpointRefused) as refused:
        PastViews(database_url, checkpoint=note_of(kept, Signer.generate()))
    assert "signature of the log key" in refused.value.en and "签名" in refused.value.zh


def test_a_checkpoint_of_another_log_is_refused(
    kept: Checkpoint, database_url: str, log_key: Signer
) -> None:
    other = Checkpoint("other.example/log", kept.size, kept.root)
    with pytest.raises(CheckpointRefused) as refused:
        PastViews(database_url, checkpoint=note_of(other, log_key))
    assert "'other.example/log'" in refused.value.en and "other.example/log" in refused.value.zh


@pytest.mark.parametrize(
    "note",
    ["", "not a note\n", "craftreg.test/x\n12\nnot-base64\n\n— craftreg.test/x AAAA\n"],
    ids=["empty", "no signature", "malformed"],
)
def test_a_note_that_is_no_checkpoint_is_refused(
    kept: Checkpoint, database_url: str, note: str
) -> None:
    with pytest.raises(CheckpointRefused) as refused:
        PastViews(database_url, checkpoint=note)
    assert "not a signed checkpoint note" in refused.value.en and "检查点" in refused.value.zh


def test_a_checkpoint_beyond_the_log_is_refused(
    kept: Checkpoint, database_url: str, log_key: Signer
) -> None:
    beyond = Checkpoint(kept.origin, kept.size + 2, kept.root)
    with pytest.raises(BeyondTheLog):
        PastViews(database_url, checkpoint=note_of(beyond, log_key))


def test_holders_as_of_a_kept_checkpoint_from_the_command_line(
    kept: Checkpoint, database_url: str, log_key: Signer, tmp_path: Path
) -> None:
    runner = CliRunner(env={"CRAFTREG_DATABASE_URL": database_url})
    asked = ["projections", "holders", "--tier", "provincial", "--on", DAY.isoformat()]
    note = tmp_path / "checkpoint.txt"
    note.write_text(note_of(kept, log_key))
    anchored = runner.invoke(main, [*asked, "--checkpoint", str(note)])
    by_size = runner.invoke(main, [*asked, "--size", str(kept.size)])
    assert anchored.exit_code == 0 and anchored.output == by_size.output
    root = base64.b64encode(kept.root).decode()
    assert f"2 holders (log size {kept.size}, root {root})" in anchored.output
    forged = tmp_path / "forged.txt"
    forged.write_text(note_of(kept, Signer.generate()))
    refused = runner.invoke(main, [*asked, "--checkpoint", str(forged)])
    assert refused.exit_code == 1 and "[checkpoint-refused]" in refused.output
    both = runner.invoke(main, [*asked, "--checkpoint", str(note), "--size", "3"])
    assert both.exit_code == 2 and "not both" in both.output
