"""Tests of craftreg.ledger.merkle against published vectors and the RFC 9162 definitions."""

from __future__ import annotations

import base64
import functools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from craftreg.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    subtree_hash_from_leaves,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "public" / "merkle"
INCLUSION_FILES = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY_FILES = sorted((VECTORS / "consistency").rglob("*.json"))

# The leaf data behind the vectors' trees (transparency-dev/merkle,
# proof/verify_test.go, Apache-2.0): their happy paths are proofs in the tree
# over the first treeSize / size2 of these.
VECTOR_LEAF_DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

MAX_SIZE = 300
# A tuple, so that its slices are tuples and the naive MTH can be memoised on them.
LEAVES = tuple(leaf_hash(i.to_bytes(2, "big")) for i in range(MAX_SIZE))


def _load(path: Path) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(path.read_text())
    for key in ("root", "leafHash", "root1", "root2"):
        if key in raw:
            raw[key] = base64.b64decode(raw[key])
    raw["proof"] = [base64.b64decode(h) for h in raw["proof"] or []]
    return raw


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(VECTORS)) for p in paths]


def _flip_bit(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8 % len(value)] ^= 1 << (bit % 8)
    return bytes(flipped)


# Straight from the recursive definitions of RFC 9162 §2.1, deliberately naive.


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.cache
def naive_mth(d: tuple[bytes, ...]) -> bytes:
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return node_hash(naive_mth(d[:k]), naive_mth(d[k:]))


def naive_path(m: int, d: tuple[bytes, ...]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: tuple[bytes, ...], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [naive_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def test_vector_files_are_present() -> None:
    assert len(INCLUSION_FILES) > 50
    assert len(CONSISTENCY_FILES) > 50


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_ids(INCLUSION_FILES))
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    args = (v["leafHash"], v["leafIdx"], v["treeSize"], v["proof"], v["root"])
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_ids(CONSISTENCY_FILES))
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    args = (v["size1"], v["size2"], v["proof"], v["root1"], v["root2"])
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


HAPPY_INCLUSION = sorted((VECTORS / "inclusion").glob("*/happy-path.json"))
HAPPY_CONSISTENCY = sorted((VECTORS / "consistency").glob("*/happy-path.json"))


@pytest.mark.parametrize("path", HAPPY_INCLUSION, ids=_ids(HAPPY_INCLUSION))
def test_generated_inclusion_proof_matches_vector(path: Path) -> None:
    v = _load(path)
    leaves = [leaf_hash(d) for d in VECTOR_LEAF_DATA[: v["treeSize"]]]
    assert leaves[v["leafIdx"]] == v["leafHash"]
    assert root_hash(leaves) == v["root"]
    get_node = subtree_hash_from_leaves(leaves)
    assert inclusion_proof(v["leafIdx"], v["treeSize"], get_node) == v["proof"]


@pytest.mark.parametrize("path", HAPPY_CONSISTENCY, ids=_ids(HAPPY_CONSISTENCY))
def test_generated_consistency_proof_matches_vector(path: Path) -> None:
    v = _load(path)
    leaves = [leaf_hash(d) for d in VECTOR_LEAF_DATA[: v["size2"]]]
    assert root_hash(leaves[: v["size1"]]) == v["root1"]
    assert root_hash(leaves) == v["root2"]
    get_node = subtree_hash_from_leaves(leaves)
    assert consistency_proof(v["size1"], v["size2"], get_node) == v["proof"]


def test_root_hash_matches_rfc_definition_for_every_size() -> None:
    assert root_hash([]) == EMPTY_ROOT == naive_mth(())
    for size in range(1, MAX_SIZE + 1):
        assert root_hash(LEAVES[:size]) == naive_mth(LEAVES[:size]), size


def test_every_proof_up_to_the_largest_size_is_the_rfc_one() -> None:
    """Every (index, size) and every (size1, size2) from 1 to MAX_SIZE, beside the sampled
    properties below: the proofs are RFC 9162 §2.1.3 PATH and §2.1.4 SUBPROOF, and verify."""

    def get_node(start: int, end: int) -> bytes:
        return naive_mth(LEAVES[start:end])

    for size in range(1, MAX_SIZE + 1):
        tree = LEAVES[:size]
        root = naive_mth(tree)
        for index in range(size):
            proof = inclusion_proof(index, size, get_node)
            assert proof == naive_path(index, tree), (index, size)
            verify_inclusion(LEAVES[index], index, size, proof, root)
        for size1 in range(1, size + 1):
            proof = consistency_proof(size1, size, get_node)
            assert proof == naive_subproof(size1, tree, True), (size1, size)
            verify_consistency(size1, size, proof, naive_mth(LEAVES[:size1]), root)


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = LEAVES[0], LEAVES[1]
    assert leaf_hash(a + b) != node_hash(a, b)
    assert node_hash(a, b) != node_hash(b, a)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(0, size - 1)), size


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(1, size2)), size2


class CountingReader:
    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.calls = 0
        self._get = subtree_hash_from_leaves(leaves)

    def __call__(self, start: int, end: int) -> bytes:
        self.calls += 1
        return self._get(start, end)


@settings(max_examples=300, deadline=None)
@given(index_and_size())
def test_inclusion_proof_is_rfc_path_and_verifies(case: tuple[int, int]) -> None:
    index, size = case
    reader = CountingReader(LEAVES[:size])
    proof = inclusion_proof(index, size, reader)
    assert proof == naive_path(index, LEAVES[:size])
    assert reader.calls == len(proof) <= math.ceil(math.log2(size))
    verify_inclusion(LEAVES[index], index, size, proof, naive_mth(LEAVES[:size]))


