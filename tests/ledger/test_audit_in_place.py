"""A record whose leaf does not match, though its signature verifies, is settled by the first
signed checkpoint over it: the leaf altered, or the record re-signed with a held key. And an
event moved, gone or slipped in far from where it was logged is named as such, not as a
rewrite (which would accuse a key) — on SQLite and PostgreSQL."""

from __future__ import annotations

from craftreg.application import Registry
from craftreg.domain.envelope import from_record
from craftreg.keys import Signer
from craftreg.ledger.audit import Fault, Report, replay
from craftreg.ledger.sources import DatabaseSource
from tests.ledger.conftest import Database, add_enterprises


def audit(registry: Registry) -> Report:
    return replay(DatabaseSource(registry.store.ledger), jobs=1)


def found(report: Report, position: int, fault: Fault) -> str:
    assert report.finding is not None, "the tampering went unnoticed"
    assert (report.finding.position, report.finding.fault) == (position, fault), report.finding
    return report.finding.detail


def resign(database: Database, position: int, signer: Signer) -> None:
    original = from_record(database.record(position)).envelope
    payload = {**original.payload, "name": "改过的名字"}
    database.set_record(
        position, signer.sign(original.stream, original.version, original.type, payload).record
    )


def test_an_altered_leaf_is_damage_to_the_ledger_not_a_rewritten_record(
    ledger: Registry, root: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 5)
    ledger.store.publish_checkpoint()  # size 7
    database.run("UPDATE ledger_leaves SET leaf_hash = ? WHERE position = 3", (bytes(32),))
    detail = found(audit(ledger), 3, Fault.LEDGER_DAMAGED)
    assert "checkpoint of size 7" in detail and "leaf in the ledger was altered" in detail


def test_a_record_re_signed_is_told_by_the_checkpoint_over_it(
    ledger: Registry, root: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 5)
    ledger.store.publish_checkpoint()  # size 7
    resign(database, 3, root)
    detail = found(audit(ledger), 3, Fault.PAYLOAD_CHANGED)
    assert "no longer hash to the root of the checkpoint of size 7" in detail
    assert "re-signed with that key" in detail and root.key_id in detail


def test_past_the_last_checkpoint_the_replay_says_it_cannot_tell(
    ledger: Registry, root: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 2)
    ledger.store.publish_checkpoint()  # size 4
    add_enterprises(ledger, root, 2)  # positions 4 and 5, under no checkpoint
    resign(database, 5, root)
    detail = found(audit(ledger), 5, Fault.PAYLOAD_CHANGED)
    assert "no signed checkpoint covers it" in detail


def test_events_far_apart_are_named_as_moved_gone_or_slipped_in(
    ledger: Registry, root: Signer, database: Database
) -> None:
    add_enterprises(ledger, root, 1_200)
    ledger.store.publish_checkpoint()
    a, b = database.notification_id(20), database.notification_id(1_150)
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (10**9, a))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (a, b))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (b, 10**9))
    detail = found(audit(ledger), 20, Fault.ORDER_CHANGED)
    assert "now stands at 1150" in detail and "logged at 1150" in detail
    # Put back, then 1,100 events gone from the middle.
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (10**9, a))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (a, b))
    database.run("UPDATE stored_events SET {id} = ? WHERE {id} = ?", (b, 10**9))
    assert audit(ledger).ok
    gone = [database.notification_id(p) for p in range(30, 1_130)]
    database.run("DELETE FROM stored_events WHERE {id} >= ? AND {id} <= ?", (gone[0], gone[-1]))
    detail = found(audit(ledger), 30, Fault.EVENT_MISSING)
    assert "logged at 30 to 1129 are gone" in detail
