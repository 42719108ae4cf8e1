"""An auditor's replay: every event judged again, the Merkle root recomputed, checkpoints checked.

The replay starts from ``craftreg.domain.catalogue.new_state()`` and admits each stored record
with ``RegistryState.admit`` — the function the append path runs — so every rule the registry
enforces (signer enrolled and not revoked, authority for the event type, contiguous stream
versions, the rules of the measures) is enforced again, event by event. Alongside it:

* the leaf hash of each record is compared with the one the ledger recorded at append time,
  which tells an edited record, a missing, inserted or reordered event apart (§8 of
  docs/ledger-format.md);
* the root of the first *n* records is recomputed (RFC 9162 §2.1.1, in a compact range of
  O(log n) hashes) and compared with every stored checkpoint of size *n*, whose signature must
  be by the log key published in the log before it, and with every trusted checkpoint given;
* witness cosignatures are judged by the rules the registry accepted them under, as of the
  states in which it could have (craftreg/ledger/vouchers.py).

It stops at the first fault and names its position and kind. Memory does not grow with the
number of events: records, leaves and checkpoints are streamed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

import msgspec

from craftreg.collector import collector_paused
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import SignedEvent, from_record
from craftreg.domain.errors import (
    BadSignature,
    MalformedEnvelope,
    OutsideJurisdiction,
    RegistryError,
    RevokedKey,
    UnknownKey,
    VersionConflict,
    WrongRole,
)
from craftreg.domain.state import RegistryState
from craftreg.ledger.checkpoints import Checkpoint
from craftreg.ledger.compact import CompactRange
from craftreg.ledger.digest import state_digest
from craftreg.ledger.merkle import leaf_hash
from craftreg.ledger.note import open_note
from craftreg.ledger.precheck import OK, PARALLEL_FROM, Prechecker, cores, trusted_record
from craftreg.ledger.sources import Source
from craftreg.ledger.vouchers import Inconsistent, Marks, Vouchers
from craftreg.projections.digest import Replay as ViewsReplay
from craftreg.projections.records import Event, decode

LOOKAHEAD = 1024
"""How far past a mismatch the replay looks to tell a missing, inserted or moved event apart."""

T = TypeVar("T")


class Fault(StrEnum):
    PAYLOAD_CHANGED = "payload changed"
    EVENT_MISSING = "event missing"
    EVENT_INSERTED = "event inserted"
    ORDER_CHANGED = "order changed"
    SIGNATURE_INVALID = "signature invalid"
    KEY_REVOKED = "key revoked"
    UNAUTHORISED_SIGNER = "unauthorised signer"
    RULE_BROKEN = "rule broken"
    CHECKPOINT_INCONSISTENT = "checkpoint inconsistent"
    LEDGER_DAMAGED = "ledger damaged"


@dataclass(frozen=True)
class Finding:
    position: int
    fault: Fault
    detail: str


@dataclass
class Report:
    events: int = 0
    root: bytes = b""
    digest: str = ""
    views_digest: str = ""  # the registry views' digest, as `craftreg projections digest` prints it
    log_key: str = ""
    checkpoints: int = 0
    cosignatures: int = 0
    trusted: int = 0
    covered: int = 0  # the largest checkpoint size checked: events after it are unsigned
    seconds: float = 0.0
    finding: Finding | None = None

    @property
    def ok(self) -> bool:
        return self.finding is None


class _Stop(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.detail)
        self.finding = finding


@dataclass
class _Replay:
    source: Source
    trusted: list[tuple[Checkpoint, str]]
    jobs: int
    progress: Callable[[int], None] | None
    state: RegistryState = field(default_factory=new_state)
    tree: CompactRange = field(default_factory=CompactRange)
    report: Report = field(default_factory=Report)
    vouchers: Vouchers = field(default_factory=Vouchers)
    views: ViewsReplay | None = None

    def run(self) -> None:
        checkpoints = Marks(self.source.checkpoints(), self.trusted)
        leaves = iter(self.source.leaves())
        prechecker = Prechecker(self.jobs if self.source.total() >= PARALLEL_FROM else 1)
        records = prechecker(self.source.records())
        try:
            self._replay(checkpoints, leaves, prechecker, records)
        finally:
            records.close()  # stops the workers and the reading now, not at collection

    def _replay(
        self,
        checkpoints: Marks,
        leaves: Iterator[tuple[int, bytes]],
        prechecker: Prechecker,
        records: Generator[tuple[bytes, int], None, None],
    ) -> None:
        self._check_marks(checkpoints, 0)
        for position, (record, verdict) in enumerate(records):
            leaf = leaf_hash(record)
            logged = next(leaves, None)
            if logged is not None and (logged[0] != position or logged[1] != leaf):
                self._mismatch(position, record, logged, records, leaves)
            event = None
            if verdict == OK:
                signed = trusted_record(record)
                verified = prechecker.vouches(signed, self.state.chain)
                event = _typed_event(record)
            else:
                signed, verified = self._strict(position, record), False
            try:
                typed = None if event is None else event.payload
                change = self.state.admit(signed, verified=verified, typed=typed)
            except RegistryError as exc:
                raise _Stop(_admission_finding(position, exc)) from None
            change()
            if self.views is not None:
                self.views.add_event(event or decode(position, record))
            self.tree.append(leaf)
            # Only events on an actor's own stream enrol keys, retire them or change roles.
            if self.vouchers.pending and signed.envelope.stream in self.state.chain.actors:
                self.vouchers.recheck(self.state)
            if checkpoints.next_size <= self.tree.size:
                self._check_marks(checkpoints, self.tree.size)
            if self.progress is not None and self.tree.size % 1024 == 0:
                self.progress(self.tree.size)
        self._finish(checkpoints, leaves)

    def _strict(self, position: int, record: bytes) -> SignedEvent:
        try:
            return from_record(record)
        except MalformedEnvelope as exc:
            raise _Stop(
                Finding(
                    position, Fault.PAYLOAD_CHANGED, f"the stored record is malformed: {exc.en}"
                )
            ) from None

    def _mismatch(
        self,
        position: int,
        record: bytes,
        logged: tuple[int, bytes],
        records: Iterator[tuple[bytes, int]],
        leaves: Iterator[tuple[int, bytes]],
    ) -> None:
        if logged[0] != position:
            raise _Stop(
                Finding(
                    position,
                    Fault.LEDGER_DAMAGED,
                    f"the ledger's leaf table gives position {logged[0]} where {position} is due",
                )
            )
        leaf = leaf_hash(record)
        later_records = [leaf_hash(r) for r, _ in _take(records, LOOKAHEAD)]
        later_leaves = [h for _, h in _take(leaves, LOOKAHEAD)]
        moved_on = _index(later_records, logged[1])  # where the event logged here now stands
        logged_at = _index(later_leaves, leaf)  # where the event standing here was logged
        if moved_on is not None and logged_at is not None:
            detail = (
                f"the event logged at {position} now stands at {position + 1 + moved_on}, and "
                f"the one standing here was logged at {position + 1 + logged_at}"
            )
            raise _Stop(Finding(position, Fault.ORDER_CHANGED, detail))
        if moved_on is not None:
            detail = f"{moved_on + 1} event(s) not in the log stand before the one logged here"
            raise _Stop(Finding(position, Fault.EVENT_INSERTED, detail))
        if logged_at is not None:
            detail = f"the events logged at {position} to {position + logged_at} are gone"
            raise _Stop(Finding(position, Fault.EVENT_MISSING, detail))
        detail = (
            f"the record's leaf hash {leaf.hex()[:16]}… is not the {logged[1].hex()[:16]}… "
            f"the ledger recorded when it was appended, {self._signature_note(record)}"
        )
        raise _Stop(Finding(position, Fault.PAYLOAD_CHANGED, detail))

    def _signature_note(self, record: bytes) -> str:
        """What the rewritten record's signature says: forged, or re-signed by a held key."""
        try:
            signed = from_record(record)
        except MalformedEnvelope:
            return "and it is no longer a well-formed signed event"
        key = self.state.chain.keys.get(signed.envelope.signer)
        if key is None:
            return "and it names a signer key not enrolled before it"
        try:
            signed.verify(key.public_key)
        except BadSignature:
            return "and its signature no longer verifies"
        return f"though it was re-signed with the enrolled key {key.id}"

    def _check_marks(self, marks: Marks, size: int) -> None:
        for checkpoint, note, trusted in marks.due(size):
            self.vouchers.check(self.state, self.tree.root(), checkpoint, note, trusted)

    def _finish(self, marks: Marks, leaves: Iterator[tuple[int, bytes]]) -> None:
        size = self.tree.size
        extra = next(leaves, None)
        if extra is not None:
            detail = f"the ledger logged an event at {extra[0]}, but the log ends at {size}"
            raise _Stop(Finding(size, Fault.EVENT_MISSING, detail))
        for checkpoint, _, trusted in marks.rest():
            what = "trusted checkpoint" if trusted else "checkpoint"
            detail = f"a {what} covers {checkpoint.size} events, but the log ends at {size}"
            raise _Stop(Finding(size, Fault.EVENT_MISSING, detail))
        self.vouchers.finish(self.state)


