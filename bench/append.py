"""Signed appends per second through the full path, beside raw eventsourcing appends.

    python bench/append.py [--backend sqlite|postgres|both] [--events N]

Both figures come from the same run on the same backend: the baseline writes equivalent
unsigned events (same size, one per transaction) straight through eventsourcing's
application recorder; the full path verifies the signature, checks the chain of authority
and the stream version under the append lock, then stores. The ratio is what counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from eventsourcing.persistence import InfrastructureFactory, StoredEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from craftreg.application import Registry
from craftreg.domain.envelope import SignedEvent
from craftreg.keys import Signer
from craftreg.settings import Settings, persistence_env


def database_url(backend: str, workdir: Path, label: str) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / label}.sqlite3", lambda: None
    dsn = Settings.from_env().test_postgres_dsn
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return f"{dsn}?schema={schema}", drop


def signed_events(root: Signer, parent: str, count: int) -> list[SignedEvent]:
    return [
        root.sign(
            str(uuid.uuid4()),
            1,
            "OrganisationRegistered",
            {"kind": "enterprise", "name": f"基准测试企业 {n:06d}", "parent": parent},
        )
        for n in range(count)
    ]


def full_path_rate(url: str, count: int) -> tuple[float, list[bytes]]:
    root = Signer.generate()
    with Registry(url) as registry:
        registry.found(root, "craftreg.bench/append")
        events = signed_events(root, registry.national_federation, count)
        start = time.perf_counter()
        for signed in events:
            registry.submit(signed)
        elapsed = time.perf_counter() - start
    return count / elapsed, [e.record for e in events]


def raw_rate(url: str, records: list[bytes]) -> float:
    env = persistence_env(url)
    if env.get("POSTGRES_SCHEMA"):
        with psycopg.connect(Settings.from_env().test_postgres_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{env["POSTGRES_SCHEMA"]}"')
    factory = InfrastructureFactory.construct(env)
    recorder = factory.application_recorder()
    # Same bytes, no signature: the unsigned equivalent is the envelope-sized JSON alone.
    unsigned = [StoredEvent(uuid.uuid4(), 1, "OrganisationRegistered", r) for r in records]
    start = time.perf_counter()
    for event in unsigned:
        recorder.insert_events([event])
    elapsed = time.perf_counter() - start
    factory.close()
    return len(unsigned) / elapsed


def run(backend: str, count: int, rounds: int = 2) -> tuple[float, float]:
    """Best of ``rounds`` alternating runs, so that neither side alone pays for warming up."""
    best_full = best_raw = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            full_url, drop_full = database_url(backend, Path(tmp), f"full{n}")
            raw_url, drop_raw = database_url(backend, Path(tmp), f"raw{n}")
            try:
                full, records = full_path_rate(full_url, count)
                raw = raw_rate(raw_url, records)
            finally:
                drop_full()
                drop_raw()
            best_full, best_raw = max(best_full, full), max(best_raw, raw)
    return best_full, best_raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(
        f"{'backend':<10} {'signed/s':>10} {'raw/s':>10} {'ratio':>7}  (events={args.events}, cpus={os.cpu_count()})"
    )
    for backend in backends:
        full, raw = run(backend, args.events)
        target = "  target >= 0.50" if backend == "postgres" else ""
        print(f"{backend:<10} {full:>10.0f} {raw:>10.0f} {full / raw:>7.2f}{target}")


if __name__ == "__main__":
    main()
