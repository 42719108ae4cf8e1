"""The demo set: built through the signed append path, deterministic for a seed, built once."""

from __future__ import annotations

from pathlib import Path

from craftreg.application import Registry
from craftreg.demo import build_demo
from craftreg.domain.lifecycle import (
    CaseStatus,
    CertificateStatus,
    CultivationStatus,
    NominationStatus,
)
from craftreg.domain.regions import PROVINCES
from craftreg.keys import Signer
from craftreg.privacy import IdentityVault
from craftreg.store import EventStore


def test_the_small_demo_covers_the_whole_lifecycle_and_replays(
    founded: Registry, root: Signer, tmp_path: Path
) -> None:
    with IdentityVault(founded.store.database_url, b"k" * 32) as vault:
        made = build_demo(founded, root, tmp_path, vault, seed=7, progress=lambda _: None)
        assert made is not None
        assert build_demo(founded, root, tmp_path, vault, seed=7, progress=lambda _: None) is None
    state = founded.current()
    life = state.lifecycle
    assert set(state.chain.province_federations) == set(PROVINCES)
    assert 4000 <= state.position <= 7000
    statuses = {n.status for n in life.nominations.values()}
    assert {NominationStatus.LISTED, NominationStatus.REJECTED} <= statuses
    assert {c.status for c in life.cultivations.values()} >= {
        CultivationStatus.PASSED,
        CultivationStatus.FAILED,
    }
    kinds = {kind for c in life.cultivations.values() for kind in c.activities}
    assert len(kinds) == 11, "activities of every kind"
    assert {c.revoked["ground"] for c in life.certificates.values() if c.revoked} == {
        "falsification",
        "violation",
        "unsuitability",
    }
    assert all(c.status is CaseStatus.EXECUTED for c in life.cases.values())
    assert any(
        c.status is CertificateStatus.REVOKED and c.tainted for c in life.certificates.values()
    )
    assert len(life.reports) == len(PROVINCES)
    with EventStore(founded.store.database_url) as fresh:
        assert fresh.refresh() == state


def test_the_same_seed_builds_the_same_registry(tmp_path: Path) -> None:
    root = Signer.generate()
    chains = []
    for n in range(2):
        url = f"sqlite:///{tmp_path}/demo{n}.sqlite3"
        with Registry(url) as registry, IdentityVault(url, b"k" * 32) as vault:
            registry.new_id = iter(
                [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]
            ).__next__
            registry.found(root, "craftreg.test/demo")
            build_demo(
                registry, root, tmp_path / f"keys{n}", vault, seed=11, progress=lambda _: None
            )
            state = registry.current()
            chains.append(
                (
                    state.chain.organisations,
                    state.chain.keys.keys(),
                    state.lifecycle.rounds.keys(),
                    state.position,
                )
            )
    assert chains[0] == chains[1]
