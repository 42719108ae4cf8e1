"""An auditor's replay: an intact log verifies; each way of tampering with the database —
edited directly with SQL, on SQLite and on PostgreSQL — is found at its position and named."""

from __future__ import annotations

import base64
import uuid

import pytest

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.envelope import from_record
from craftreg.keys import Signer
from craftreg.ledger import audit as audit_module
from craftreg.ledger.audit import Fault, Report, replay
from craftreg.ledger.checkpoints import Checkpoint, log_signer_key
from craftreg.ledger.digest import state_digest
from craftreg.ledger.merkle import leaf_hash, root_hash
from craftreg.ledger.note import sign_note
from craftreg.ledger.sources import DatabaseSource
from craftreg.projections.digest import live_digest, state_digest_at
from craftreg.projections.projector import RegistryViews
from tests.ledger.conftest import ORIGIN, Database, add_enterprises

EVENTS = 12  # genesis, log key, ten enterprises


@pytest.fixture
def logged(ledger: Registry, root: Signer) -> Registry:
    add_enterprises(ledger, root, 5)
    ledger.store.publish_checkpoint()
    add_enterprises(ledger, root, 5)
    ledger.store.publish_checkpoint()
    return ledger


def audit(registry: Registry, trusted: list[str] | None = None, jobs: int = 1) -> Report:
    return replay(DatabaseSource(registry.store.ledger), trusted or [], jobs=jobs)


def assert_fault(report: Report, position: int, fault: Fault) -> None:
    assert report.finding is not None, "the tampering went unnoticed"
    assert (report.finding.position, report.finding.fault) == (position, fault), report.finding


def test_an_intact_log_verifies_with_its_root_and_digest(logged: Registry) -> None:
    report = audit(logged)
    assert report.ok, report.finding
    records = [e.record for e in logged.store.log()]
    assert report.events == len(records) == EVENTS
    assert report.root == root_hash([leaf_hash(r) for r in records])
    assert report.digest == state_digest(logged.store.refresh())
    assert (report.checkpoints, report.covered) == (3, EVENTS)


def test_a_changed_payload_is_found_where_it_was_changed(
    logged: Registry, database: Database
) -> None:
    record = database.record(6)
    database.set_record(6, record.replace("企业".encode(), "公司".encode()))
    report = audit(logged)
    assert_fault(report, 6, Fault.PAYLOAD_CHANGED)
    assert "signature no longer verifies" in report.finding.detail  # type: ignore[union-attr]


def test_a_payload_re_signed_by_a_held_key_is_still_found(
    logged: Registry, database: Database, root: Signer
) -> None:
    original = from_record(database.record(7)).envelope
    payload = {**original.payload, "name": "改过的名字"}
    resigned = root.sign(original.stream, original.version, original.type, payload)
    database.set_record(7, resigned.record)
    report = audit(logged)
    assert_fault(report, 7, Fault.PAYLOAD_CHANGED)
    assert "re-signed" in report.finding.detail  # type: ignore[union-attr]


def test_a_deleted_event_is_missing(logged: Registry, database: Database) -> None:
    database.run("DELETE FROM stored_events WHERE {id} = ?", (database.notification_id(4),))
    assert_fault(audit(logged), 4, Fault.EVENT_MISSING)


def test_a_deleted_last_event_is_missing(logged: Registry, database: Database) -> None:
    last = database.notification_id(EVENTS - 1)
    database.run("DELETE FROM stored_events WHERE {id} = ?", (last,))
    assert_fault(audit(logged), EVENTS - 1, Fault.EVENT_MISSING)


def test_an_event_slipped_in_is_inserted(
    logged: Registry, database: Database, root: Signer
) -> None:
    """A validly signed event, written between two logged ones by renumbering the rest."""
    stream = str(uuid.uuid4())
    payload = {"kind": "enterprise", "name": "后加的企业", "parent": logged.national_federation}
    extra = root.sign(stream, 1, "OrganisationRegistered", payload)
    at = database.notification_id(5)
    database.run("UPDATE stored_events SET {id} = {id} + 1000000 WHERE {id} >= ?", (at,))
    database.insert_event(stream, 1, "OrganisationRegistered", extra.record, at)
    assert_fault(audit(logged), 5, Fault.EVENT_INSERTED)


