"""The demo set: built through the signed append path, deterministic for a seed, built once."""

from __future__ import annotations

from pathlib import Path

from craftreg.application import Registry
from craftreg.demo import build_demo
from craftreg.domain.authority import OrgKind
from craftreg.domain.regions import PROVINCES
from craftreg.keys import Signer
from craftreg.store import EventStore


def test_demo_builds_every_province_once_and_replays(
    founded: Registry, root: Signer, tmp_path: Path
) -> None:
    made = build_demo(founded, root, tmp_path, seed=7)
    assert made is not None and made["organisations"] > len(PROVINCES)
    chain = founded.current().chain
    assert set(chain.province_federations) == set(PROVINCES)
    assert any(o.kind is OrgKind.PREFECTURE_FEDERATION for o in chain.organisations.values())
    assert build_demo(founded, root, tmp_path, seed=7) is None
    with EventStore(founded.store.database_url) as fresh:
        assert fresh.refresh() == founded.current()


def test_the_same_seed_builds_the_same_registry(tmp_path: Path) -> None:
    root = Signer.generate()
    chains = []
    for n in range(2):
        with Registry(f"sqlite:///{tmp_path}/demo{n}.sqlite3") as registry:
            registry.new_id = iter(
                [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]
            ).__next__
            registry.found(root, "craftreg.test/demo")
            build_demo(registry, root, tmp_path / f"keys{n}", seed=11)
            chains.append(registry.current().chain)
    assert chains[0].organisations == chains[1].organisations
    assert chains[0].keys.keys() == chains[1].keys.keys()
