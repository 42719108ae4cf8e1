"""Checkpoints: the C2SP format, signed by the log key the log itself publishes, published on
append and on demand, every one kept, and never two that are inconsistent."""

from __future__ import annotations

import pytest

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.domain.errors import OutsideJurisdiction, RuleViolation, WrongRole
from craftreg.keys import Signer
from craftreg.ledger import ledger as ledger_module
from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError, log_verifier_key
from craftreg.ledger.errors import BadCheckpointSize, LedgerCorrupt, UnknownCheckpoint
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.merkle import leaf_hash, root_hash
from craftreg.ledger.note import verify_note
from tests.helpers import Cast, MemoryLog
from tests.ledger.conftest import ORIGIN, Database, add_enterprises


def test_the_checkpoint_text_is_origin_size_and_root() -> None:
    checkpoint = Checkpoint("example.com/log", 20852163, bytes(range(32)))
    text = checkpoint.text()
    assert text == "example.com/log\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert Checkpoint.parse(text) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        "example.com/log\n012\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "example.com/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
        "example.com/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n",
        "example.com/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "example.com/log\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    ],
)
def test_a_malformed_checkpoint_text_is_refused(text: str) -> None:
    with pytest.raises(CheckpointFormatError):
        Checkpoint.parse(text)


def test_a_checkpoint_commits_to_the_log_and_verifies_with_the_published_key(
    ledger: Registry, root: Signer, log_key: Signer
) -> None:
    add_enterprises(ledger, root, 5)
    published = ledger.store.publish_checkpoint()
    assert published is not None
    state = ledger.store.refresh()
    assert state.log_key == log_verifier_key(ORIGIN, log_key.public_key)
    note = verify_note(published.note, [state.log_key])
    checkpoint = Checkpoint.parse(note.text)
    records = [e.record for e in ledger.store.log()]
    assert checkpoint == Checkpoint(ORIGIN, 7, root_hash([leaf_hash(r) for r in records]))
    assert ledger.store.publish_checkpoint() is None  # nothing new, nothing signed


