"""An auditor's replay of a large log, beside this machine's Ed25519 ceiling, and proof times.

    python bench/audit.py [--events N] [--backend sqlite|postgres] [--jobs J]
    python bench/audit.py --source FILE [--jobs J]

With ``--source``, replays a copy of that SQLite store as it is: the large demo set
(``craftreg demo --size large``, about 210,000 events of every kind), whose admissions and
views cost far more per event than the bench log below; it prints the same figures, the
memory at the full size only.

Builds a log of N signed events through the full append path (the signatures made in a
process pool beforehand): federations with registrars, enterprises and officers, then decisions
on those officers' roles — so the registry stops growing while the log goes on. Then, in a
fresh process each time, replays it with ``craftreg audit verify``'s code at a quarter of its
length and at its full length, and prints:

* events verified per second beside the ceiling measured right before, in the same run: the
  single-core Ed25519 verification rate (cryptography/OpenSSL, key already loaded) times the
  cores; and the same ratio from CPU time, which other programs on a shared machine do not
  skew (the CPU of the verifications alone over all the CPU the replay used);
* the replay's peak resident memory at N/4 and at N events (flat: the log is streamed);
* the time to produce an inclusion and a consistency proof from the stored tree at size N.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.envelope import from_record
from craftreg.domain.regions import PROVINCES
from craftreg.keys import Signer
from craftreg.ledger.audit import replay
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.merkle import verify_consistency, verify_inclusion
from craftreg.ledger.sources import DatabaseSource
from craftreg.settings import Settings

TARGET = 0.70  # events verified per second over the Ed25519 ceiling (issue: audit ledger)
ROLES = [r.value for r in Role if r is not Role.REGISTRAR]
Job = tuple[bytes, str, int, str, dict[str, Any], datetime]


def _sign(jobs: list[Job]) -> list[bytes]:
    out = []
    for seed, stream, version, type_, payload, moment in jobs:
        signer = Signer(Ed25519PrivateKey.from_private_bytes(seed))
        out.append(signer.sign(stream, version, type_, payload, moment).record)
    return out


class Builder:
    """Plans the events (streams, versions, signers) so that they can be signed in parallel."""

    def __init__(self, registry: Registry, root: Signer, rng: random.Random, total: int) -> None:
        self.registry, self.root, self.rng = registry, root, rng
        self.growing = total // 10  # events that add enterprises and officers; then decisions
        self.provinces: list[tuple[str, bytes]] = []  # (federation, seed of its registrar)
        self.officers: list[tuple[str, bytes]] = []  # (actor stream, seed of its registrar)
        self.enterprise = ("", b"")  # the last enterprise registered, and its registrar
        self.versions: dict[str, int] = {}
        self.clock = datetime.now(UTC)

    def federations(self) -> None:
        national = self.registry.national_federation
        for code, (name, _) in PROVINCES.items():
            province = self.registry.register_organisation(
                self.root, OrgKind.PROVINCIAL_FEDERATION, f"{name}总工会", national, code
            )
            seed = os.urandom(32)
            registrar = Signer(Ed25519PrivateKey.from_private_bytes(seed))
            self.registry.enrol_actor(
                self.root, province, f"{name}登记员", [Role.REGISTRAR], registrar
            )
            self.provinces.append((province, seed))

    def plan(self, count: int) -> Iterator[Job]:
        """Enterprises with an officer each for the first tenth of all events, then role
        changes of those officers."""
        for n in range(count):
            # Signed out of order in the pool: each event's time is set here, increasing.
            self.clock += timedelta(microseconds=1)
            province, seed = self.rng.choice(self.provinces)
            if self.growing > 0 or not self.officers:
                self.growing -= 1
                if n % 2 == 0 or not self.enterprise[0]:
                    stream = str(uuid.uuid4())
                    payload = {"kind": "enterprise", "name": f"企业{n:07d}", "parent": province}
                    self.enterprise = (stream, seed)
                    yield seed, stream, 1, "OrganisationRegistered", payload, self.clock
                else:
                    stream, seed = self.enterprise
                    officer = Signer(Ed25519PrivateKey.from_private_bytes(os.urandom(32)))
                    actor = str(uuid.uuid4())
                    payload = {
                        "organisation": stream,
                        "name": f"经办人{n:07d}",
                        "roles": [self.rng.choice(ROLES)],
                        "public_key": officer.public_key_b64,
                    }
                    self.officers.append((actor, seed))
                    yield seed, actor, 1, "ActorEnrolled", payload, self.clock
            else:
                actor, seed = self.rng.choice(self.officers)
                version = self.versions.get(actor, 1) + 1
                self.versions[actor] = version
                roles = self.rng.sample(ROLES, self.rng.randint(1, 3))
                yield seed, actor, version, "ActorRolesChanged", {"roles": roles}, self.clock


def build(registry: Registry, builder: Builder, count: int, pool: ProcessPoolExecutor) -> None:
    jobs = list(builder.plan(count))
    chunks = [jobs[i : i + 500] for i in range(0, len(jobs), 500)]
    started, done = time.perf_counter(), 0
    for records in pool.map(_sign, chunks):
        for record in records:
            registry.store.append(from_record(record))
        done += len(records)
        if done % 20_000 < 500:
            rate = done / (time.perf_counter() - started)
            print(f"  appended {done}/{count} ({rate:,.0f}/s)", file=sys.stderr)
    registry.store.publish_checkpoint()


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _replay_child(url: str, jobs: int, queue: Any) -> None:
    with Registry(url) as registry:
        report = replay(DatabaseSource(registry.store.ledger), jobs=jobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The pool's processes are this process's children, waited for when the replay ends.
    cpu = (_cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN))
    queue.put((report.events, report.seconds, peak, cpu, str(report.finding)))


@dataclass(frozen=True)
class Replayed:
    events: int
    rate: float  # events per second, wall clock
    peak_mib: float
    main_us: float  # CPU per event in the replaying process
    workers_us: float  # CPU per event in its signature-checking processes


def replay_in_child(url: str, jobs: int) -> Replayed:
    context = get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_replay_child, args=(url, jobs, queue))
    child.start()
    events, seconds, peak, (main_cpu, workers_cpu), finding = queue.get()
    child.join()
    if finding != "None":
        raise SystemExit(f"the replay found a fault in the bench log: {finding}")
    return Replayed(
        events, events / seconds, peak, main_cpu / events * 1e6, workers_cpu / events * 1e6
    )


def verify_ceiling(samples: int = 3000) -> tuple[float, float]:
    """Single-core Ed25519 verifications per second, best of three rounds: by the wall clock,
    and by CPU time (which other programs on a shared machine do not skew)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    messages = [os.urandom(600) for _ in range(samples)]
    signatures = [key.sign(m) for m in messages]
    wall = cpu = 0.0
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        for message, signature in zip(messages, signatures, strict=True):
            public.verify(signature, message)
        wall = max(wall, samples / (time.perf_counter() - started))
        cpu = max(cpu, samples / (time.process_time() - cpu_started))
    return wall, cpu