@settings(max_examples=300, deadline=None)
@given(two_sizes())
def test_consistency_proof_is_rfc_subproof_and_verifies(case: tuple[int, int]) -> None:
    size1, size2 = case
    reader = CountingReader(LEAVES[:size2])
    proof = consistency_proof(size1, size2, reader)
    assert proof == naive_subproof(size1, LEAVES[:size2], True)
    assert reader.calls == len(proof) <= math.ceil(math.log2(size2)) + 1
    verify_consistency(size1, size2, proof, naive_mth(LEAVES[:size1]), naive_mth(LEAVES[:size2]))


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.sampled_from(["proof", "root", "leaf", "index"]), st.data())
def test_tampered_inclusion_fails(case: tuple[int, int], target: str, data: st.DataObject) -> None:
    index, size = case
    proof = naive_path(index, LEAVES[:size])
    root = naive_mth(LEAVES[:size])
    leaf = LEAVES[index]
    bit = data.draw(st.integers(0, 255), label="bit")
    if target == "proof" and proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        proof[position] = _flip_bit(proof[position], bit)
    elif target == "root":
        root = _flip_bit(root, bit)
    elif target == "index" and size > 1:
        other = data.draw(st.integers(0, size - 2), label="other index")
        index = other if other < index else other + 1
    else:
        leaf = _flip_bit(leaf, bit)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=300, deadline=None)
@given(two_sizes(), st.sampled_from(["proof", "root1", "root2", "size1"]), st.data())
def test_tampered_consistency_fails(
    case: tuple[int, int], target: str, data: st.DataObject
) -> None:
    size1, size2 = case
    proof = naive_subproof(size1, LEAVES[:size2], True)
    root1, root2 = naive_mth(LEAVES[:size1]), naive_mth(LEAVES[:size2])
    bit = data.draw(st.integers(0, 255), label="bit")
    if target == "proof" and proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        proof[position] = _flip_bit(proof[position], bit)
    elif target == "size1" and size2 > 1:
        other = data.draw(st.integers(1, size2 - 1), label="other size1")
        size1 = other if other < size1 else other + 1
    elif target == "root2":
        root2 = _flip_bit(root2, bit)
    else:
        root1 = _flip_bit(root1, bit)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


@settings(max_examples=200, deadline=None)
@given(two_sizes(), st.sampled_from(["truncate", "extend", "drop-first"]))
def test_consistency_proof_of_wrong_length_fails(case: tuple[int, int], change: str) -> None:
    size1, size2 = case
    proof = naive_subproof(size1, LEAVES[:size2], True)
    root1, root2 = naive_mth(LEAVES[:size1]), naive_mth(LEAVES[:size2])
    if change == "extend" or not proof:
        proof.append(root2)
    elif change == "truncate":
        proof.pop()
    else:
        proof.pop(0)
    with pytest.raises(ProofError, match="hashes"):
        verify_consistency(size1, size2, proof, root1, root2)


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [
        (-1, 4, "index must not be negative"),
        (0, -1, "size must not be negative"),
        (4, 4, "outside"),
        (0, 0, "outside"),
        (2**64 - 1, 5, "outside"),
    ],
)
def test_inclusion_rejects_impossible_positions(index: int, size: int, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        verify_inclusion(LEAVES[0], index, size, [], root_hash(LEAVES[:1]))


@pytest.mark.parametrize(("size1", "size2"), [(-1, 3), (2, -1), (0, 0), (0, 5), (5, 4)])
def test_consistency_rejects_impossible_sizes(size1: int, size2: int) -> None:
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, [], EMPTY_ROOT, EMPTY_ROOT)


def test_short_hashes_are_rejected_before_hashing() -> None:
    proof = naive_path(1, LEAVES[:4])
    root = naive_mth(LEAVES[:4])
    with pytest.raises(ProofError, match="proof hash #1 must be 32 bytes"):
        verify_inclusion(LEAVES[1], 1, 4, [proof[0], proof[1][:31]], root)
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        verify_inclusion(LEAVES[1][:31], 1, 4, proof, root)


def test_equal_sizes_only_compare_roots() -> None:
    root = naive_mth(LEAVES[:7])
    verify_consistency(7, 7, [], root, root)
    with pytest.raises(ProofError, match="different root"):
        verify_consistency(7, 7, [], root, _flip_bit(root, 0))
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(7, 7, [root], root, root)


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
def test_inclusion_proof_rejects_bad_arguments(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(index, size, subtree_hash_from_leaves(LEAVES[:3]))


@pytest.mark.parametrize(("size1", "size2"), [(0, 3), (4, 3), (-1, 3)])
def test_consistency_proof_rejects_bad_arguments(size1: int, size2: int) -> None:
    with pytest.raises(ValueError, match="0 < size1 <= size2"):
        consistency_proof(size1, size2, subtree_hash_from_leaves(LEAVES[:3]))


def test_subtree_reader_checks_range_and_snapshots_leaves() -> None:
    leaves = list(LEAVES[:4])
    get_node = subtree_hash_from_leaves(leaves)
    leaves[0] = LEAVES[10]
    assert get_node(0, 4) == naive_mth(LEAVES[:4])
    for start, end in [(2, 2), (3, 5), (-1, 2)]:
        with pytest.raises(ValueError, match="not a non-empty range"):
            get_node(start, end)