def test_two_events_swapped_are_out_of_order(logged: Registry, database: Database) -> None:
    a, b = database.notification_id(8), database.notification_id(9)
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (10**9, a))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (a, b))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (b, 10**9))
    report = audit(logged)
    assert_fault(report, 8, Fault.ORDER_CHANGED)
    assert "now stands at 9" in report.finding.detail  # type: ignore[union-attr]


def test_a_forged_signature_is_invalid_even_with_the_ledger_rewritten(
    logged: Registry, database: Database
) -> None:
    """The intruder also rewrites the ledger's leaf: the signature check still fails."""
    record = database.record(3)
    signature = record[record.rindex(b'"signature":"') + 13 : -2]
    forged = record.replace(signature, base64.b64encode(bytes(64)))
    database.set_record(3, forged)
    database.run("UPDATE ledger_leaves SET leaf_hash = ? WHERE position = 3", (leaf_hash(forged),))
    assert_fault(audit(logged), 3, Fault.SIGNATURE_INVALID)


def test_an_event_written_with_a_revoked_key_is_refused(
    logged: Registry, database: Database, root: Signer
) -> None:
    """The revoked key signs an event that an intruder writes straight into the table."""
    key = Signer.generate()
    actor = logged.enrol_actor(root, logged.national_federation, "登记员", [Role.REGISTRAR], key)
    logged.decide(root, actor, "ActorKeyRevoked", {"key": key.key_id, "reason": "离职"})
    stream = str(uuid.uuid4())
    payload = {"kind": "enterprise", "name": "冒名企业", "parent": logged.national_federation}
    event = key.sign(stream, 1, "OrganisationRegistered", payload)
    database.insert_event(stream, 1, "OrganisationRegistered", event.record, 10**6)
    assert_fault(audit(logged), EVENTS + 2, Fault.KEY_REVOKED)


def test_an_event_written_by_someone_without_authority_is_refused(
    logged: Registry, database: Database, root: Signer
) -> None:
    key = Signer.generate()
    logged.enrol_actor(root, logged.national_federation, "审计员", [Role.AUDITOR], key)
    stream = str(uuid.uuid4())
    payload = {"kind": "enterprise", "name": "越权企业", "parent": logged.national_federation}
    event = key.sign(stream, 1, "OrganisationRegistered", payload)
    database.insert_event(stream, 1, "OrganisationRegistered", event.record, 10**6)
    assert_fault(audit(logged), EVENTS + 1, Fault.UNAUTHORISED_SIGNER)


def test_a_checkpoint_of_another_tree_is_inconsistent(
    logged: Registry, database: Database, log_key: Signer
) -> None:
    """The log key itself signed a checkpoint that the log's events do not hash to."""
    fork = Checkpoint(ORIGIN, 7, bytes(32))
    note = sign_note(fork.text(), log_signer_key(ORIGIN, log_key))
    database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = 7", (note,))
    assert_fault(audit(logged), 7, Fault.CHECKPOINT_INCONSISTENT)


def test_a_checkpoint_not_signed_by_the_log_key_is_inconsistent(
    logged: Registry, database: Database
) -> None:
    [(note,)] = database.run("SELECT note FROM ledger_checkpoints WHERE size = 7")
    other = Signer.generate()
    forged = sign_note(note.split("\n\n")[0] + "\n", log_signer_key(ORIGIN, other))
    database.run("UPDATE ledger_checkpoints SET note = ? WHERE size = 7", (forged,))
    report = audit(logged)
    assert_fault(report, 7, Fault.CHECKPOINT_INCONSISTENT)


def test_a_trusted_checkpoint_exposes_a_log_cut_short(logged: Registry, database: Database) -> None:
    kept = logged.store.ledger.latest_note()
    assert kept is not None
    # The intruder removes the last two events and every trace of them in the ledger.
    for position in (EVENTS - 1, EVENTS - 2):
        nid = database.notification_id(position)
        database.run("DELETE FROM stored_events WHERE {id} = ?", (nid,))
        database.run("DELETE FROM ledger_leaves WHERE position = ?", (position,))
    database.run("DELETE FROM ledger_checkpoints WHERE size = ?", (EVENTS,))
    assert audit(logged).ok  # nothing left in the store betrays it...
    report = audit(logged, trusted=[kept])
    assert_fault(report, EVENTS - 2, Fault.EVENT_MISSING)  # ...but the auditor's copy does