def proof_times(registry: Registry, size: int, rounds: int = 300) -> tuple[float, float]:
    ledger = registry.store.ledger
    root = ledger.tree.root_at(size)
    rng = random.Random(7)
    inclusion, consistency = [], []
    for _ in range(rounds):
        index, first = rng.randrange(size), rng.randrange(1, size)
        started = time.perf_counter()
        leaf, path = ledger.inclusion_proof(index, size)
        inclusion.append(time.perf_counter() - started)
        started = time.perf_counter()
        proof = ledger.consistency_proof(first, size)
        consistency.append(time.perf_counter() - started)
        verify_inclusion(leaf, index, size, path, root)
        verify_consistency(first, size, proof, ledger.tree.root_at(first), root)
    return statistics.median(inclusion) * 1e3, statistics.median(consistency) * 1e3


def database_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench-audit.sqlite3'}"
    return f"{Settings.from_env().test_postgres_dsn}?schema=bench_audit_{uuid.uuid4().hex[:8]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--source", type=Path, help="a SQLite store to replay, such as the demo")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        if args.source is not None:
            replay_source(args.source, Path(tmp), args.jobs, cores)
            return
        url = database_url(args.backend, Path(tmp))
        try:
            run(url, args.events, args.jobs, cores)
        finally:
            if args.backend == "postgres":
                schema = url.rsplit("schema=", 1)[1]
                with psycopg.connect(Settings.from_env().test_postgres_dsn, autocommit=True) as c:
                    c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@dataclass(frozen=True)
