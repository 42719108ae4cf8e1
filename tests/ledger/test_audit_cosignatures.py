"""An auditor's replay judges each witness cosignature by the rules the registry accepted it
under, at a state of the log in which it could have: a cosignature the registry refuses,
written in by SQL (SQLite and PostgreSQL) or edited into an export, is refused at its
checkpoint; an honest one stands whatever happens to its key afterwards."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.keys import Signer
from craftreg.ledger.audit import Fault, Report, replay
from craftreg.ledger.checkpoints import Published
from craftreg.ledger.cosignature import cosign, witness_name
from craftreg.ledger.errors import (
    BadCosignature,
    LedgerError,
    NotAWitness,
    UnknownWitness,
    WitnessKeyRevoked,
)
from craftreg.ledger.sources import DatabaseSource, ExportSource
from tests.ledger.conftest import ORIGIN, Database, add_enterprises

SIZE = (
    9  # the cosigned checkpoint: genesis, log key, 3 actors enrolled, a revocation, 3 enterprises
)


@dataclass(frozen=True)
class Witnessed:
    registry: Registry
    witness: Signer  # a witness's key, current throughout
    auditor: Signer  # an auditor's key: no witness role, ever
    retired: Signer  # a witness's key, revoked at position 5, within the checkpoint
    checkpoint: Published  # of size SIZE


@pytest.fixture
def witnessed(ledger: Registry, root: Signer) -> Witnessed:
    national = ledger.national_federation
    witness, auditor, retired = Signer.generate(), Signer.generate(), Signer.generate()
    ledger.enrol_actor(root, national, "见证人甲", [Role.WITNESS], witness)
    ledger.enrol_actor(root, national, "审计员", [Role.AUDITOR], auditor)
    retired_actor = ledger.enrol_actor(root, national, "见证人乙", [Role.WITNESS], retired)
    ledger.decide(root, retired_actor, "ActorKeyRevoked", {"key": retired.key_id, "reason": "遗失"})
    add_enterprises(ledger, root, 3)
    published = publish(ledger)
    assert published.checkpoint.size == SIZE
    return Witnessed(ledger, witness, auditor, retired, published)


def publish(registry: Registry) -> Published:
    published = registry.store.publish_checkpoint()
    assert published is not None
    return published


def accept(registry: Registry, published: Published, line: str) -> None:
    """The registry's own way in: it checks the line before keeping it."""
    registry.store.ledger.accept_cosignatures(
        published.note + line + "\n", registry.store.refresh()
    )


def audit(registry: Registry) -> Report:
    return replay(DatabaseSource(registry.store.ledger), jobs=1)


def assert_fault(report: Report, position: int, fault: Fault, *words: str) -> None:
    assert report.finding is not None, "the cosignature went unnoticed"
    assert (report.finding.position, report.finding.fault) == (position, fault), report.finding
    for word in words:
        assert word in report.finding.detail, report.finding.detail


def refused_lines(w: Witnessed) -> dict[str, tuple[type[LedgerError], str]]:
    text = w.checkpoint.checkpoint.text()
    outsider = Signer.generate()
    return {
        "no witness role": (
            NotAWitness,
            cosign(text, witness_name(ORIGIN, w.auditor.key_id), w.auditor),
        ),
        "key retired within the checkpoint": (
            WitnessKeyRevoked,
            cosign(text, witness_name(ORIGIN, w.retired.key_id), w.retired),
        ),
        "never enrolled": (
            UnknownWitness,
            cosign(text, witness_name(ORIGIN, outsider.key_id), outsider),
        ),
        "not named as a witness": (
            UnknownWitness,
            cosign(text, f"{ORIGIN}/auditor/{w.witness.key_id}", w.witness),
        ),
        "dated in the future": (
            BadCosignature,
            cosign(text, witness_name(ORIGIN, w.witness.key_id), w.witness, timestamp=2**40),
        ),
    }


CASES = [
    "no witness role",
    "key retired within the checkpoint",
    "never enrolled",
    "not named as a witness",
    "dated in the future",
]


@pytest.mark.parametrize("case", CASES)
def test_a_cosignature_the_registry_refuses_written_in_by_sql_is_refused(
    witnessed: Witnessed, database: Database, root: Signer, case: str
) -> None:
    registry = witnessed.registry
    error, line = refused_lines(witnessed)[case]
    with pytest.raises(error):
        accept(registry, witnessed.checkpoint, line)
    database.run(
        "INSERT INTO ledger_cosignatures (size, witness, timestamp, line) VALUES (?, ?, ?, ?)",
        (SIZE, "k" * 32, 0, line),
    )
    add_enterprises(registry, root, 2)
    publish(registry)
    report = audit(registry)
    assert_fault(report, SIZE, Fault.CHECKPOINT_INCONSISTENT, f"size {SIZE}", f"[{error.code}]")
    assert report.cosignatures == 0