@collector_paused()
def replay(
    source: Source,
    trusted: Sequence[str] = (),
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    views: bool = True,
) -> Report:
    """Replay ``source`` from genesis; the report names the first fault, if any.

    With ``views``, every admitted record is also folded into the registry views in memory, and
    the report carries their digest: the value the projections publish for the same log.
    """
    started = time.perf_counter()
    marks = [(Checkpoint.parse(open_note(note)[0]), note) for note in trusted]
    run = _Replay(source, marks, jobs or cores(), progress)
    run.views = ViewsReplay() if views else None
    try:
        run.run()
    except _Stop as stop:
        run.report.finding = stop.finding
    except Inconsistent as exc:
        run.report.finding = Finding(exc.position, Fault.CHECKPOINT_INCONSISTENT, exc.detail)
    report, vouchers = run.report, run.vouchers
    report.checkpoints, report.cosignatures = vouchers.checkpoints, vouchers.cosignatures
    report.trusted, report.covered = vouchers.trusted, vouchers.covered
    report.events, report.root = run.tree.size, run.tree.root()
    report.digest, report.log_key = state_digest(run.state), run.state.log_key
    if run.views is not None and report.finding is None:
        report.views_digest = run.views.digest()
    report.seconds = time.perf_counter() - started
    return report


