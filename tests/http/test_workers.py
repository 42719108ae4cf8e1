"""``craftreg serve --workers 2`` on PostgreSQL: parallel writers never lose or duplicate.

Many clients append at once — all to one record, where most attempts meet a version conflict
and retry, and each to records of its own — against two worker processes behind one port.
Afterwards the log holds exactly the accepted events, each at the leaf index it was answered
with, every stream's versions run 1, 2, 3 … without a gap, and the ledger's tree has one leaf
per event.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from craftreg.client import Refused, RegistryClient
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import from_record
from craftreg.ledger.merkle import leaf_hash, root_hash
from craftreg.store import EventStore
from tests.http.conftest import (
    Server,
    drop_schema,
    need_postgres,
    postgres_url,
    start_server,
    stop_server,
)
from tests.http.story import HttpZhejiang

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CLIENTS = 12
APPENDS = 8


class SharedClock:
    """One clock for every thread, strictly increasing: the log's time never goes back."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.lock = threading.Lock()

    def now(self) -> datetime:
        with self.lock:
            self.moment += timedelta(microseconds=1)
            return self.moment


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_postgres()
    schema = f"w_{uuid.uuid4().hex[:12]}"
    server = start_server(postgres_url(schema), tmp_path_factory.mktemp("keys"), workers=2)
    assert workers(server.process.pid) == 2
    yield server
    stop_server(server)
    drop_schema(schema)


def workers(pid: int) -> int:
    """How many worker processes uvicorn spawned under ``pid``."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        count += parent == pid and b"spawn_main" in command
    return count


def adjust_quota_until_accepted(
    url: str, zj: HttpZhejiang, clock: SharedClock, round_id: str
) -> list[dict[str, object]]:
    """Append APPENDS quota adjustments to one round, re-reading the version on a conflict."""
    reviewer = zj.key(Role.REVIEWER)
    factors = {"regional_development": 50, "manufacturing_level": 50, "industrial_workforce": 1000}
    payload = {"quotas": [{"unit": zj.hangzhou, "quota": 3, "factors": factors}], "reason": "复核"}
    accepted: list[dict[str, object]] = []
    with RegistryClient(url, reviewer) as client:
        for _ in range(APPENDS * 50):
            if len(accepted) == APPENDS:
                break
            version = client.stream_version(round_id) + 1
            signed = reviewer.sign(round_id, version, "QuotasAdjusted", payload, clock.now())
            try:
                accepted.append(client.submit(signed))
            except Refused as exc:
                assert exc.code == "version-conflict", exc
    return accepted


def register_enterprises(
    url: str, zj: HttpZhejiang, clock: SharedClock, n: int
) -> list[dict[str, object]]:
    with RegistryClient(url) as client:
        return [
            client.submit(
                zj.registrar.sign(
                    str(uuid.uuid4()),
                    1,
                    "OrganisationRegistered",
                    {
                        "kind": OrgKind.ENTERPRISE.value,
                        "name": f"企业 {n}-{i}",
                        "parent": zj.hangzhou,
                    },
                    clock.now(),
                )
            )
            for i in range(APPENDS)
        ]


def check_log(server: Server, answers: list[dict[str, object]]) -> None:
    with EventStore(server.database_url) as store:
        records = [logged.record for logged in store.log()]
        assert store.ledger.tree.leaf_hashes(0, len(records)) == [leaf_hash(r) for r in records]
        assert store.ledger.tree.root_at(len(records)) == root_hash([leaf_hash(r) for r in records])
    events = [from_record(r).envelope for r in records]
    for answer in answers:
        envelope = events[int(str(answer["leaf_index"]))]
        assert (envelope.stream, envelope.version, envelope.type) == (
            answer["stream"],
            answer["version"],
            answer["type"],
        )
    assert len({int(str(a["leaf_index"])) for a in answers}) == len(answers)
    versions: dict[str, list[int]] = {}
    for envelope in events:
        versions.setdefault(envelope.stream, []).append(envelope.version)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    assert not [r for r, n in Counter(records).items() if n > 1]
    new_state().replay(from_record(r) for r in records)  # every event admissible in log order


def test_parallel_writers_on_one_stream_and_on_many(two_workers: Server) -> None:
    zj = HttpZhejiang(two_workers.url, two_workers.root)
    round_id = zj.round()
    clock = SharedClock(datetime(2027, 2, 1, tzinfo=UTC))
    before = len(two_workers.log())

    with ThreadPoolExecutor(CLIENTS) as pool:
        one = list(
            pool.map(
                lambda _: adjust_quota_until_accepted(two_workers.url, zj, clock, round_id),
                range(CLIENTS),
            )
        )
    same_stream = [a for answers in one for a in answers]
    assert len(same_stream) == CLIENTS * APPENDS
    assert sorted(int(str(a["version"])) for a in same_stream) == list(
        range(2, CLIENTS * APPENDS + 2)
    )

    with ThreadPoolExecutor(CLIENTS) as pool:
        many = list(
            pool.map(lambda n: register_enterprises(two_workers.url, zj, clock, n), range(CLIENTS))
        )
    new_streams = [a for answers in many for a in answers]
    assert len({a["stream"] for a in new_streams}) == CLIENTS * APPENDS

    assert len(two_workers.log()) == before + 2 * CLIENTS * APPENDS
    check_log(two_workers, same_stream + new_streams)


def worker_pids(server: Server) -> list[int]:
    """The worker processes of ``craftreg serve`` (not multiprocessing's resource tracker)."""
    found = subprocess.run(
        ["pgrep", "-P", str(server.process.pid), "-f", "spawn_main"],
        capture_output=True,
        text=True,
    )
    return [int(pid) for pid in found.stdout.split()]


def test_serve_stops_on_a_signal_and_with_a_worker_that_dies(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Asked to stop, ``serve`` ends its workers and exits 0; a worker killed from outside
    ends the service with a non-zero exit, so that a supervisor restarts the registry."""
    need_postgres()
    schema = f"w_{uuid.uuid4().hex[:12]}"
    keys = tmp_path_factory.mktemp("keys")
    try:
        server = start_server(postgres_url(schema), keys, workers=2)
        workers = worker_pids(server)
        assert len(workers) == 2
        stop_server(server)
        assert server.process.returncode == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)

        server = start_server(postgres_url(schema), keys, workers=2, init=False)
        first, second = worker_pids(server)
        os.kill(first, signal.SIGKILL)
        assert server.process.wait(30) == 1
        assert not Path(f"/proc/{second}").exists()
    finally:
        drop_schema(schema)
