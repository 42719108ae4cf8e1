"""A compact range: the root of a growing Merkle tree in O(log n) memory (RFC 9162 §2.1.1).

A tree of n leaves is, by the RFC's definition of MTH (split at the largest power of two
below n), the fold from the right of the perfect subtrees given by the 1 bits of n, largest
first. Keeping only those subtree hashes, adding a leaf merges them like a binary counter
carrying, and each merge completes one perfect subtree — which the ledger's storage keeps as
a node (level, index) so that proofs are read, not recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from craftreg.ledger.merkle import EMPTY_ROOT, node_hash

Node = tuple[int, int, bytes]
"""A perfect subtree: (level, index, hash) over leaves [index·2**level, (index+1)·2**level)."""


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) that make up leaves [start, end), left to right.

    ``start`` must be a multiple of the largest power of two not above ``end - start``, as it
    is for every subtree of RFC 9162's recursion and for [0, n).
    """
    parts: list[tuple[int, int]] = []
    width = end - start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            parts.append((level, start >> level))
            start += 1 << level
    return parts


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root over consecutive perfect subtrees, largest first: fold from the right."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class CompactRange:
    """The perfect subtrees of leaves [0, size), largest first, and the root they fold to."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} perfect subtrees")

    def append(self, leaf: bytes) -> list[Node]:
        """Add one leaf hash; return the nodes above level 0 that it completed."""
        made: list[Node] = []
        carry, count, level = leaf, self.size, 0
        while count & 1:
            carry = node_hash(self.hashes.pop(), carry)
            count >>= 1
            level += 1
            made.append((level, self.size >> level, carry))
        self.hashes.append(carry)
        self.size += 1
        return made

    def root(self) -> bytes:
        return fold(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)