_ADMISSION = {
    BadSignature: Fault.SIGNATURE_INVALID,
    RevokedKey: Fault.KEY_REVOKED,
    UnknownKey: Fault.UNAUTHORISED_SIGNER,
    WrongRole: Fault.UNAUTHORISED_SIGNER,
    OutsideJurisdiction: Fault.UNAUTHORISED_SIGNER,
}


def _admission_finding(position: int, exc: RegistryError) -> Finding:
    if isinstance(exc, VersionConflict):
        return _version_finding(position, exc)
    detail = f"[{exc.code}] {exc.en}"
    if isinstance(exc, MalformedEnvelope):
        return Finding(position, Fault.PAYLOAD_CHANGED, detail)
    return Finding(position, _ADMISSION.get(type(exc), Fault.RULE_BROKEN), detail)


def _version_finding(position: int, exc: VersionConflict) -> Finding:
    """Reached where the ledger's leaves give no reference: past the last one, or rewritten
    with the record. A signed record presupposes every earlier version of its stream, so the
    versions it skips are events gone from the log, and a version it repeats is an event the
    log never recorded (the registry appends neither)."""
    stream, attempted, current = exc.stream, exc.attempted, exc.current
    before = f"[{exc.code}] stream {stream} stands at version {current} before this event"
    if attempted > current + 1:
        gone = f"{current + 1}" if attempted == current + 2 else f"{current + 1}–{attempted - 1}"
        detail = f"{before}, its version {attempted}: version {gone} is not in the log"
        return Finding(position, Fault.EVENT_MISSING, detail)
    detail = f"{before}, which repeats its version {attempted}"
    return Finding(position, Fault.EVENT_INSERTED, detail)


def _typed_event(record: bytes) -> Event | None:
    """The record decoded as the views read it, its payload typed by its event type's schema;
    None where that schema refuses it (admission then says why, in its own words)."""
    try:
        return decode(0, record)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _take(iterator: Iterator[T], n: int) -> list[T]:
    return [item for _, item in zip(range(n), iterator, strict=False)]


def _index(hashes: list[bytes], wanted: bytes) -> int | None:
    try:
        return hashes.index(wanted)
    except ValueError:
        return None
