"""Checkpoints on a real server socket: each published one served by its size with every
cosignature kept, all of them listed largest first, a checkpoint of the whole log published
by the server within about a second of the last append, and ``craftreg witness cosign``
cosigning over HTTP — and refusing a split view the server shows it."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from craftreg.cli import main
from craftreg.client import RegistryClient, RemoteDecisions
from craftreg.domain.authority import OrgKind, Role
from craftreg.keys import Signer, read_key, write_key
from craftreg.ledger.checkpoints import Checkpoint, log_signer_key, log_verifier_key
from craftreg.ledger.cosignature import verify_cosignature, witness_name
from craftreg.ledger.note import open_note, sign_note, verify_note
from craftreg.ledger.witness import WitnessState
from tests.http.conftest import Server
from tests.http.test_registry_out import problem
from tests.ledger.conftest import Database

# The server promises a checkpoint within about a second of the last append; slow CI
# machines get five.
PUBLISHED_WITHIN = 5.0


@dataclass
class Scene:
    server: Server
    http: httpx.Client
    log: RemoteDecisions
    root: Signer
    national: str
    origin: str
    log_key: str  # the log's verifier key, as a witness is given it
    witness: Signer
    witness_file: Path

    def events(self) -> int:
        return int(self.http.get("/v1/health").json()["events"])

    def latest_size(self) -> int:
        answer = self.http.get("/v1/ledger/checkpoint")
        assert answer.status_code == 200, answer.text
        return Checkpoint.parse(open_note(answer.text)[0]).size

    def append(self, count: int) -> None:
        for _ in range(count):
            name = f"企业{time.monotonic_ns()}"
            self.log.register_organisation(self.root, OrgKind.ENTERPRISE, name, self.national)

    def covered(self) -> int:
        """Wait for a published checkpoint of the whole log, no longer than promised."""
        events, deadline = self.events(), time.monotonic() + PUBLISHED_WITHIN
        while (size := self.latest_size()) < events:
            assert time.monotonic() < deadline, f"no checkpoint of {events} events in time"
            time.sleep(0.05)  # the poll's pace; the deadline decides
        assert size == events
        return size


@pytest.fixture(scope="module")
def scene(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    assert server.root is not None
    client = RegistryClient(server.url)
    log = RemoteDecisions(client)
    national = client.read("/v1/whoami", signer=server.root)["organisation"]
    witness = Signer.generate()
    log.enrol_actor(server.root, national, "见证人甲", [Role.WITNESS], witness)
    witness_file = tmp_path_factory.mktemp("witness") / "witness.pem"
    write_key(witness_file, witness)
    origin = client.read("/v1/health")["origin"]
    log_key = log_verifier_key(origin, read_key(server.key_dir / "log.pem").public_key)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield Scene(
            server, http, log, server.root, national, origin, log_key, witness, witness_file
        )
    client.close()


def cosign(scene: Scene, state: Path, *options: str) -> Result:
    """``craftreg witness cosign`` against the server, in this process."""
    arguments = ["witness", "cosign", "--key", str(scene.witness_file), "--server"]
    return CliRunner().invoke(main, [*arguments, scene.server.url, "--state", str(state), *options])


def cosigned_size(state: Path) -> int:
    loaded = WitnessState.load(state)
    assert loaded is not None
    return loaded.size


def check_cosigned(scene: Scene, note: str, size: int) -> None:
    """The note is the log's checkpoint of ``size``, cosigned by the scene's witness."""
    verified = verify_note(note, [scene.log_key])
    assert Checkpoint.parse(verified.text).size == size
    name = witness_name(scene.origin, scene.witness.key_id)
    (line,) = [s for s in open_note(note)[1] if s.name == name]
    verify_cosignature(verified.text, line, scene.witness.public_key)


def published_sizes(scene: Scene, query: str = "") -> list[dict[str, Any]]:
    """Every item of the checkpoint list, walking ``next`` two at a time."""
    items: list[dict[str, Any]] = []
    path = f"/v1/ledger/checkpoints?limit=2{query}"
    while True:
        answer = scene.http.get(path)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= 2
        items += page["items"]
        if page["next"] is None:
            return items
        path = f"/v1/ledger/checkpoints?limit=2{query}&cursor={page['next']}"


def test_the_server_publishes_a_checkpoint_of_the_whole_log_within_a_second(
    scene: Scene,
) -> None:
    # Two quick appends leave the last event outside the checkpoint signed on append, which
    # waits a second after the previous one; only the server's publisher can then sign it.
    for _ in range(5):
        scene.append(2)
        stopped = time.monotonic()
        events = scene.events()
        if scene.latest_size() < events:
            break
    else:
        pytest.fail("every append was covered at once: nothing was left for the publisher")
    assert scene.covered() == events
    assert time.monotonic() - stopped < PUBLISHED_WITHIN


def test_each_published_checkpoint_is_served_by_its_size(scene: Scene) -> None:
    scene.append(3)
    events = scene.covered()
    listed = published_sizes(scene)
    sizes = [item["size"] for item in listed]
    stored = Database(scene.server.database_url).run(
        "SELECT size FROM ledger_checkpoints ORDER BY size DESC"
    )
    assert sizes == [size for (size,) in stored] and sizes[0] == events
    for size in sizes[:3]:
        answer = scene.http.get(f"/v1/ledger/checkpoints/{size}")
        assert answer.headers["content-type"].startswith("text/plain")
        assert Checkpoint.parse(verify_note(answer.text, [scene.log_key]).text).size == size
    latest = scene.http.get("/v1/ledger/checkpoint")
    assert latest.text == scene.http.get(f"/v1/ledger/checkpoints/{events}").text
    unpublished = sorted(set(range(1, events + 1)) - set(sizes))
    assert unpublished, "the server signed a checkpoint at every size"
    problem(scene.http.get(f"/v1/ledger/checkpoints/{unpublished[0]}"), 404, "unknown-checkpoint")
    for bad in ("0", "-3", "07", "x", "1.5", "9" * 19, "9" * 18, str(events + 1)):
        answer = scene.http.get(f"/v1/ledger/checkpoints/{bad}")
        problem(answer, 400, "bad-checkpoint-size")
    # Cursors no page gives, out of any size's range: an answer, not an overflow.
    for key, first in ((10**30, [events]), (-(10**30), [])):
        cursor = base64.urlsafe_b64encode(f"[{key}]".encode()).decode()
        page = scene.http.get(f"/v1/ledger/checkpoints?limit=1&cursor={cursor}").json()
        assert [item["size"] for item in page["items"]] == first
    for bad in ("cursor=WyJ4Il0", "cursor=!", "limit=0", "limit=201", "cosigned=maybe"):
        problem(scene.http.get(f"/v1/ledger/checkpoints?{bad}"), 400, "bad-request")


def test_a_witness_cosigns_over_http_and_its_cosignatures_are_served_by_size(
    scene: Scene, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    scene.covered()
    first = cosign(scene, state, "--log-key", scene.log_key)
    assert first.exit_code == 0, first.output
    old = cosigned_size(state)
    scene.append(3)
    scene.covered()
    second = cosign(scene, state)  # the pinned log key, kept in the state file
    assert second.exit_code == 0, second.output
    new = cosigned_size(state)
    assert new > old and f"at size {new} (consistent with size {old})" in second.output
    for size in (old, new):
        check_cosigned(scene, scene.http.get(f"/v1/ledger/checkpoints/{size}").text, size)
    answer = scene.http.get("/v1/ledger/checkpoints?cosigned=true&limit=1").json()
    assert [(i["size"], i["cosignatures"]) for i in answer["items"]] == [(new, 1)]
    cosigned = published_sizes(scene, "&cosigned=true")
    assert [i["size"] for i in cosigned][:2] == [new, old]
    assert {i["size"]: i["cosignatures"] for i in published_sizes(scene)}[old] == 1


def test_the_witness_refuses_a_split_view_the_server_shows(scene: Scene, tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    scene.covered()
    assert cosign(scene, state, "--log-key", scene.log_key).exit_code == 0
    scene.append(2)
    size = scene.covered()
    # The server's own log key signs a checkpoint of the same size with another root: the
    # split view a compromised server would show this witness.
    log_signer = log_signer_key(scene.origin, read_key(scene.server.key_dir / "log.pem"))
    fork = sign_note(
        Checkpoint(scene.origin, size, hashlib.sha256(b"fork").digest()).text(), log_signer
    )
    database = Database(scene.server.database_url)
    [(original,)] = database.run("SELECT note FROM ledger_checkpoints WHERE size = ?", (size,))
    database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = ?", (fork, size))
    try:
        before = state.read_text()
        refused = cosign(scene, state)
        assert refused.exit_code == 1, refused.output  # an alarm, not a mistake of use
        assert f"does not extend the one of size {cosigned_size(state)}" in refused.output
        assert state.read_text() == before
        assert scene.http.get(f"/v1/ledger/checkpoints/{size}").text == fork  # no cosignature
    finally:
        database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = ?", (original, size))
