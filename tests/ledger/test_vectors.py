"""The ledger's vectors (tests/vectors/ledger*.json[l]): an independent verifier's yardstick,
and a guard on the format — rebuilding them must give the same bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from craftreg.ledger.audit import replay
from craftreg.ledger.proofs import verify_consistency_bundle, verify_inclusion_bundle
from craftreg.ledger.sources import ExportSource
from tests.ledger.vectors import EXPECTED, EXPORT, apply, build

VECTORS: dict[str, Any] = json.loads(EXPECTED.read_text())


def test_the_vectors_are_what_the_code_builds(tmp_path: Path) -> None:
    rebuilt = build(tmp_path / "export.jsonl")
    assert (tmp_path / "export.jsonl").read_bytes() == EXPORT.read_bytes()
    assert rebuilt == VECTORS


def test_replaying_the_vector_export_gives_the_expected_registry() -> None:
    report = replay(ExportSource(EXPORT), jobs=1)
    assert report.ok, report.finding
    assert report.events == VECTORS["events"]
    assert base64.b64encode(report.root).decode() == VECTORS["root_hash"]
    assert report.digest == VECTORS["state_digest"]
    assert (report.checkpoints, report.cosignatures) == (
        VECTORS["checkpoints"],
        VECTORS["cosignatures"],
    )


def test_the_vector_proofs_verify_with_the_log_key() -> None:
    included = verify_inclusion_bundle(VECTORS["inclusion_proof"], VECTORS["log_verifier_key"])
    assert included.index == 5
    old, new = verify_consistency_bundle(VECTORS["consistency_proof"], VECTORS["log_verifier_key"])
    assert (old.size, new.size) == (2, VECTORS["events"])


@pytest.mark.parametrize("edit", VECTORS["tampered"], ids=lambda e: e["fault"])
def test_each_vector_tampering_is_named(edit: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "tampered.jsonl"
    path.write_text("\n".join(apply(EXPORT.read_text().splitlines(), edit)) + "\n")
    report = replay(ExportSource(path), jobs=1)
    assert report.finding is not None
    assert (report.finding.position, str(report.finding.fault)) == (edit["position"], edit["fault"])
