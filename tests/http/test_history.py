"""History out, on a real server socket: a record's signed events with inclusion proofs that
verify against the checkpoint given, the ledger's entries for auditors, and every refusal."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from craftreg.domain.authority import Role
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import Checkpoint
from craftreg.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from craftreg.ledger.note import open_note
from tests.helpers import details
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang
from tests.http.test_registry_out import problem


@dataclass
class Scene:
    server: Server
    zj: HttpZhejiang
    round_id: str
    nomination: str
    auditor: Signer


@pytest.fixture(scope="module")
def scene(server: Server) -> Iterator[Scene]:
    zj = HttpZhejiang(server.url, server.root)
    round_id = zj.round()
    nomination = zj.log.nominate(zj.key(Role.RECOMMENDER), round_id, zj.hangzhou, details("陈静"))
    zj.log.review(zj.key(Role.REVIEWER), nomination, "returned", "补充获奖证明")
    auditor = Signer.generate()
    zj.log.enrol_actor(zj.registrar, zj.zhejiang, "浙江审计员", [Role.AUDITOR], auditor)
    yield Scene(server, zj, round_id, nomination, auditor)
    zj.client.close()


def check_proofs(history: dict[str, Any], log: list[bytes]) -> Checkpoint:
    """Each event is the stored record at its leaf index, proven in the checkpoint given
    when the checkpoint covers it, and without a proof when it does not."""
    text, _ = open_note(history["checkpoint"])
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.size == history["checkpoint_size"]
    for event in history["events"]:
        record = base64.b64decode(event["record"])
        assert log[event["leaf_index"]] == record  # the leaf index is the record's place
        assert base64.b64decode(event["leaf_hash"]) == leaf_hash(record)
        if event["leaf_index"] >= checkpoint.size:
            assert event["inclusion"] is None
            continue
        proof = [base64.b64decode(h) for h in event["inclusion"]]
        verify_inclusion(
            leaf_hash(record), event["leaf_index"], checkpoint.size, proof, checkpoint.root
        )
    return checkpoint


def test_a_records_events_come_with_proofs_against_the_checkpoint(scene: Scene) -> None:
    # Straight after the last append: the server signs a checkpoint that covers it if needed.
    answer = scene.zj.client.get(f"/v1/streams/{scene.nomination}/events", signer=scene.auditor)
    assert answer.status_code == 200, answer.text
    history = answer.json()
    checkpoint = check_proofs(history, scene.server.log())
    events = history["events"]
    assert [e["event"]["envelope"]["version"] for e in events] == [1, 2]
    assert [e["event"]["envelope"]["type"] for e in events] == [
        "NominationSubmitted",
        "NominationReviewed",
    ]
    assert all(e["leaf_index"] < checkpoint.size for e in events)
    tampered = [base64.b64decode(h) for h in events[0]["inclusion"]]
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash(b"x" + base64.b64decode(events[0]["record"])),
            events[0]["leaf_index"],
            checkpoint.size,
            tampered,
            checkpoint.root,
        )


def test_history_is_for_signed_requests_within_jurisdiction(scene: Scene) -> None:
    path = f"/v1/streams/{scene.round_id}/events"
    problem(scene.zj.client.http.get(path), 401, "signature-required")
    # The round's body is the provincial federation: its reviewer reads it, Hangzhou's
    # recommender (below it) does not, the auditor reads everything.
    assert scene.zj.client.get(path, signer=scene.zj.key(Role.REVIEWER)).status_code == 200
    problem(
        scene.zj.client.get(path, signer=scene.zj.key(Role.RECOMMENDER)),
        403,
        "outside-jurisdiction",
    )
    assert scene.zj.client.get(path, signer=scene.auditor).status_code == 200
    missing = "/v1/streams/00000000-0000-4000-8000-000000000000/events"
    problem(scene.zj.client.get(missing, signer=scene.auditor), 404, "not-found")


def test_ledger_entries_are_the_stored_records_for_auditors(scene: Scene) -> None:
    log = scene.server.log()
    answer = scene.zj.client.get("/v1/ledger/entries?start=1&end=4", signer=scene.auditor)
    assert answer.status_code == 200, answer.text
    entries = answer.json()
    assert (entries["start"], entries["end"]) == (1, 4)
    assert [base64.b64decode(e["record"]) for e in entries["entries"]] == log[1:4]
    assert [e["leaf_index"] for e in entries["entries"]] == [1, 2, 3]
    beyond = scene.zj.client.get(
        f"/v1/ledger/entries?start={len(log) - 1}&end={len(log) + 5}", signer=scene.auditor
    ).json()
    assert beyond["end"] >= len(log) and beyond["entries"][0]["leaf_index"] == len(log) - 1
    path = "/v1/ledger/entries?start=0&end=2"
    problem(scene.zj.client.http.get(path), 401, "signature-required")
    problem(scene.zj.client.get(path, signer=scene.zj.key(Role.REVIEWER)), 403, "wrong-role")
    for bad in ("start=5&end=5", "start=0&end=1001", "start=-1&end=2", "start=a&end=2"):
        answer = scene.zj.client.get(f"/v1/ledger/entries?{bad}", signer=scene.auditor)
        problem(answer, 400, "bad-request")


def test_proofs_can_be_against_a_checkpoint_the_client_holds(scene: Scene) -> None:
    client, path = scene.zj.client, f"/v1/streams/{scene.nomination}/events"
    latest = client.get(path, signer=scene.auditor).json()
    named = client.get(f"{path}?size={latest['checkpoint_size']}", signer=scene.auditor)
    assert named.json() == latest  # the latest, named by its size: the same answer
    log = scene.server.log()
    listed = client.get("/v1/ledger/checkpoints?limit=200").json()
    assert listed["next"] is None
    sizes = {item["size"] for item in listed["items"]}
    # The first checkpoint, signed by `craftreg init` before the record existed: the same
    # events, none of them under it, so none with a proof.
    first = client.get(f"{path}?size={min(sizes)}", signer=scene.auditor).json()
    assert check_proofs(first, log).size == min(sizes)
    assert first["checkpoint"] == client.http.get(f"/v1/ledger/checkpoints/{min(sizes)}").text
    assert [e["record"] for e in first["events"]] == [e["record"] for e in latest["events"]]
    assert all(e["inclusion"] is None for e in first["events"])
    unpublished = min(set(range(1, len(log) + 1)) - sizes)
    answer = client.get(f"{path}?size={unpublished}", signer=scene.auditor)
    problem(answer, 404, "unknown-checkpoint")
    for bad in ("0", "x", "-1", str(len(log) + 1)):
        answer = client.get(f"{path}?size={bad}", signer=scene.auditor)
        problem(answer, 400, "bad-checkpoint-size")
