"""Projection catch-up beside the raw read of the same events, and query latency.

    python bench/projections.py [--backend sqlite|postgres|both] [--source FILE]
                                [--events N] [--people N] [--queries N]

The events are those of the large demo set (``craftreg demo --size large``, about 210,000
events, 30,000 people), read from ``--source`` (a SQLite store, copied first; by default ``var/craftreg.sqlite3``). On PostgreSQL they are copied into a
fresh schema first. In the same run, on the same backend:

* *raw read/s*: every event read back through ``EventStore.log()`` — the store's own reader —
  as record bytes (what the projector starts from);
* *store decode/s*: the same, decoding each record the way the store hands out a
  ``SignedEvent`` (``LoggedEvent.signed``: the strict parse, canonical form checked), on a
  sample of 20,000 events;
* *catch-up/s*: ``RegistryViews.catch_up()`` from empty views to the head of the log, in one
  transaction; *incremental/s*: the last 10% of the log applied by a catch-up that resumes
  from its cursor, in batches, as a server keeps the views fresh.

Then the views' rows are written again into emptied views by the refill's own code, timed
alone: reading the log plus that is what a catch-up with no decoding or folding would cost.
Then the people view is padded to ``--people`` (60,000) with copies of real rows under new
digests (the demo has half that), and the main queries are timed: p50 and p99 over
``--queries`` calls each, with random arguments drawn from the views.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from craftreg.projections.codec import encoder
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.schema import NOMINATIONS, PEOPLE, VIEWS
from craftreg.projections.tables import ViewTables
from craftreg.settings import Settings, sqlite_path
from craftreg.store import EventStore


def prepare(backend: str, source: Path, workdir: Path, events: int | None) -> tuple[str, Any]:
    """A store holding the source's first ``events`` events, and how to drop it."""
    limit = f" LIMIT {int(events)}" if events else ""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
        rows = src.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events"
            f" ORDER BY rowid{limit}"
        ).fetchall()
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        with EventStore(url):  # creates the tables
            pass
        with sqlite3.connect(workdir / "bench.sqlite3") as dst:
            dst.executemany(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        return url, lambda: None
    dsn = Settings.from_env().test_postgres_dsn
    schema = f"bench_views_{uuid.uuid4().hex[:8]}"
    url = f"{dsn}?schema={schema}"
    with EventStore(url):
        pass
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        copy_sql = (
            f'COPY "{schema}".stored_events (originator_id, originator_version, topic, state)'
            " FROM STDIN"
        )
        with cur.copy(copy_sql) as copy:
            for originator, version, topic, state in rows:
                copy.write_row((uuid.UUID(originator), version, topic, state))

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return url, drop


def best(rounds: int, run: Callable[[], tuple[int, float]]) -> tuple[int, float]:
    results = [run() for _ in range(rounds)]
    return max(results, key=lambda r: r[0] / r[1])


def raw_read(url: str) -> tuple[int, float]:
    with EventStore(url) as store:
        start = time.perf_counter()
        count = sum(1 for _ in store.log())
        return count, time.perf_counter() - start


def store_decode(url: str, sample: int = 20_000) -> tuple[int, float]:
    with EventStore(url) as store:
        start, count = time.perf_counter(), 0
        for logged in store.log():
            logged.signed  # noqa: B018 - the decode is what is measured
            count += 1
            if count == sample:
                break
        return count, time.perf_counter() - start


Rate = tuple[int, float]


def catch_up(url: str, events: int) -> tuple[Rate, Rate, Rate]:
    """From empty views; then the last 10% in the same process and in a fresh one."""
    with ViewTables(url) as tables:
        tables.clear(RegistryViews.name)
    with RegistryViews.open(url) as views:
        full = timed(views.catch_up)
    cut = events - events // 10
    with ViewTables(url) as tables:
        tables.clear(RegistryViews.name)
    with RegistryViews.open(url) as views:
        views.catch_up(stop=lambda position, _: position >= cut)
        warm = timed(views.catch_up)
    with ViewTables(url) as tables:
        tables.clear(RegistryViews.name)
    with RegistryViews.open(url) as views:
        views.catch_up(stop=lambda position, _: position >= cut)
    with RegistryViews.open(url) as views:  # a fresh process resumes from the cursor
        cold = timed(views.catch_up)
    return full, warm, cold


def rows_alone(url: str) -> tuple[int, float]:
    """The views' rows written again into emptied views by the refill's own code, timed: the
    cost of a catch-up's writes with no reading, decoding or folding at all."""
    with ViewTables(url) as tables:
        changes = [(v, tables.select(v), []) for v in VIEWS]
        cursor = tables.cursor(RegistryViews.name)
        assert cursor is not None
        # Into fresh pages, as the first catch-up found them: emptied rows would leave free
        # space and dead index entries behind.
        if tables.backend == "sqlite":
            tables.clear(RegistryViews.name)
            with closing(sqlite3.connect(sqlite_path(url))) as conn:
                conn.execute("VACUUM")
        else:
            with psycopg.connect(Settings.from_env().test_postgres_dsn, autocommit=True) as conn:
                conn.execute("TRUNCATE " + ", ".join(tables.table(v.table) for v in VIEWS))
        start = time.perf_counter()
        tables.write(RegistryViews.name, changes, *cursor, reset=True)
        return sum(len(rows) for _, rows, _ in changes), time.perf_counter() - start


def timed(run: Callable[[], int]) -> Rate:
    start = time.perf_counter()
    count = run()
    return count, time.perf_counter() - start


def pad_people(url: str, tables: ViewTables, target: int) -> int:
    """Copies of real people (and their nominations) under new digests, up to ``target``."""
    people = tables.select(PEOPLE)
    nominations = {n["id"]: n for n in tables.select(NOMINATIONS)}
    missing, copies, nomination_copies = target - len(people), [], []
    for n in range(max(0, missing)):
        person = dict(people[n % len(people)])
        digest = hashlib.sha256(f"{person['digest']}/{n}".encode()).hexdigest()
        if person["nomination"] in nominations:
            copy = dict(nominations[person["nomination"]])
            copy["id"], copy["digest"] = str(uuid.uuid5(uuid.NAMESPACE_OID, digest)), digest
            nomination_copies.append(copy)
            person["nomination"] = person["pipeline"] = copy["id"]
            person["pipelines"] = [copy["id"]]
        person["digest"] = digest
        copies.append(person)
    for v, rows in ((PEOPLE, copies), (NOMINATIONS, nomination_copies)):
        mark = "?" if tables.backend == "sqlite" else "%s"
        statement = (
            f"INSERT INTO {tables.table(v.table)} ({', '.join(v.names)})"
            f" VALUES ({', '.join(mark for _ in v.names)})"
        )
        encode = encoder(v)
        values = [encode(r) for r in rows]
        if tables.backend == "sqlite":
            with sqlite3.connect(sqlite_path(url)) as conn:
                conn.executemany(statement, values)
        else:
            with psycopg.connect(Settings.from_env().test_postgres_dsn) as conn:
                conn.cursor().executemany(statement, values)
    return len(people) + len(copies)


def latencies(tables: ViewTables, calls: int, seed: int = 5) -> dict[str, tuple[float, float]]:
    rng = random.Random(seed)
    q = Views(tables)
    numbers = [r[0] for r in tables.query("SELECT number FROM {view_certificates}")]
    digests = [r[0] for r in tables.query("SELECT digest FROM {view_people}")]
    provinces = [r[0] for r in tables.query("SELECT DISTINCT province FROM {view_people}")]
    bodies = [r[0] for r in tables.query("SELECT DISTINCT body FROM {view_nominations}")]
    rounds = [r[0] for r in tables.query("SELECT id FROM {view_rounds}")]
    cultivations = [r[0] for r in tables.query("SELECT id FROM {view_cultivations}")]
    certificates = [r[0] for r in tables.query("SELECT id FROM {view_certificates}")]
    statuses = ["certified", "in_cultivation", "assessed", "rejected"]
    day = date(2026, 9, 1)
    queries: dict[str, Callable[[], object]] = {
        "certificate by number": lambda: q.certificate(rng.choice(numbers)),
        "person by digest": lambda: q.person(rng.choice(digests)),
        "people of a province, by status": lambda: q.people(
            province=rng.choice(provinces), status=rng.choice(statuses)
        ),
        "people, next page": lambda: q.people(
            province=rng.choice(provinces), after=rng.choice(digests)
        ),
        "review queue of a body": lambda: q.review_queue(rng.choice(bodies)),
        "cultivations ending soon": lambda: q.ending_soon(day, body=rng.choice(bodies)),
        "round with quota use": lambda: q.round(rng.choice(rounds)),
        "cultivation with activities": lambda: q.cultivation(rng.choice(cultivations)),
        "benefits of a certificate": lambda: q.benefits(rng.choice(certificates)),
    }
    result = {}
    samples = (numbers, digests, provinces, bodies, rounds, cultivations, certificates)
    if not all(samples):
        return result  # too few events for every kind of record
    for name, run in queries.items():
        for _ in range(20):
            run()  # warm the caches and the connection pool
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        result[name] = (times[len(times) // 2], times[min(len(times) - 1, len(times) * 99 // 100)])
    return result


def bench(backend: str, source: Path, events: int | None, people: int, calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = prepare(backend, source, Path(tmp), events)
        try:
            count, raw_time = best(2, lambda: raw_read(url))
            decoded, decode_time = store_decode(url)
            full, warm, cold = catch_up(url, count)
            raw = count / raw_time
            print(f"\n[{backend}] {count} events")
            print(f"  raw read          {raw:10,.0f} events/s   (EventStore.log(), record bytes)")
            print(
                f"  store decode      {decoded / decode_time:10,.0f} events/s   (LoggedEvent.signed)"
            )
            for label, (n, seconds) in (
                ("catch-up", full),
                ("last 10%, warm", warm),
                ("last 10%, cold", cold),
            ):
                print(
                    f"  {label:17} {n / seconds:10,.0f} events/s   "
                    f"ratio {n / seconds / raw:.2f} of raw read   ({n} events)"
                )
            rows, write_time = rows_alone(url)
            print(
                f"  the views' rows alone: {rows:,} written in {write_time:.2f} s; reading the "
                f"log and writing them, with no fold at all, would be ratio "
                f"{raw_time / (raw_time + write_time):.2f}"
            )
            with ViewTables(url) as tables:
                held = pad_people(url, tables, people)
                print(
                    f"  queries at {held:,} people (p50 / p99 ms over {calls} calls; target p99 < 20)"
                )
                for name, (p50, p99) in latencies(tables, calls).items():
                    print(f"    {name:34} {p50:6.2f} / {p99:6.2f}")
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--source",
        type=Path,
        default=Path("var/craftreg.sqlite3"),
        help="a SQLite store holding the large demo set",
    )
    parser.add_argument("--events", type=int, help="use only the first N events")
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    if not args.source.exists():
        sys.exit(f"{args.source} not found: build it with `craftreg demo --size large`")
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        bench(backend, args.source, args.events, args.people, args.queries)


if __name__ == "__main__":
    main()
