"""Offline proofs for a discipline file: C2SP tlog-proof for inclusion, the same shape for
consistency; each verifies with the log's verifier key alone, and any edit breaks it."""

from __future__ import annotations

import pytest

from craftreg.application import Registry
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import log_verifier_key
from craftreg.ledger.errors import UnknownCheckpoint
from craftreg.ledger.proofs import (
    ProofBundleError,
    consistency_bundle,
    inclusion_bundle,
    verify_consistency_bundle,
    verify_inclusion_bundle,
)
from craftreg.ledger.sources import DatabaseSource
from tests.ledger.conftest import ORIGIN, add_enterprises


@pytest.fixture
def bundles(ledger: Registry, root: Signer) -> tuple[str, str, str, bytes]:
    add_enterprises(ledger, root, 9)
    ledger.store.publish_checkpoint()
    record = DatabaseSource(ledger.store.ledger).record_at(6)
    assert record is not None
    inclusion = inclusion_bundle(ledger.store.ledger, 6, record)
    consistency = consistency_bundle(ledger.store.ledger, 2)
    return inclusion, consistency, ledger.store.refresh().log_key, record


def test_an_inclusion_proof_is_a_tlog_proof_that_verifies(
    bundles: tuple[str, str, str, bytes],
) -> None:
    inclusion, _, log_key, record = bundles
    lines = inclusion.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[2] == "index 6"
    included = verify_inclusion_bundle(inclusion, log_key)
    assert (included.index, included.record, included.checkpoint.size) == (6, record, 11)


def test_a_consistency_proof_verifies(bundles: tuple[str, str, str, bytes]) -> None:
    _, consistency, log_key, _ = bundles
    old, new = verify_consistency_bundle(consistency, log_key)
    assert (old.size, new.size, new.origin) == (2, 11, ORIGIN)


def test_any_edit_to_a_proof_is_refused(bundles: tuple[str, str, str, bytes]) -> None:
    inclusion, consistency, log_key, _ = bundles
    other_key = log_verifier_key(ORIGIN, Signer.generate().public_key)
    edits = [
        inclusion.replace("index 6", "index 7"),
        inclusion.replace("\n11\n", "\n12\n"),
        inclusion.replace(inclusion.split("\n")[3], inclusion.split("\n")[4], 1),
        inclusion.replace("extra ey", "extra EY"),
    ]
    for edited in edits:
        with pytest.raises(ProofBundleError):
            verify_inclusion_bundle(edited, log_key)
    with pytest.raises(ProofBundleError):
        verify_inclusion_bundle(inclusion, other_key)
    with pytest.raises(ProofBundleError):
        verify_consistency_bundle(consistency.replace("old 2", "old 3"), log_key)
    with pytest.raises(ProofBundleError):
        verify_consistency_bundle(consistency, other_key)
    swapped = consistency.split("\n")
    swapped[2], swapped[3] = swapped[3], swapped[2]
    with pytest.raises(ProofBundleError):
        verify_consistency_bundle("\n".join(swapped), log_key)


def test_proofs_are_given_under_published_checkpoints_only(ledger: Registry) -> None:
    with pytest.raises(UnknownCheckpoint):
        consistency_bundle(ledger.store.ledger, 1)
