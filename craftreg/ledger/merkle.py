"""Merkle tree hashing and proofs of RFC 9162 §2.1 (Certificate Transparency 2.0).

The log is a Merkle tree over a list of entries. Everything here works on hashes
only: callers hash entries with :func:`leaf_hash` and hand in 32-byte SHA-256
values. Verification is written as in transparency-dev/merkle: a proof is split
at the level where the path of the leaf joins the right border of the tree,
which gives the exact proof length up front and is equivalent to the
bit-walking algorithms written out in the RFC.

Proof generation takes a ``get_node(start, end)`` callback returning the hash
of the subtree over leaves ``[start, end)``, so a storage layer can serve it
from stored nodes; :func:`subtree_hash_from_leaves` serves it from a list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
"""Length in bytes of every hash: SHA-256 is the hash algorithm of RFC 9162 logs."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}), the root hash of the empty tree (RFC 9162 §2.1.1)."""

NodeReader = Callable[[int, int], bytes]
"""``get_node(start, end)``: hash of the subtree over leaves ``[start, end)``."""


class ProofError(ValueError):
    """A proof, or a size or hash given with it, does not check out."""


def leaf_hash(data: bytes) -> bytes:
    """Hash of one log entry, ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1).

    The 0x00 prefix, against 0x01 for inner nodes, keeps a leaf from being
    passed off as an inner node (second-preimage protection).
    """
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an inner node, ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1 over leaves already hashed with :func:`leaf_hash`.

    Linear time: the stack keeps one hash per perfect subtree of the leaves seen
    so far, largest first, and adding a leaf merges them like a binary counter
    carrying. The RFC splits at the largest power of two below n, so the final
    root folds those perfect subtrees together from the right.
    """
    stack: list[bytes] = []
    for count, current in enumerate(leaf_hashes):
        carry = current
        while count & 1:
            carry = node_hash(stack.pop(), carry)
            count >>= 1
        stack.append(carry)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree ``root``.

    Implements the verification of RFC 9162 §2.1.3.2 for a tree of ``size``
    leaves; ``proof`` is the inclusion path of §2.1.3.1, nearest sibling first.
    Raises :class:`ProofError` if the index is outside the tree, a hash is not
    32 bytes, the proof has the wrong length or it does not lead to ``root``.
    """
    _check_not_negative(index=index, size=size)
    if index >= size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root hash", root)
    _check_proof_hashes(proof)
    inner, border = _split_path(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"an inclusion proof for leaf {index} in a tree of size {size} has "
            f"{inner + border} hashes, this one has {len(proof)}"
        )
    computed = _chain_inner(leaf_hash, proof[:inner], index)
    computed = _chain_border(computed, proof[inner:])
    if computed != root:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} leads to root "
            f"{computed.hex()}, not to the given root {root.hex()}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``root2`` of ``size2`` leaves extends the tree ``root1`` of ``size1``.

    Implements the verification of RFC 9162 §2.1.4.2; ``proof`` is the
    consistency proof of §2.1.4.1. A tree of size 0 is refused, as is
    ``size1 > size2``. For ``size1 == size2`` the proof must be empty and the
    roots are only compared. Otherwise the roots and proof hashes must be
    32 bytes, the proof must have its exact length and must reproduce both
    roots. Any failure raises :class:`ProofError`.
    """
    _check_not_negative(size1=size1, size2=size2)
    if size1 > size2:
        raise ProofError(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == 0:
        # Every tree extends the empty one, so such a "proof" would vouch for
        # nothing; refusing it keeps callers from mistaking it for a check.
        raise ProofError("the first tree is empty: a consistency proof from size 0 proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError(
                f"trees of equal size {size1} need an empty consistency proof, "
                f"this one has {len(proof)} hashes"
            )
        if root1 != root2:
            raise ProofError(f"trees of equal size {size1} have different root hashes")
        return
    _check_hash("first root hash", root1)
    _check_hash("second root hash", root2)
    _check_proof_hashes(proof)

    # The last perfect subtree of the first tree, 2**level leaves wide, is also
    # a node of the second tree; the proof is that node's inclusion path in the
    # second tree, read from its level upwards.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    inner, border = _split_path(index, ((size2 - 1) >> level) + 1)
    # That node is given first in the proof unless it is the whole first tree
    # (size1 a power of two), whose root the verifier already has.
    seeded = index != 0
    expected = int(seeded) + inner + border
    if len(proof) != expected:
        raise ProofError(
            f"a consistency proof from size {size1} to size {size2} has {expected} hashes, "
            f"this one has {len(proof)}"
        )
    seed = proof[0] if seeded else root1
    path = proof[int(seeded) :]

    computed1 = _chain_border(_chain_inner_left_only(seed, path[:inner], index), path[inner:])
    if computed1 != root1:
        raise ProofError(
            f"consistency proof from size {size1} gives first root {computed1.hex()}, "
            f"not the given {root1.hex()}"
        )
    computed2 = _chain_border(_chain_inner(seed, path[:inner], index), path[inner:])
    if computed2 != root2:
        raise ProofError(
            f"consistency proof to size {size2} gives second root {computed2.hex()}, "
            f"not the given {root2.hex()}"
        )


def inclusion_proof(index: int, size: int, get_node: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: the inclusion proof for one leaf.

    Calls ``get_node`` once per proof hash, so O(log size) times. Raises
    ValueError unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            siblings.append(get_node(split, end))
            end = split
        else:
            siblings.append(get_node(start, split))
            start = split
    # Collected from the root down; the RFC lists them from the leaf up.
    siblings.reverse()
    return siblings


def consistency_proof(size1: int, size2: int, get_node: NodeReader) -> list[bytes]:
    """PROOF(size1, D[size2]) = SUBPROOF(size1, D[size2], true) of RFC 9162 §2.1.4.1.

    Calls ``get_node`` once per proof hash, so O(log size2) times. The proof
    for equal sizes is empty. Raises ValueError unless ``0 < size1 <= size2``.
    """
    if not 0 < size1 <= size2:
        raise ValueError(
            f"a consistency proof needs 0 < size1 <= size2, got size1={size1}, size2={size2}"
        )
    nodes: list[bytes] = []
    start, end = 0, size2
    old = size1  # leaves of the first tree inside [start, end)
    first_tree_whole = True  # SUBPROOF's flag b
    while old != end - start:
        split = start + _largest_power_of_two_below(end - start)
        if start + old <= split:
            nodes.append(get_node(split, end))
            end = split
        else:
            nodes.append(get_node(start, split))
            old -= split - start
            start = split
            first_tree_whole = False
    if not first_tree_whole:
        nodes.append(get_node(start, end))
    # Collected from the root down; the RFC lists them from the bottom up.
    nodes.reverse()
    return nodes


def subtree_hash_from_leaves(leaves: Sequence[bytes]) -> NodeReader:
    """A ``get_node`` callback over an in-memory list of leaf hashes.

    Each call hashes the whole range, so it suits tests and small trees; the
    list is copied so later changes to it do not alter the tree.
    """
    snapshot = tuple(leaves)

    def get_node(start: int, end: int) -> bytes:
        if not 0 <= start < end <= len(snapshot):
            raise ValueError(
                f"subtree [{start}, {end}) is not a non-empty range of the {len(snapshot)} leaves"
            )
        return root_hash(snapshot[start:end])

    return get_node


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _split_path(index: int, size: int) -> tuple[int, int]:
    """Lengths of the two parts of the inclusion path of leaf ``index`` in a tree of ``size``.

    The inner part covers the levels below the point where the paths to
    ``index`` and to the last leaf ``size - 1`` join; its siblings lie on either
    side. Above that point the path runs along the right border of the tree,
    where a sibling exists only for the 1 bits of the index, and always on the
    left.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, path: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(path):
        seed = node_hash(sibling, seed) if (index >> level) & 1 else node_hash(seed, sibling)
    return seed


def _chain_inner_left_only(seed: bytes, path: Sequence[bytes], index: int) -> bytes:
    """Like :func:`_chain_inner`, but dropping siblings right of the path.

    Right siblings are leaves added after the node, so skipping them yields the
    hash the same subtree had in the earlier tree.
    """
    for level, sibling in enumerate(path):
        if (index >> level) & 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border(seed: bytes, path: Sequence[bytes]) -> bytes:
    for sibling in path:
        seed = node_hash(sibling, seed)
    return seed


def _check_not_negative(**numbers: int) -> None:
    for name, value in numbers.items():
        if value < 0:
            raise ProofError(f"{name} must not be negative, got {value}")


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _check_hash(f"proof hash #{position}", value)
