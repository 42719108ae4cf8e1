"""Builds the ledger's test vectors, deterministically: ``python -m tests.ledger.vectors``.

Writes ``tests/vectors/ledger-export.jsonl`` (an export bundle, docs/ledger-format.md §7) and
``tests/vectors/ledger.json``: what a verifier must compute from it, the offline proofs of §9,
and edits of the export with the fault each must be reported as.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
from craftreg.keys import Signer
from craftreg.ledger import ledger as ledger_module
from craftreg.ledger.audit import replay
from craftreg.ledger.cosignature import cosign, witness_name
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.proofs import consistency_bundle, inclusion_bundle
from craftreg.ledger.sources import DatabaseSource, ExportSource

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
EXPORT = VECTORS / "ledger-export.jsonl"
EXPECTED = VECTORS / "ledger.json"
ORIGIN = "craftreg.example/vectors"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def key(label: str) -> Signer:
    seed = hashlib.sha256(f"craftreg-ledger-vectors:{label}".encode()).digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def build(export: Path) -> dict[str, Any]:
    """Build the log in a scratch store, export it, and return the expected values."""
    root, log_key, witness, revoked = key("root"), key("log"), key("witness"), key("revoked")
    ids = (
        str(uuid.UUID(bytes=hashlib.sha256(b"id%d" % n).digest()[:16], version=4))
        for n in range(99)
    )
    ticks = (START + timedelta(minutes=n) for n in range(99))
    interval, ledger_module.PUBLISH_INTERVAL = ledger_module.PUBLISH_INTERVAL, float("inf")
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            Registry(f"sqlite:///{tmp}/v.db", log_key) as reg,
        ):
            reg.new_id = lambda: next(ids)
            reg.clock = lambda: next(ticks)
            reg.found(root, ORIGIN)
            publish_log_key(reg, root, log_key)
            national = reg.national_federation
            reg.enrol_actor(root, national, "见证人", [Role.WITNESS, Role.AUDITOR], witness)
            for n in range(4):
                reg.register_organisation(root, OrgKind.ENTERPRISE, f"企业{n}", national)
            reg.store.publish_checkpoint()
            actor = reg.enrol_actor(root, national, "登记员", [Role.REGISTRAR], revoked)
            reg.decide(root, actor, "ActorKeyRevoked", {"key": revoked.key_id, "reason": "离职"})
            for n in range(4, 7):
                reg.register_organisation(root, OrgKind.ENTERPRISE, f"企业{n}", national)
            published = reg.store.publish_checkpoint()
            assert published is not None
            text = published.checkpoint.text()
            line = cosign(text, witness_name(ORIGIN, witness.key_id), witness, 1772355600)
            reg.store.ledger.accept_cosignatures(published.note + line + "\n", reg.store.refresh())
            ledger = reg.store.ledger
            DatabaseSource(ledger).export(export, ORIGIN, exported_at="2026-03-01T10:00:00.000000Z")
            record = DatabaseSource(ledger).record_at(5)
            assert record is not None
            proofs = {
                "inclusion_proof": inclusion_bundle(ledger, 5, record),
                "consistency_proof": consistency_bundle(ledger, 2),
            }
            log_verifier = reg.store.refresh().log_key
    finally:
        ledger_module.PUBLISH_INTERVAL = interval
    report = replay(ExportSource(export), jobs=1)
    assert report.ok, report.finding
    national_id = json.loads(base64.b64decode(_records(export)[0]))["envelope"]["payload"][
        "national_federation"
    ]
    intruder = revoked.sign(
        str(uuid.UUID(int=7, version=4)),
        1,
        "OrganisationRegistered",
        {"kind": "enterprise", "name": "冒名企业", "parent": national_id},
        START + timedelta(days=1),
    )
    return {
        "description": (
            "An export bundle (ledger-export.jsonl) of a small log, what replaying it must give, "
            "two offline proofs, and edits of the bundle with the fault each must be named as. "
            "Edits: 'line' is the 0-based line of ledger-export.jsonl; 'replace' puts 'with' in "
            "its place, 'delete' removes it, 'insert' puts 'with' before it, 'swap' exchanges it "
            "with line 'and'. Built by tests/ledger/vectors.py."
        ),
        "origin": ORIGIN,
        "log_verifier_key": log_verifier,
        "witness_public_key": witness.public_key_b64,
        "events": report.events,
        "root_hash": base64.b64encode(report.root).decode(),
        "state_digest": report.digest,
        "checkpoints": report.checkpoints,
        "cosignatures": report.cosignatures,
        **proofs,
        "tampered": _tamperings(export, intruder.record),
    }


def _records(export: Path) -> list[str]:
    lines = export.read_text().splitlines()
    return [json.loads(line)["record"] for line in lines if line.startswith('{"record"')]


def _tamperings(export: Path, intruder: bytes) -> list[dict[str, Any]]:
    lines = export.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith('{"record"'))
    edited = json.loads(lines[first + 4])
    record = base64.b64decode(edited["record"]).replace("企业1".encode(), "公司1".encode())
    intruder_line = json.dumps({"record": base64.b64encode(intruder).decode()})
    return [
        {
            "edit": "replace",
            "line": first + 4,
            "with": json.dumps({"record": base64.b64encode(record).decode()}),
            "position": 4,
            "fault": "payload changed",
        },
        {"edit": "delete", "line": first + 6, "position": 6, "fault": "event missing"},
        {"edit": "insert", "line": first + 6, "with": intruder_line, "position": 6,
         "fault": "event inserted"},
        {"edit": "swap", "line": first + 9, "and": first + 10, "position": 9,
         "fault": "order changed"},
        {"edit": "insert", "line": len(lines), "with": intruder_line, "position": 12,
         "fault": "key revoked"},
    ]  # fmt: skip


def apply(lines: list[str], edit: dict[str, Any]) -> list[str]:
    out, at = list(lines), edit["line"]
    if edit["edit"] == "replace":
        out[at] = edit["with"]
    elif edit["edit"] == "delete":
        del out[at]
    elif edit["edit"] == "insert":
        out.insert(at, edit["with"])
    else:
        out[at], out[edit["and"]] = out[edit["and"]], out[at]
    return out


if __name__ == "__main__":
    expected = build(EXPORT)
    EXPECTED.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {EXPORT} and {EXPECTED}")
