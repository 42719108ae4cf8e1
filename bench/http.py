"""Signed appends per second through HTTP, beside the in-process append rate, in one run.

    python bench/http.py [--events N] [--concurrency C] [--workers W] [--rounds R]

A real server (``craftreg serve --workers 2``) listens on 127.0.0.1 over PostgreSQL; the load
comes from another process, an asyncio client with ``C`` connections, which POSTs pre-signed
``OrganisationRegistered`` events to ``/v1/organisations`` and times each answer. The baseline
is bench/append.py's in-process rate (the same events, submitted one by one to the Registry)
measured in the same run on a schema of its own. The target: HTTP >= 50% of in-process.

The load generator replays any list of requests: the look-up figures of §9 (certificate
verification against the trivial endpoint) are further entries of ``scenarios`` once the
projection's route exists; the trivial endpoint, GET /v1/health, is measured already.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/http.py`, this file's folder comes first on sys.path, where its name
# would hide the standard library's `http` package from everything imported after it.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import msgspec  # noqa: E402

from craftreg.application import Registry  # noqa: E402
from craftreg.keys import Signer  # noqa: E402
from tests.http.conftest import start_server, stop_server  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_append", BENCH / "append.py")
assert _spec and _spec.loader
append = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(append)


# --- the load generator (runs in its own process) ---------------------------------------


async def _drive(url: str, requests: list[dict[str, str]], concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                request = queue.get_nowait()
                body = request.get("body")
                sent = time.perf_counter()
                answer = await client.request(
                    request["method"],
                    request["path"],
                    content=body.encode() if body is not None else None,
                    headers={"content-type": "application/json"} if body is not None else None,
                )
                latencies.append(time.perf_counter() - sent)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rate": len(requests) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "statuses": statuses,
    }


def load(url: str, requests: list[dict[str, str]], concurrency: int) -> dict[str, Any]:
    """Run the load generator in another process, so that it does not share the server's GIL."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"url": url, "requests": requests, "concurrency": concurrency}, spec)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--load", spec.name], check=True, capture_output=True
        )
    finally:
        os.unlink(spec.name)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# --- the run -----------------------------------------------------------------------------


def appends(
    events: int, concurrency: int, workers: int
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = append.database_url("postgres", Path(tmp), "http")
        try:
            root = Signer.generate()
            with Registry(url) as registry:
                registry.found(root, "craftreg.bench/http")
                parent = registry.national_federation
            server = start_server(
                url, Path(tmp) / "keys", workers=workers, rate_limit=0, init=False
            )
            try:
                batch = append.signed_events(root, parent, events)
                posts = [
                    {
                        "method": "POST",
                        "path": "/v1/organisations",
                        "body": msgspec.json.encode(s.to_wire()).decode(),
                    }
                    for s in batch
                ]
                scenarios = [
                    ("signed appends", load(server.url, posts, concurrency)),
                    # Look-ups (§9) go here next to their baseline once their route exists.
                    (
                        "GET /v1/health",
                        load(
                            server.url,
                            [{"method": "GET", "path": "/v1/health"}] * events,
                            concurrency,
                        ),
                    ),
                ]
                stored = len(server.log())
            finally:
                stop_server(server)
        finally:
            drop()
    accepted = scenarios[0][1]["statuses"].get("201", 0)
    assert accepted == events and stored == events + 1, (scenarios[0], stored)
    return scenarios[0][1], scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        spec = json.loads(Path(args.load).read_text())
        print(json.dumps(asyncio.run(_drive(spec["url"], spec["requests"], spec["concurrency"]))))
        return
    # Alternating rounds, best of each, so that neither side alone pays for a busy moment.
    in_process = 0.0
    best: tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]] | None = None
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = append.database_url("postgres", Path(tmp), "inproc")
            try:
                in_process = max(in_process, append.full_path_rate(url, args.events)[0])
            finally:
                drop()
        measured = appends(args.events, args.concurrency, args.workers)
        if best is None or measured[0]["rate"] > best[0]["rate"]:
            best = measured
    assert best is not None
    http, scenarios = best
    print(
        f"events={args.events} concurrency={args.concurrency} workers={args.workers} "
        f"cpus={os.cpu_count()} (PostgreSQL, 127.0.0.1)"
    )
    print(f"{'scenario':<28} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'in-process appends':<28} {in_process:>8.0f} {'':>8} {'':>8}")
    for name, result in scenarios:
        print(
            f"{name:<28} {result['rate']:>8.0f} {result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f}"
        )
    print(f"appends via HTTP / in-process: {http['rate'] / in_process:.2f}  (target >= 0.50)")


if __name__ == "__main__":
    main()
