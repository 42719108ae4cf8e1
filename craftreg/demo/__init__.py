"""Demo data through the normal signed append path (``craftreg demo``).

Deterministic for a seed — record ids, keys, people and decisions — except the sealed identity
ciphertexts. ``small`` is about five thousand events, ``large`` over two hundred thousand.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from craftreg.application import Registry
from craftreg.demo.federations import ChainBuilder
from craftreg.demo.seasons import Agenda, Seasons
from craftreg.keys import Signer
from craftreg.privacy import IdentityVault


@dataclass(frozen=True)
class Size:
    years: tuple[int, ...]
    quota: int  # nominations per recommending unit and round
    enterprises_per_city: int


SIZES = {"small": Size((2025,), 3, 2), "large": Size((2025, 2026), 40, 8)}


def build_demo(
    registry: Registry,
    root: Signer,
    key_dir: Path,
    vault: IdentityVault,
    *,
    seed: int = 2025,
    size: str = "small",
    progress: Callable[[str], None] = print,
) -> dict[str, int] | None:
    """Build the demo set, or return None when the store already holds one."""
    if registry.current().chain.province_federations:
        return None
    rng = random.Random(seed)
    registry.new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    made: dict[str, int] = {}
    shape = SIZES[size]
    agenda = Agenda()
    registry.clock = agenda.now
    progress("registering federations, unions, enterprises and their officers")
    chain = ChainBuilder(registry, key_dir / "demo", seed, rng, made).build(
        root, shape.enterprises_per_city
    )
    seasons = Seasons(registry, root, chain, vault, rng, shape.quota, made, agenda)
    seasons.plan(shape.years)

    def month(day: date) -> None:
        if day.day == 1 or day.month != seasons.agenda.moment.month:
            progress(f"{day:%Y-%m}: {registry.current().position} events")

    seasons.agenda.run(month)
    return made
