"""The stored Merkle tree: the same roots and proofs as RFC 9162 recomputed from scratch,
kept in step with the log by every writer, and healed after a crash between the two writes."""

from __future__ import annotations

import hashlib

import pytest
from eventsourcing.persistence import OperationalError

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind
from craftreg.keys import Signer
from craftreg.ledger.compact import CompactRange, perfect_subtrees
from craftreg.ledger.errors import BadProofRequest
from craftreg.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    subtree_hash_from_leaves,
)
from craftreg.ledger.tree import MerkleStore
from tests.ledger.conftest import Database, add_enterprises


def leaves_of(registry: Registry) -> list[bytes]:
    return [leaf_hash(e.record) for e in registry.store.log()]


def test_a_compact_range_has_the_rfc_root_and_completes_every_perfect_subtree() -> None:
    leaves = [hashlib.sha256(n.to_bytes(4, "big")).digest() for n in range(300)]
    tree = CompactRange()
    made: dict[tuple[int, int], bytes] = {}
    for size in range(1, 301):
        for level, index, value in tree.append(leaves[size - 1]):
            made[(level, index)] = value
        assert tree.root() == root_hash(leaves[:size])
        for level, index in perfect_subtrees(0, size):
            start, end = index << level, (index + 1) << level
            expected = leaves[start] if level == 0 else made[(level, index)]
            assert expected == root_hash(leaves[start:end])
    assert CompactRange().root() == root_hash([])


def test_perfect_subtrees_tile_every_rfc_subtree_range() -> None:
    for start, end in [(0, 7), (4, 7), (8, 13), (0, 1), (12, 16), (16, 21)]:
        parts = perfect_subtrees(start, end)
        covered = [i for level, index in parts for i in range(index << level, (index + 1) << level)]
        assert covered == list(range(start, end))


def test_proofs_and_roots_read_from_storage_equal_the_rfc_definitions(
    ledger: Registry, root: Signer
) -> None:
    add_enterprises(ledger, root, 35)
    leaves = leaves_of(ledger)
    tree = ledger.store.ledger.tree
    assert tree.stored_size() == len(leaves) == 37
    naive = subtree_hash_from_leaves(leaves)
    for size in (1, 2, 3, 8, 13, 16, 31, 37):
        assert tree.root_at(size) == root_hash(leaves[:size])
        for index in {0, size // 2, size - 1}:
            leaf, proof = tree.leaf_and_inclusion_proof(index, size)
            assert proof == inclusion_proof(index, size, naive)
            assert leaf == naive(index, index + 1)
        for first in {1, size // 3 or 1, size - 1 or 1, size}:
            assert tree.consistency_proof(first, size) == consistency_proof(first, size, naive)


def test_a_proof_beyond_the_stored_tree_is_refused(ledger: Registry) -> None:
    with pytest.raises(BadProofRequest):
        ledger.store.ledger.inclusion_proof(0, 3)
    with pytest.raises(BadProofRequest):
        ledger.store.ledger.consistency_proof(1, 3)
    with pytest.raises(BadProofRequest):
        ledger.store.ledger.consistency_proof(0, 2)


def test_a_lost_leaf_write_is_filled_in_by_the_next_append(
    ledger: Registry, root: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event commits, the leaf write fails (as if the process died between the two):
    the append still succeeds, and the next writer fills the tree from the log."""
    real_append = MerkleStore.append

    def failing(self: MerkleStore, leaves: object) -> None:
        monkeypatch.setattr(MerkleStore, "append", real_append)
        raise OperationalError("the database went away")

    monkeypatch.setattr(MerkleStore, "append", failing)
    add_enterprises(ledger, root, 1)
    assert ledger.store.count() == 3
    assert ledger.store.ledger.tree.stored_size() == 2
    add_enterprises(ledger, root, 1)
    assert ledger.store.ledger.tree.stored_size() == 4
    assert ledger.store.ledger.tree.root_at(4) == root_hash(leaves_of(ledger))


def test_leaves_missing_after_a_crash_are_rebuilt_by_another_store(
    ledger: Registry, root: Signer, log_key: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 6)
    database.run("DELETE FROM ledger_leaves WHERE position >= 5")
    database.run("DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > 5")
    with Registry(ledger.store.database_url, log_key) as other:
        add_enterprises(other, root, 1)
        assert other.store.ledger.tree.root_at(9) == root_hash(leaves_of(other))


def test_writers_in_two_stores_keep_one_tree(
    ledger: Registry, root: Signer, log_key: Signer
) -> None:
    with Registry(ledger.store.database_url, log_key) as other:
        for _ in range(3):
            add_enterprises(ledger, root, 2)
            add_enterprises(other, root, 3)
    leaves = leaves_of(ledger)
    assert ledger.store.ledger.tree.leaf_hashes(0, len(leaves)) == leaves
    assert ledger.store.ledger.tree.root_at(len(leaves)) == root_hash(leaves)


def test_writers_taking_turns_keep_their_trees_in_step_with_the_log(
    founded: Registry, root: Signer
) -> None:
    """Each writer moves its in-memory tree over the other's events as it catches up (on
    PostgreSQL from the rows the append lock reads); every leaf it then writes extends the
    tree the log implies."""
    other = Registry(founded.store.database_url)
    try:
        for n in range(6):
            writer = (founded, other)[n % 2]
            writer.register_organisation(
                root, OrgKind.ENTERPRISE, f"企业{n}", founded.national_federation
            )
            records = [e.record for e in writer.store.log()]
            tree = writer.store.ledger.tree
            assert tree.range is not None and tree.range.size == len(records)
            assert tree.root() == root_hash([leaf_hash(r) for r in records])
            assert tree.stored_size() == len(records)
    finally:
        other.close()


def test_a_tree_that_does_not_line_up_with_the_leaves_seen_is_reloaded(
    founded: Registry, root: Signer
) -> None:
    ledger = founded.store.ledger
    assert ledger.tree.range is not None
    size = ledger.tree.range.size
    ledger.follow([(size, 99, b"not stored")], stored=size)
    assert ledger.tree.range is None
    founded.register_organisation(root, OrgKind.ENTERPRISE, "企业", founded.national_federation)
    records = [e.record for e in founded.store.log()]
    assert ledger.tree.root() == root_hash([leaf_hash(r) for r in records])