def test_every_published_checkpoint_is_kept(
    ledger: Registry, root: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no wait between checkpoints, each append publishes one."""
    monkeypatch.setattr(ledger_module, "PUBLISH_INTERVAL", 0.0)
    add_enterprises(ledger, root, 4)
    sizes = [p.checkpoint.size for p in ledger.store.ledger.checkpoints.all()]
    assert sizes == [2, 3, 4, 5, 6]


def test_checkpoints_are_served_page_by_page_as_one_by_one_even_when_tampered(
    ledger: Registry, root: Signer, monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    """An auditor reads every checkpoint with its cosignature lines (all_served, a query per
    page): the same notes as served() one by one, even where a tampered row's note names
    another size than its row."""
    monkeypatch.setattr(ledger_module, "PUBLISH_INTERVAL", 0.0)
    add_enterprises(ledger, root, 4)
    store = ledger.store.ledger.checkpoints
    for size in (3, 5, 6):
        store.add_cosignatures(size, {f"w{size}": (size, f"— witness/{size} cosignature")})
    notes = {size: note for size, note in database.run("SELECT size, note FROM ledger_checkpoints")}
    database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = 4", (notes[6],))
    database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = 6", (notes[4],))
    one_by_one = [(p.checkpoint.size, store.served(p)) for p in store.all()]
    assert [size for size, _ in one_by_one] == [2, 3, 6, 5, 4]
    assert list(store.all_served()) == one_by_one
    assert "— witness/6 cosignature" in one_by_one[2][1]


def test_checkpoints_are_listed_largest_first_with_their_cosignature_counts(
    ledger: Registry, root: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PUBLISH_INTERVAL", 0.0)
    add_enterprises(ledger, root, 4)
    store = ledger.store.ledger.checkpoints
    store.add_cosignatures(3, {"w1": (3, "— witness/1 cosignature")})
    store.add_cosignatures(5, {f"w{n}": (5, f"— witness/{n} cosignature") for n in (1, 2)})

    def listed(below: int | None, limit: int, cosigned: bool = False) -> list[tuple[int, int]]:
        return [(c.size, c.cosignatures) for c in store.listed(below, limit, cosigned)]

    assert listed(None, 10) == [(6, 0), (5, 2), (4, 0), (3, 1), (2, 0)]
    assert listed(5, 2) == [(4, 0), (3, 1)]
    assert listed(None, 1, cosigned=True) == [(5, 2)]
    assert listed(5, 10, cosigned=True) == [(3, 1)]


def test_a_checkpoint_is_found_by_its_exact_size_or_refused_specifically(
    ledger: Registry, root: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PUBLISH_INTERVAL", 3600.0)  # none signed on append
    add_enterprises(ledger, root, 3)
    ledger.store.publish_checkpoint()
    log = ledger.store.ledger
    assert log.published(5).checkpoint.size == log.published().checkpoint.size == 5
    first = log.checkpoints.at(2)
    assert first is not None and log.served(2) == log.checkpoints.served(first)
    with pytest.raises(UnknownCheckpoint):
        log.published(3)
    for beyond in (0, 6):
        with pytest.raises(BadCheckpointSize):
            log.published(beyond)


def test_appends_within_the_interval_share_one_checkpoint(ledger: Registry, root: Signer) -> None:
    add_enterprises(ledger, root, 3)
    # The first checkpoint came with the log key; the next is due a second later.
    assert [p.checkpoint.size for p in ledger.store.ledger.checkpoints.all()] == [2]


def test_the_log_never_signs_a_checkpoint_inconsistent_with_the_last(
    ledger: Registry, root: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 3)
    assert ledger.store.publish_checkpoint() is not None
    add_enterprises(ledger, root, 2)
    # The stored nodes no longer lead to the last signed root.
    database.run("UPDATE ledger_nodes SET hash = ?", (bytes(32),))
    database.run("UPDATE ledger_leaves SET leaf_hash = ? WHERE position < 4", (bytes(32),))
    with pytest.raises(LedgerCorrupt):
        ledger.store.publish_checkpoint()
    assert [p.checkpoint.size for p in ledger.store.ledger.checkpoints.all()] == [2, 5]


def test_a_tree_that_drifted_in_memory_is_not_signed(ledger: Registry, root: Signer) -> None:
    add_enterprises(ledger, root, 3)
    ledger.store.publish_checkpoint()
    add_enterprises(ledger, root, 1)
    tree = ledger.store.ledger.tree.range
    assert tree is not None
    tree.hashes[0] = bytes(32)
    with pytest.raises(LedgerCorrupt):
        ledger.store.publish_checkpoint()


def test_no_checkpoint_without_a_published_log_key(database_url: str, root: Signer) -> None:
    key = Signer.generate()
    with Registry(database_url, key) as registry:
        registry.found(root, origin=ORIGIN)
        add_enterprises(registry, root, 2)
        assert registry.store.publish_checkpoint() is None
    with Registry(database_url) as keyless:
        publish_log_key(keyless, root, key)
        assert keyless.store.publish_checkpoint() is None  # the server does not hold it
    with Registry(database_url, key) as registry:
        assert registry.store.publish_checkpoint() is not None


def test_a_rotated_log_key_signs_from_its_publication_on(
    ledger: Registry, root: Signer, log_key: Signer
) -> None:
    add_enterprises(ledger, root, 2)
    ledger.store.publish_checkpoint()
    new_key = Signer.generate()
    ledger.store.ledger.log_key = new_key
    publish_log_key(ledger, root, new_key)
    published = ledger.store.publish_checkpoint()
    assert published is not None
    verify_note(published.note, [log_verifier_key(ORIGIN, new_key.public_key)])
    assert ledger.store.refresh().log_key == log_verifier_key(ORIGIN, new_key.public_key)


class TestLogKeyPublished:
    """The rules of the event, on the pure domain (no store)."""

    def setup_method(self) -> None:
        self.log = MemoryLog()
        self.cast = Cast(self.log)
        self.key = Signer.generate()

    def payload(self, key: Signer | None = None) -> dict[str, str]:
        key = key or self.key
        return {
            "public_key": key.public_key_b64,
            "verifier_key": log_verifier_key(ORIGIN, key.public_key),
        }

    def test_the_root_publishes_it_in_the_registry_stream(self) -> None:
        registry = self.log.current().chain.registry
        self.log.decide(self.cast.root, registry, "LogKeyPublished", self.payload())
        assert self.log.current().log_key == self.payload()["verifier_key"]

    def test_only_in_the_registry_stream(self) -> None:
        with pytest.raises(RuleViolation):
            self.log.decide(self.cast.root, self.cast.zhejiang, "LogKeyPublished", self.payload())

    def test_only_by_a_registrar_of_the_national_federation(self) -> None:
        registry = self.log.current().chain.registry
        with pytest.raises(OutsideJurisdiction):
            self.log.decide(self.cast.zj_registrar_key, registry, "LogKeyPublished", self.payload())
        auditor = Signer.generate()
        self.log.enrol_actor(
            self.cast.root, self.log.national_federation, "审计员", [Role.AUDITOR], auditor
        )
        with pytest.raises(WrongRole):
            self.log.decide(auditor, registry, "LogKeyPublished", self.payload())

    def test_the_verifier_key_must_be_the_public_key_named_after_the_origin(self) -> None:
        registry = self.log.current().chain.registry
        payload = self.payload()
        payload["verifier_key"] = log_verifier_key("another.example/log", self.key.public_key)
        with pytest.raises(RuleViolation):
            self.log.decide(self.cast.root, registry, "LogKeyPublished", payload)

    def test_an_actor_s_signing_key_cannot_be_the_log_key(self) -> None:
        registry = self.log.current().chain.registry
        with pytest.raises(RuleViolation):
            self.log.decide(
                self.cast.root, registry, "LogKeyPublished", self.payload(self.cast.root)
            )