def test_a_key_retired_before_the_checkpoint_is_refused_at_the_checkpoint(
    witnessed: Witnessed, database: Database, root: Signer
) -> None:
    """Retirement is final: the replay refuses the cosignature at its checkpoint, before it
    reaches an event rewritten right after it, not at the end of the log."""
    registry = witnessed.registry
    line = refused_lines(witnessed)["key retired within the checkpoint"][1]
    database.run(
        "INSERT INTO ledger_cosignatures (size, witness, timestamp, line) VALUES (?, ?, ?, ?)",
        (SIZE, witnessed.retired.key_id, 0, line),
    )
    add_enterprises(registry, root, 2)
    database.set_record(SIZE, database.record(SIZE).replace("企业".encode(), "公司".encode()))
    report = audit(registry)
    assert_fault(report, SIZE, Fault.CHECKPOINT_INCONSISTENT, "retired at log position 5")


@pytest.mark.parametrize("enrolled", ["before the checkpoint", "after the checkpoint"])
def test_an_honest_cosignature_stands_when_its_key_is_retired_later(
    witnessed: Witnessed, root: Signer, enrolled: str
) -> None:
    registry, national = witnessed.registry, witnessed.registry.national_federation
    key, actor = witnessed.witness, None
    if enrolled == "after the checkpoint":
        key = Signer.generate()
        actor = registry.enrol_actor(root, national, "见证人丙", [Role.WITNESS], key)
    accept(registry, witnessed.checkpoint, cosign_line(witnessed.checkpoint, key))
    if actor is None:
        actor = registry.store.refresh().chain.keys[key.key_id].actor
    registry.decide(root, actor, "ActorKeyRevoked", {"key": key.key_id, "reason": "离任"})
    replays_with_one_cosignature(registry, root)


def test_a_witness_role_granted_after_the_checkpoint_admits_the_cosignature(
    witnessed: Witnessed, root: Signer
) -> None:
    """The registry accepted it once the role was granted; withdrawing it later changes nothing."""
    registry, auditor = witnessed.registry, witnessed.auditor
    actor = registry.store.refresh().chain.keys[auditor.key_id].actor
    registry.decide(root, actor, "ActorRolesChanged", {"roles": ["auditor", "witness"]})
    accept(registry, witnessed.checkpoint, cosign_line(witnessed.checkpoint, auditor))
    registry.decide(root, actor, "ActorRolesChanged", {"roles": ["auditor"]})
    replays_with_one_cosignature(registry, root)


def test_a_forged_cosignature_edited_into_an_export_is_refused(
    witnessed: Witnessed, tmp_path: Path
) -> None:
    registry = witnessed.registry
    accept(registry, witnessed.checkpoint, cosign_line(witnessed.checkpoint, witnessed.witness))
    path = tmp_path / "export.jsonl"
    DatabaseSource(registry.store.ledger).export(path, ORIGIN)
    honest = replay(ExportSource(path), jobs=1)
    assert honest.ok and honest.cosignatures == 1, honest.finding
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "/witness/" in line)
    note: str = json.loads(lines[at])["checkpoint"]
    cosigned = note.splitlines()[-1]
    raw = base64.b64decode(cosigned.split(" ")[-1])
    forged = raw[:-1] + bytes([raw[-1] ^ 1])
    edited = cosigned.rsplit(" ", 1)[0] + " " + base64.b64encode(forged).decode()
    lines[at] = json.dumps({"checkpoint": note.replace(cosigned, edited)}, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n")
    report = replay(ExportSource(path), jobs=1)
    assert_fault(report, SIZE, Fault.CHECKPOINT_INCONSISTENT, "[bad-cosignature]")


def cosign_line(published: Published, key: Signer) -> str:
    return cosign(published.checkpoint.text(), witness_name(ORIGIN, key.key_id), key)


def replays_with_one_cosignature(registry: Registry, root: Signer) -> None:
    """The log goes on past the changes to the witness, and the replay finds no fault."""
    add_enterprises(registry, root, 2)
    publish(registry)
    report = audit(registry)
    assert report.ok, report.finding
    assert report.cosignatures == 1
