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
from craftreg.ledger.note import NoteError, open_note, verify_note
from craftreg.ledger.precheck import OK, PARALLEL_FROM, Prechecker, cores, trusted_record
from craftreg.ledger.sources import Source
from craftreg.ledger.vouchers import Inconsistent, Marks, Vouchers
from craftreg.projections.digest import Replay as ViewsReplay
from craftreg.projections.records import Event, decode


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


@dataclass(frozen=True)
class _Suspect:
    """A record whose leaf hash is not the one logged at its position though its signature
    verifies with an enrolled key: either it was rewritten and re-signed with that key, or the
    ledger's leaf was altered. The first signed checkpoint over it tells which."""

    position: int
    mismatch: str

    def rewritten(self, size: int) -> _Stop:
        detail = (
            f"{self.mismatch}, and the records no longer hash to the root of the checkpoint of "
            f"size {size} the log key signed: the record was rewritten and re-signed with that key"
        )
        return _Stop(Finding(self.position, Fault.PAYLOAD_CHANGED, detail))

    def leaf_altered(self, size: int) -> _Stop:
        detail = (
            f"{self.mismatch}; yet the records hash to the signed checkpoint of size {size}: "
            "the record is the one the log signed, and its leaf in the ledger was altered"
        )
        return _Stop(Finding(self.position, Fault.LEDGER_DAMAGED, detail))

    def undecided(self) -> _Stop:
        detail = (
            f"{self.mismatch}; no signed checkpoint covers it to tell whether the record was "
            "re-signed with that key or its leaf in the ledger altered"
        )
        return _Stop(Finding(self.position, Fault.PAYLOAD_CHANGED, detail))


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
    suspect: _Suspect | None = None

    def settled(self, stop: _Stop) -> Finding:
        """The finding to report: a suspect record before the fault comes first."""
        if self.suspect is not None and self.suspect.position <= stop.finding.position:
            return self.suspect.undecided().finding
        return stop.finding

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
                self._mismatch(position, record, logged)
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

    def _mismatch(self, position: int, record: bytes, logged: tuple[int, bytes]) -> None:
        """The record at ``position`` is not the one the ledger logged there. Tell a moved,
        missing or inserted event apart — searching the rest of the log, on this path only —
        from a record or a leaf changed in place."""
        if logged[0] != position:
            raise _Stop(
                Finding(
                    position,
                    Fault.LEDGER_DAMAGED,
                    f"the ledger's leaf table gives position {logged[0]} where {position} is due",
                )
            )
        leaf = leaf_hash(record)
        moved_on = self._record_after(position, logged[1])  # where the event logged here stands
        logged_at = self._leaf_after(position, leaf)  # where the event standing here was logged
        if moved_on is not None and logged_at is not None:
            detail = (
                f"the event logged at {position} now stands at {moved_on}, and the one "
                f"standing here was logged at {logged_at}"
            )
            raise _Stop(Finding(position, Fault.ORDER_CHANGED, detail))
        if moved_on is not None:
            detail = (
                f"{moved_on - position} event(s) not in the log stand before the one logged here"
            )
            raise _Stop(Finding(position, Fault.EVENT_INSERTED, detail))
        if logged_at is not None:
            detail = f"the events logged at {position} to {logged_at - 1} are gone"
            raise _Stop(Finding(position, Fault.EVENT_MISSING, detail))
        key, note = self._signature(record)
        mismatch = (
            f"the record's leaf hash {leaf.hex()[:16]}… is not the {logged[1].hex()[:16]}… "
            f"the ledger recorded when it was appended, {note}"
        )
        if key is None:
            raise _Stop(Finding(position, Fault.PAYLOAD_CHANGED, mismatch))
        # Re-signed with a held key, or the leaf altered: the next signed checkpoint over the
        # record tells which (the first suspect is the one reported).
        self.suspect = self.suspect or _Suspect(position, mismatch)

    def _record_after(self, position: int, wanted: bytes) -> int | None:
        for at, record in enumerate(self.source.records()):
            if at > position and leaf_hash(record) == wanted:
                return at
        return None

    def _leaf_after(self, position: int, wanted: bytes) -> int | None:
        for at, logged in self.source.leaves():
            if at > position and logged == wanted:
                return at
        return None

    def _signature(self, record: bytes) -> tuple[str | None, str]:
        """The enrolled key the record's signature verifies with (None when it does not), and
        what the signature says: forged, or made with a key the log enrolled."""
        try:
            signed = from_record(record)
        except MalformedEnvelope:
            return None, "and it is no longer a well-formed signed event"
        key = self.state.chain.keys.get(signed.envelope.signer)
        if key is None:
            return None, "and it names a signer key not enrolled before it"
        try:
            signed.verify(key.public_key)
        except BadSignature:
            return None, "and its signature no longer verifies"
        return key.id, f"though its signature verifies with the enrolled key {key.id}"

    def _check_marks(self, marks: Marks, size: int) -> None:
        for checkpoint, note, trusted in marks.due(size):
            try:
                self.vouchers.check(self.state, self.tree.root(), checkpoint, note, trusted)
            except Inconsistent:
                if self.suspect is None:
                    raise
                suspect, self.suspect = self.suspect, None  # settled here, either way
                # Only a checkpoint the log key signed, over another root, shows a rewrite.
                if checkpoint.root != self.tree.root() and self._log_signed(note):
                    raise suspect.rewritten(size) from None
                raise suspect.undecided() from None
            if self.suspect is not None:
                suspect, self.suspect = self.suspect, None
                raise suspect.leaf_altered(size)

    def _log_signed(self, note: str) -> bool:
        if not self.state.log_key:
            return False
        try:
            verify_note(note, [self.state.log_key])
        except NoteError:
            return False
        return True

    def _finish(self, marks: Marks, leaves: Iterator[tuple[int, bytes]]) -> None:
        if self.suspect is not None:
            suspect, self.suspect = self.suspect, None
            raise suspect.undecided()
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
        run.report.finding = run.settled(stop)
    except Inconsistent as exc:
        finding = Finding(exc.position, Fault.CHECKPOINT_INCONSISTENT, exc.detail)
        run.report.finding = run.settled(_Stop(finding))
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