class Measured:
    replayed: Replayed
    ceiling: float  # single-core Ed25519 verifications/s (wall clock) × cores, just before
    verify_us: float  # CPU per Ed25519 verification, just before

    @property
    def ratio(self) -> float:
        return self.replayed.rate / self.ceiling

    @property
    def cpu_ratio(self) -> float:
        """The ratio on idle cores: CPU of the verifications alone over all the replay's."""
        return self.verify_us / (self.replayed.main_us + self.replayed.workers_us)


def measure(url: str, jobs: int, cores: int, rounds: int) -> Measured:
    """Best of ``rounds``, each replay right after its own ceiling measurement, so that both
    see the same machine (a shared one varies from minute to minute)."""
    best: Measured | None = None
    for _ in range(rounds):
        wall_one, cpu_one = verify_ceiling()
        done = Measured(replay_in_child(url, jobs), wall_one * cores, 1e6 / cpu_one)
        best = done if best is None or done.ratio > best.ratio else best
    assert best is not None
    return best


def replay_source(source: Path, workdir: Path, jobs: int, cores: int) -> None:
    copy = workdir / "source.sqlite3"
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    full = measure(url, jobs, cores, rounds=2)
    started = time.perf_counter()
    with Registry(url) as registry:
        size = registry.current().position  # the store folds the log in as it opens
        opened = time.perf_counter() - started
        inclusion_ms, consistency_ms = proof_times(registry, size)
    print(f"events: {size}, cores: {cores}, jobs: {jobs}, store: a copy of {source}")
    report(full, "all")
    print(f"opening the store, every signature checked: {opened:.1f} s ({size / opened:,.0f}/s)")
    print(
        f"proofs at size {size}: inclusion {inclusion_ms:.3f} ms, "
        f"consistency {consistency_ms:.3f} ms (median of 300; target < 2 ms)"
    )


def report(done: Measured, label: str) -> None:
    run_ = done.replayed
    print(
        f"replay of {run_.events:>7} ({label:<3}): {run_.rate:>8,.0f} events/s, ceiling "
        f"{done.ceiling:>8,.0f}/s: {done.ratio:.2f} (target >= {TARGET:.2f}); on idle cores "
        f"{done.cpu_ratio:.2f}; peak RSS {run_.peak_mib:,.0f} MiB"
    )
    print(
        f"CPU per event: {run_.main_us:.1f} us admitting + {run_.workers_us:.1f} us checking "
        f"signatures (Ed25519 alone {done.verify_us:.1f} us)"
    )
    # On busy cores the ratio cannot pass V / (V + rest): the target bounds the rest.
    rest = run_.main_us + run_.workers_us - done.verify_us
    allowed = done.verify_us * (1 / TARGET - 1)
    print(
        f"CPU per event besides Ed25519: {rest:.1f} us; a ratio of {TARGET:.2f} on busy cores "
        f"allows at most {allowed:.1f} us"
    )


def run(url: str, events: int, jobs: int, cores: int) -> None:
    root, log_key = Signer.generate(), Signer.generate()
    quarter = events // 4
    with Registry(url, log_key) as registry, ProcessPoolExecutor(cores) as pool:
        registry.found(root, "craftreg.bench/audit")
        publish_log_key(registry, root, log_key)
        builder = Builder(registry, root, random.Random(2025), events)
        builder.federations()
        made = registry.store.count()
        print(f"building {events} events ({cores} cores) ...", file=sys.stderr)
        build(registry, builder, quarter - made, pool)
        small = measure(url, jobs, cores, rounds=1)
        build(registry, builder, events - quarter, pool)
        size = registry.store.count()
        full = measure(url, jobs, cores, rounds=2)
        inclusion_ms, consistency_ms = proof_times(registry, size)
    print(f"events: {size}, cores: {cores}, jobs: {jobs}, store: {url.split(':')[0]}")
    for label, done in (("N/4", small), ("N", full)):
        report(done, label)
    growth = full.replayed.peak_mib / small.replayed.peak_mib
    print(f"memory at N vs N/4: {growth:.2f}x for {size / small.replayed.events:.1f}x events")
    print(
        f"proofs at size {size}: inclusion {inclusion_ms:.3f} ms, "
        f"consistency {consistency_ms:.3f} ms (median of 300; target < 2 ms)"
    )


if __name__ == "__main__":
    main()