def test_a_trusted_checkpoint_of_a_forked_log_is_inconsistent(
    logged: Registry, log_key: Signer
) -> None:
    fork = sign_note(Checkpoint(ORIGIN, 9, bytes(32)).text(), log_signer_key(ORIGIN, log_key))
    assert_fault(audit(logged, trusted=[fork]), 9, Fault.CHECKPOINT_INCONSISTENT)
    kept = logged.store.ledger.latest_note()
    assert kept is not None
    report = audit(logged, trusted=[kept])
    assert report.ok and report.trusted == 1


def test_signatures_checked_on_every_core_give_the_same_verdicts(
    logged: Registry, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_module, "PARALLEL_FROM", 0)
    clean = audit(logged, jobs=2)
    assert clean.ok and clean.root == audit(logged).root
    record = database.record(3)
    signature = record[record.rindex(b'"signature":"') + 13 : -2]
    forged = record.replace(signature, base64.b64encode(bytes(64)))
    database.set_record(3, forged)
    database.run("UPDATE ledger_leaves SET leaf_hash = ? WHERE position = 3", (leaf_hash(forged),))
    assert_fault(audit(logged, jobs=2), 3, Fault.SIGNATURE_INVALID)


def test_a_rule_of_the_registry_broken_by_a_stored_event_is_found(
    logged: Registry, database: Database, root: Signer
) -> None:
    """A second provincial federation for one province, written past the append path."""
    national = logged.national_federation
    logged.register_organisation(root, OrgKind.PROVINCIAL_FEDERATION, "浙江", national, "330000")
    stream = str(uuid.uuid4())
    payload = {"kind": "provincial_federation", "name": "又一个浙江", "parent": national}
    event = root.sign(stream, 1, "OrganisationRegistered", {**payload, "region": "330000"})
    database.insert_event(stream, 1, "OrganisationRegistered", event.record, 10**6)
    assert_fault(audit(logged), EVENTS + 1, Fault.RULE_BROKEN)


def test_a_stream_version_skipped_is_an_event_missing(
    logged: Registry, database: Database, root: Signer
) -> None:
    """The intruder re-signs the event at 6, its stream's version 1, as version 2 and rewrites
    its leaf: the log no longer holds version 1 of that stream, and the replay says so."""
    original = from_record(database.record(6)).envelope
    skipped = root.sign(original.stream, 2, original.type, original.payload)
    database.set_record(6, skipped.record)
    database.run(
        "UPDATE ledger_leaves SET leaf_hash = ? WHERE position = 6", (leaf_hash(skipped.record),)
    )
    report = audit(logged)
    assert_fault(report, 6, Fault.EVENT_MISSING)
    detail = report.finding.detail  # type: ignore[union-attr]
    assert f"stream {original.stream} stands at version 0" in detail
    assert "version 1 is not in the log" in detail


def test_a_stream_version_repeated_is_an_event_inserted(
    logged: Registry, database: Database, root: Signer
) -> None:
    """A second, validly signed version 1 of a logged stream, written after the last leaf."""
    original = from_record(database.record(6)).envelope
    payload = {**original.payload, "name": "重复的企业"}
    repeated = root.sign(original.stream, 1, original.type, payload)
    database.insert_event(original.stream, 2, original.type, repeated.record, 10**6)
    report = audit(logged)
    assert_fault(report, EVENTS, Fault.EVENT_INSERTED)
    assert "repeats its version 1" in report.finding.detail  # type: ignore[union-attr]


def test_a_leaf_moved_in_the_ledger_is_damage_to_the_ledger(
    logged: Registry, database: Database
) -> None:
    database.run("UPDATE ledger_leaves SET position = ? WHERE position = 5", (10**6,))
    report = audit(logged)
    assert_fault(report, 5, Fault.LEDGER_DAMAGED)
    assert "gives position 6 where 5 is due" in report.finding.detail  # type: ignore[union-attr]


def test_the_replay_reaches_the_digest_the_projections_publish(logged: Registry) -> None:
    """Issue 5 §4: the auditor's replay computes the views' digest independently, and agrees."""
    report = audit(logged)
    assert report.ok and report.views_digest
    with RegistryViews.open(logged.store.database_url) as views:
        views.catch_up()
        size, published = live_digest(views.tables, views.name)
    assert (size, published) == (report.events, report.views_digest)
    assert state_digest_at(logged.store.database_url, report.events) == report.views_digest
    assert state_digest_at(logged.store.database_url, report.events - 1) != report.views_digest
