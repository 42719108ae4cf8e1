"""The log's Merkle tree, stored: leaves and perfect-subtree nodes (RFC 9162 §2.1).

As in Go's checksum database (golang.org/x/mod/sumdb/tlog), every perfect subtree is stored
once it is complete and never changes, so:

* an append writes its leaf and the nodes it completes — on average two rows — from an
  in-memory :class:`~craftreg.ledger.compact.CompactRange`, never recomputing the tree;
* the root at any size, an inclusion proof (§2.1.3.1) or a consistency proof (§2.1.4.1) is
  made from O(log n) stored hashes fetched in one query.

Only the holder of the append lock writes; readers (proofs, roots) need no lock, because a
stored node is immutable and a size is only asked for once its leaves are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from craftreg.ledger.compact import CompactRange, Node, fold, perfect_subtrees
from craftreg.ledger.db import LedgerDB, Sql
from craftreg.ledger.merkle import NodeReader, consistency_proof, inclusion_proof, leaf_hash

Leaf = tuple[int, int, bytes]
"""(position, notification id, record bytes) of one logged event."""


class TreeError(RuntimeError):
    """The stored tree is not what the log implies (missing nodes, a size never stored)."""


class MerkleStore:
    """Reads and writes the tree kept in ``ledger_leaves`` and ``ledger_nodes``."""

    def __init__(self, db: LedgerDB) -> None:
        self.db = db
        self.range: CompactRange | None = None  # in step with the database, once loaded
        self.last_notification = 0

    # -- writing (under the append lock) --------------------------------------------------

    def load(self) -> CompactRange:
        """Read the stored size and its perfect subtrees into memory."""
        rows = self.db.query(
            "SELECT position, notification_id FROM {ledger_leaves} ORDER BY position DESC LIMIT 1"
        )
        size = rows[0][0] + 1 if rows else 0
        self.last_notification = rows[0][1] if rows else 0
        parts = perfect_subtrees(0, size)
        hashes = self._fetch(parts, size)
        self.range = CompactRange(size, (hashes[p] for p in parts))
        return self.range

    def append(self, leaves: Sequence[Leaf]) -> None:
        """Store leaves that extend the tree, with the nodes they complete, in one transaction."""
        tree = (self.range or self.load()).copy()
        leaf_rows: list[tuple[int, int, bytes]] = []
        node_rows: list[Node] = []
        for position, notification_id, record in leaves:
            if position != tree.size:
                raise TreeError(f"leaf {position} does not extend a tree of {tree.size} leaves")
            hashed = leaf_hash(record)
            leaf_rows.append((position, notification_id, hashed))
            node_rows.extend(tree.append(hashed))
        self.db.write_derived(
            [
                ("ledger_leaves", ("position", "notification_id", "leaf_hash"), leaf_rows),
                ("ledger_nodes", ("level", "idx", "hash"), node_rows),
            ]
        )
        # Only a committed write moves the in-memory tree: a failed one leaves it as stored.
        self.range = tree
        if leaf_rows:
            self.last_notification = leaf_rows[-1][1]

    def follow(self, leaves: Sequence[Leaf]) -> None:
        """Move the in-memory tree over leaves another writer has stored, which extend it
        (``Ledger.follow`` checks that they do)."""
        assert self.range is not None
        tree = self.range.copy()
        for _, _, record in leaves:
            tree.append(leaf_hash(record))
        self.range = tree
        self.last_notification = leaves[-1][1]

    def invalidate(self) -> None:
        """Forget the in-memory tree: the next writer reloads it from the database."""
        self.range = None

    @property
    def size(self) -> int:
        return (self.range or self.load()).size

    def root(self) -> bytes:
        return (self.range or self.load()).root()

    # -- reading (any process, no lock) ---------------------------------------------------

    def stored_size(self, sql: Sql | None = None) -> int:
        query = "SELECT max(position) FROM {ledger_leaves}"
        rows = sql.run(query) if sql is not None else self.db.query(query)
        return 0 if rows[0][0] is None else int(rows[0][0]) + 1

    def root_at(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves (RFC 9162 §2.1.1), from ≤ log2(size)+1 stored hashes."""
        parts = perfect_subtrees(0, size)
        hashes = self._fetch(parts, size)
        return fold([hashes[p] for p in parts])

    def leaf_and_inclusion_proof(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash at ``index`` and PATH(index, D[size]) of RFC 9162 §2.1.3.1, read
        together."""
        leaf: list[bytes] = []

        def build(get_node: NodeReader) -> list[bytes]:
            leaf[:] = [get_node(index, index + 1)]
            return inclusion_proof(index, size, get_node)

        proof = self._prove(build, size)
        return leaf[0], proof

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1."""
        return self._prove(lambda get_node: consistency_proof(size1, size2, get_node), size2)

    def leaf_hashes(self, start: int, stop: int) -> list[bytes]:
        rows = self.db.query(
            "SELECT leaf_hash FROM {ledger_leaves} WHERE position >= ? AND position < ?"
            " ORDER BY position",
            (start, stop),
        )
        return [row[0] for row in rows]

    def _prove(self, build: Callable[[NodeReader], list[bytes]], size: int) -> list[bytes]:
        # The proof functions only collect what get_node returns, so a first pass with a
        # recording callback names every subtree the proof needs; one query then fetches
        # their perfect parts, and the second pass assembles the proof from those.
        wanted: list[tuple[int, int]] = []

        def record(start: int, end: int) -> bytes:
            wanted.append((start, end))
            return b""

        build(record)
        parts = {(start, end): perfect_subtrees(start, end) for start, end in wanted}
        hashes = self._fetch({q for qs in parts.values() for q in qs}, size)
        return build(lambda start, end: fold([hashes[q] for q in parts[(start, end)]]))

    def _fetch(
        self, coordinates: Iterable[tuple[int, int]], size: int
    ) -> dict[tuple[int, int], bytes]:
        """Stored hashes of perfect subtrees (level, index) within a tree of ``size`` leaves.

        Level 0 are the leaves. A node exists only once its last leaf is stored, so a size
        beyond the stored tree always lacks one and is refused.
        """
        leaves = sorted({i for level, i in coordinates if level == 0})
        nodes = sorted({(level, i) for level, i in coordinates if level > 0})
        if not leaves and not nodes:
            return {}
        clauses: list[str] = []
        params: list[int] = []
        if leaves:
            marks = ", ".join("?" * len(leaves))
            clauses.append(
                f"SELECT 0, position, leaf_hash FROM {{ledger_leaves}} WHERE position IN ({marks})"
            )
            params.extend(leaves)
        if nodes:
            pairs = " OR ".join("(level = ? AND idx = ?)" for _ in nodes)
            clauses.append(f"SELECT level, idx, hash FROM {{ledger_nodes}} WHERE {pairs}")
            params.extend(v for node in nodes for v in node)
        rows = self.db.query(" UNION ALL ".join(clauses), params)
        found = {(int(level), int(index)): bytes(h) for level, index, h in rows}
        if len(found) != len(leaves) + len(nodes):
            raise TreeError(f"the stored tree holds fewer than {size} leaves")
        return found
