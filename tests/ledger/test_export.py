"""The auditor's export bundle: written from the store, replayed alone to the same verdict, and
every kind of tampering with the file found — plus the ``craftreg audit`` commands."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.keys import Signer
from craftreg.ledger.audit import Fault, Report, replay
from craftreg.ledger.checkpoints import Checkpoint, log_signer_key
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.merkle import leaf_hash
from craftreg.ledger.note import sign_note
from craftreg.ledger.sources import DatabaseSource, ExportSource, SourceError
from tests.ledger.conftest import ORIGIN, add_enterprises


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'craftreg.sqlite3'}"


@dataclass(frozen=True)
class Exported:
    path: Path
    national: str  # the national federation's id
    revoked: Signer  # a registrar's key, revoked at position 9


@pytest.fixture
def exported(sqlite_url: str, tmp_path: Path, root: Signer, log_key: Signer) -> Exported:
    """Twelve events: genesis, log key, six enterprises, a registrar enrolled (8) and its key
    revoked (9), two more enterprises; checkpoints at sizes 2, 8 and 12."""
    with Registry(sqlite_url, log_key) as registry:
        registry.found(root, origin=ORIGIN)
        publish_log_key(registry, root, log_key)
        add_enterprises(registry, root, 6)
        registry.store.publish_checkpoint()
        revoked = Signer.generate()
        national = registry.national_federation
        actor = registry.enrol_actor(root, national, "登记员", [Role.REGISTRAR], revoked)
        registry.decide(root, actor, "ActorKeyRevoked", {"key": revoked.key_id, "reason": "离职"})
        add_enterprises(registry, root, 2)
        registry.store.publish_checkpoint()
        path = tmp_path / "export.jsonl"
        DatabaseSource(registry.store.ledger).export(path, ORIGIN)
    return Exported(path, national, revoked)


class Lines:
    """The export's lines, to edit as an intruder would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = path.read_text().splitlines()

    def index(self, kind: str, n: int) -> int:
        return [i for i, line in enumerate(self.lines) if line.startswith(f'{{"{kind}"')][n]

    def record(self, n: int) -> bytes:
        return base64.b64decode(json.loads(self.lines[self.index("record", n)])["record"])

    def set_record(self, n: int, record: bytes) -> None:
        self.lines[self.index("record", n)] = json.dumps({"record": _b64(record)})

    def set_leaf(self, n: int, record: bytes) -> None:
        self.lines[self.index("leaf", n)] = json.dumps({"leaf": n, "hash": _b64(leaf_hash(record))})

    def save(self) -> Path:
        self.path.write_text("\n".join(self.lines) + "\n")
        return self.path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def check(path: Path, position: int, fault: Fault) -> Report:
    report = replay(ExportSource(path), jobs=1)
    assert report.finding is not None, "the tampering went unnoticed"
    assert (report.finding.position, report.finding.fault) == (position, fault), report.finding
    return report


def test_an_export_replays_to_the_same_root_and_digest(exported: Exported, sqlite_url: str) -> None:
    from_file = replay(ExportSource(exported.path), jobs=1)
    with Registry(sqlite_url) as registry:
        from_store = replay(DatabaseSource(registry.store.ledger), jobs=1)
    assert from_file.ok and from_store.ok
    assert (from_file.root, from_file.digest, from_file.events, from_file.checkpoints) == (
        from_store.root,
        from_store.digest,
        from_store.events,
        from_store.checkpoints,
    )
    header = json.loads(exported.path.read_text().splitlines()[0])
    assert header["format"] == "craftreg/ledger-export/v1"
    assert (header["events"], header["leaves"], header["checkpoints"]) == (12, 12, 3)


def test_an_edited_payload_in_an_export(exported: Exported) -> None:
    lines = Lines(exported.path)
    lines.set_record(4, lines.record(4).replace("企业".encode(), "公司".encode()))
    check(lines.save(), 4, Fault.PAYLOAD_CHANGED)


def test_a_record_deleted_from_an_export(exported: Exported) -> None:
    lines = Lines(exported.path)
    del lines.lines[lines.index("record", 5)]
    check(lines.save(), 5, Fault.EVENT_MISSING)


def test_a_record_added_to_an_export(exported: Exported, root: Signer) -> None:
    lines = Lines(exported.path)
    lines.lines.insert(lines.index("record", 3), line(enterprise(root, exported.national)))
    check(lines.save(), 3, Fault.EVENT_INSERTED)


def test_records_swapped_in_an_export(exported: Exported) -> None:
    lines = Lines(exported.path)
    a, b = lines.index("record", 6), lines.index("record", 7)
    lines.lines[a], lines.lines[b] = lines.lines[b], lines.lines[a]
    check(lines.save(), 6, Fault.ORDER_CHANGED)


def test_a_forged_signature_in_an_export(exported: Exported) -> None:
    """The leaf line is rewritten too: the signature check still fails."""
    lines = Lines(exported.path)
    record = lines.record(2)
    signature = record[record.rindex(b'"signature":"') + 13 : -2]
    forged = record.replace(signature, base64.b64encode(bytes(64)))
    lines.set_record(2, forged)
    lines.set_leaf(2, forged)
    check(lines.save(), 2, Fault.SIGNATURE_INVALID)


def test_an_event_by_a_revoked_key_added_to_an_export(exported: Exported) -> None:
    lines = Lines(exported.path)
    lines.lines.append(line(enterprise(exported.revoked, exported.national)))
    check(lines.save(), 12, Fault.KEY_REVOKED)


def test_an_event_by_an_unknown_key_added_to_an_export(exported: Exported) -> None:
    lines = Lines(exported.path)
    lines.lines.append(line(enterprise(Signer.generate(), exported.national)))
    check(lines.save(), 12, Fault.UNAUTHORISED_SIGNER)


def test_a_checkpoint_edited_in_an_export(exported: Exported, log_key: Signer) -> None:
    lines = Lines(exported.path)
    fork = sign_note(Checkpoint(ORIGIN, 8, bytes(32)).text(), log_signer_key(ORIGIN, log_key))
    lines.lines[lines.index("checkpoint", 1)] = json.dumps({"checkpoint": fork})
    check(lines.save(), 8, Fault.CHECKPOINT_INCONSISTENT)


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"format": "something else"}\n')
    with pytest.raises(SourceError):
        ExportSource(path)


def enterprise(signer: Signer, national: str) -> bytes:
    payload = {"kind": "enterprise", "name": "冒名企业", "parent": national}
    return signer.sign(str(uuid.uuid4()), 1, "OrganisationRegistered", payload).record


def line(record: bytes) -> str:
    return json.dumps({"record": _b64(record)})
