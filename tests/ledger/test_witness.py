"""Witnesses: the cosignature format, the registry keeping only cosignatures that verify
against an enrolled witness's key — every refusal specific and storing nothing — and the
witness side refusing to cosign a split view. Served over HTTP as the witness uses it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.http.app import create_app
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import Checkpoint, log_signer_key
from craftreg.ledger.cosignature import cosign, cosigned_message, witness_name
from craftreg.ledger.errors import (
    BadCosignature,
    CheckpointInconsistent,
    LedgerError,
    NotAWitness,
    UnknownCheckpoint,
    UnknownWitness,
    WitnessKeyRevoked,
)
from craftreg.ledger.merkle import verify_consistency, verify_inclusion
from craftreg.ledger.note import open_note, sign_note
from craftreg.ledger.witness import SplitView, WitnessError, WitnessState, cosign_latest
from craftreg.settings import Settings
from tests.ledger.conftest import ORIGIN, add_enterprises


@pytest.fixture
def witness_key(ledger: Registry, root: Signer) -> Signer:
    key = Signer.generate()
    ledger.enrol_actor(root, ledger.national_federation, "见证人甲", [Role.WITNESS], key)
    return key


@pytest.fixture
def client(ledger: Registry) -> Iterator[TestClient]:  # type: ignore[type-arg]
    settings = Settings(database_url=ledger.store.database_url, public_rate_limit=0)
    app = create_app(settings, ledger)
    # The ledger fixture closes the registry itself.
    app.on_shutdown[:] = [hook for hook in app.on_shutdown if hook != ledger.close]
    with TestClient(app) as test_client:
        yield test_client


class ClientTransport:
    def __init__(self, client: TestClient) -> None:  # type: ignore[type-arg]
        self.client = client

    def get(self, path: str) -> tuple[int, str]:
        response = self.client.get(path)
        return response.status_code, response.text

    def post(self, path: str, body: str) -> tuple[int, str]:
        response = self.client.post(path, content=body.encode())
        return response.status_code, response.text


def latest(ledger: Registry) -> tuple[str, str]:
    ledger.store.publish_checkpoint()
    published = ledger.store.ledger.checkpoints.latest()
    assert published is not None
    return published.checkpoint.text(), published.note


def test_a_cosignature_is_a_timestamped_ed25519_signature_of_type_4() -> None:
    key = Signer.generate()
    text = "example.com/log\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    line = cosign(text, "w.example/1", key, timestamp=1679315147)
    name, raw64 = line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(raw64)
    expected_id = hashlib.sha256(b"w.example/1\n\x04" + key.public_key).digest()[:4]
    assert name == "w.example/1" and raw[:4] == expected_id and len(raw) == 76
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    message = cosigned_message(text, 1679315147)
    assert message.startswith(b"cosignature/v1\ntime 1679315147\nexample.com/log\n")
    key.private_key.public_key().verify(raw[12:], message)


def test_the_registry_keeps_a_verified_cosignature_and_serves_it(
    ledger: Registry,
    witness_key: Signer,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    text, note = latest(ledger)
    line = cosign(text, witness_name(ORIGIN, witness_key.key_id), witness_key)
    response = client.post("/v1/ledger/cosignatures", content=(note + line + "\n").encode())
    assert response.status_code == 200, response.text
    assert response.json() == {"size": 3, "witnesses": [witness_key.key_id]}
    served = client.get("/v1/ledger/checkpoint")
    assert served.headers["content-type"].startswith("text/plain")
    assert served.text == note + line + "\n"


def refusal_cases(
    ledger: Registry, root: Signer, witness_key: Signer
) -> dict[str, tuple[type[LedgerError], str]]:
    text, note = latest(ledger)
    origin = ORIGIN
    outsider, plain = Signer.generate(), Signer.generate()
    ledger.enrol_actor(root, ledger.national_federation, "审计员", [Role.AUDITOR], plain)
    revoked = Signer.generate()
    revoked_actor = ledger.enrol_actor(
        root, ledger.national_federation, "见证人乙", [Role.WITNESS], revoked
    )
    ledger.decide(root, revoked_actor, "ActorKeyRevoked", {"key": revoked.key_id, "reason": "遗失"})
    good = cosign(text, witness_name(origin, witness_key.key_id), witness_key)
    forged_text = Checkpoint(origin, 3, bytes(32)).text()
    forged = sign_note(forged_text, log_signer_key(origin, ledger.store.ledger.log_key))  # type: ignore[arg-type]
    future = Checkpoint(origin, 999, bytes(32)).text()
    raw = base64.b64decode(good.split(" ")[-1])
    flipped = (
        good.rsplit(" ", 1)[0] + " " + base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()
    )

    def signed(line: str, base: str = note) -> str:
        return base + line + "\n"

    return {
        "bad signature": (BadCosignature, signed(flipped)),
        "wrong key id": (
            BadCosignature,
            signed(cosign(text, witness_name(origin, witness_key.key_id), plain)),
        ),
        "unknown witness": (
            UnknownWitness,
            signed(cosign(text, witness_name(origin, outsider.key_id), outsider)),
        ),
        "foreign name": (UnknownWitness, signed(cosign(text, "witness.example/w1", witness_key))),
        "not a witness": (
            NotAWitness,
            signed(cosign(text, witness_name(origin, plain.key_id), plain)),
        ),
        "revoked key": (
            WitnessKeyRevoked,
            signed(cosign(text, witness_name(origin, revoked.key_id), revoked)),
        ),
        "inconsistent": (
            CheckpointInconsistent,
            signed(
                cosign(forged_text, witness_name(origin, witness_key.key_id), witness_key), forged
            ),
        ),
        "unknown checkpoint": (
            UnknownCheckpoint,
            signed(
                cosign(future, witness_name(origin, witness_key.key_id), witness_key), future + "\n"
            ),
        ),
        "no cosignature": (BadCosignature, note),
        "one good, one bad": (BadCosignature, signed(flipped, signed(good))),
        "dated in the future": (
            BadCosignature,
            signed(cosign(text, witness_name(origin, witness_key.key_id), witness_key, 2**40)),
        ),
    }


def test_every_refused_cosignature_names_its_fault_and_stores_nothing(
    ledger: Registry,
    root: Signer,
    witness_key: Signer,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cases = refusal_cases(ledger, root, witness_key)
    for case, (error, body) in cases.items():
        response = client.post("/v1/ledger/cosignatures", content=body.encode())
        problem = response.json()
        assert problem["code"] == error.code, case
        assert response.status_code == error.status, case
        assert problem["zh"] and problem["en"], case
        with pytest.raises(error):
            ledger.store.ledger.accept_cosignatures(body, ledger.store.refresh())
    rows = ledger.store.ledger.db.query("SELECT count(*) FROM {ledger_cosignatures}")
    assert rows == [(0,)]


def test_proofs_are_served_for_the_witness(
    ledger: Registry,
    root: Signer,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    first = ledger.store.ledger.checkpoints.latest()
    add_enterprises(ledger, root, 9)
    _, _ = latest(ledger)
    second = ledger.store.ledger.checkpoints.latest()
    assert first is not None and second is not None
    old, new = first.checkpoint, second.checkpoint
    body = client.get(f"/v1/ledger/proofs/consistency?first={old.size}&second={new.size}").json()
    proof = [base64.b64decode(h) for h in body["proof"]]
    verify_consistency(old.size, new.size, proof, old.root, new.root)
    body = client.get(f"/v1/ledger/proofs/inclusion?index=4&size={new.size}").json()
    proof = [base64.b64decode(h) for h in body["proof"]]
    verify_inclusion(base64.b64decode(body["leaf_hash"]), 4, new.size, proof, new.root)
    refused = client.get("/v1/ledger/proofs/inclusion?index=4&size=999")
    assert refused.status_code == 400 and refused.json()["code"] == "bad-proof-request"


def test_the_witness_cosigns_checkpoints_that_extend_the_last(
    ledger: Registry,
    root: Signer,
    witness_key: Signer,
    client: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "witness.json"
    transport = ClientTransport(client)
    latest(ledger)
    with pytest.raises(WitnessError, match="--log-key"):
        cosign_latest(witness_key, transport, state_file)
    log_key = ledger.store.refresh().log_key
    first = cosign_latest(witness_key, transport, state_file, log_key)
    add_enterprises(ledger, root, 5)
    latest(ledger)
    second = cosign_latest(witness_key, transport, state_file)
    assert (first.previous_size, second.previous_size) == (0, first.checkpoint.size)
    state = WitnessState.load(state_file)
    assert state is not None and state.size == second.checkpoint.size
    served = client.get("/v1/ledger/checkpoint").text
    assert second.line in served


class ForkTransport(ClientTransport):
    """A log showing this witness a checkpoint of its own making: a split view."""

    def __init__(self, client: TestClient, note: str) -> None:  # type: ignore[type-arg]
        super().__init__(client)
        self.note = note
        self.posted: list[str] = []

    def get(self, path: str) -> tuple[int, str]:
        return (200, self.note) if path == "/v1/ledger/checkpoint" else super().get(path)

    def post(self, path: str, body: str) -> tuple[int, str]:
        self.posted.append(body)
        return super().post(path, body)


@pytest.mark.parametrize("size_offset", [0, 4, -1])
def test_the_witness_refuses_a_split_view_and_keeps_its_state(
    ledger: Registry,
    root: Signer,
    witness_key: Signer,
    client: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
    size_offset: int,
) -> None:
    state_file = tmp_path / "witness.json"
    add_enterprises(ledger, root, 4)
    latest(ledger)
    done = cosign_latest(
        witness_key, ClientTransport(client), state_file, ledger.store.refresh().log_key
    )
    add_enterprises(ledger, root, 6)
    latest(ledger)
    size = done.checkpoint.size + size_offset
    fork = Checkpoint(ORIGIN, size, hashlib.sha256(b"fork").digest())
    signer = log_signer_key(ORIGIN, ledger.store.ledger.log_key)  # type: ignore[arg-type]
    transport = ForkTransport(client, sign_note(fork.text(), signer))
    before = state_file.read_text()
    with pytest.raises(SplitView):
        cosign_latest(witness_key, transport, state_file)
    assert state_file.read_text() == before and transport.posted == []


def test_the_witness_refuses_a_checkpoint_not_signed_by_the_log_key(
    ledger: Registry,
    witness_key: Signer,
    client: TestClient,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    latest(ledger)
    other = Signer.generate()
    fork = Checkpoint(ORIGIN, 3, bytes(32))
    transport = ForkTransport(client, sign_note(fork.text(), log_signer_key(ORIGIN, other)))
    with pytest.raises(WitnessError, match="not signed by the log key"):
        cosign_latest(witness_key, transport, tmp_path / "w.json", ledger.store.refresh().log_key)
    assert not (tmp_path / "w.json").exists()
    assert open_note(ledger.store.ledger.latest_note() or "")[1][0].name == ORIGIN
