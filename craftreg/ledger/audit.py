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
* witness cosignatures are verified (C2SP tlog-cosignature) with the keys the log enrolled.

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
from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError
from craftreg.ledger.compact import CompactRange
from craftreg.ledger.cosignature import verify_cosignature
from craftreg.ledger.digest import state_digest
from craftreg.ledger.merkle import leaf_hash
from craftreg.ledger.note import NoteError, Signature, open_note, verify_note
from craftreg.ledger.precheck import OK, PARALLEL_FROM, Prechecker, cores, trusted_record
from craftreg.ledger.sources import Source
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
    deferred: list[tuple[int, str, Signature]] = field(default_factory=list)
    views: ViewsReplay | None = None

    def run(self) -> None:
        checkpoints = _Marks(self.source.checkpoints(), self.trusted)
        leaves = iter(self.source.leaves())
        prechecker = Prechecker(self.jobs if self.source.total() >= PARALLEL_FROM else 1)
        records = prechecker(self.source.records())
        try:
            self._replay(checkpoints, leaves, prechecker, records)
        finally:
            records.close()  # stops the workers and the reading now, not at collection

    def _replay(
        self,
        checkpoints: _Marks,
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

    def _check_marks(self, marks: _Marks, size: int) -> None:
        for checkpoint, note, trusted in marks.due(size):
            self._check_checkpoint(checkpoint, note, trusted)

    def _check_checkpoint(self, checkpoint: Checkpoint, note: str, trusted: bool) -> None:
        size, what = checkpoint.size, "trusted checkpoint" if trusted else "checkpoint"
        log_key = self.state.log_key
        try:
            if not log_key:
                raise NoteError(f"no log key is published in the first {size} events")
            verify_note(note, [log_key])
        except NoteError as exc:
            raise _Stop(
                Finding(size, Fault.CHECKPOINT_INCONSISTENT, f"the {what} of size {size}: {exc}")
            ) from None
        if checkpoint.origin != self.state.chain.origin or checkpoint.root != self.tree.root():
            detail = (
                f"the {what} of size {size} has root {checkpoint.root.hex()[:16]}…, but the first "
                f"{size} events hash to {self.tree.root().hex()[:16]}…"
            )
            raise _Stop(Finding(size, Fault.CHECKPOINT_INCONSISTENT, detail))
        if trusted:
            self.report.trusted += 1
            return
        self.report.checkpoints += 1
        self.report.covered = size
        text, signatures = open_note(note)
        for signature in signatures:
            if signature.name != checkpoint.origin:
                self._check_cosignature(size, text, signature)

    def _check_cosignature(self, size: int, text: str, signature: Signature) -> None:
        key_id = signature.name.rsplit("/", 1)[-1]
        key = self.state.chain.keys.get(key_id)
        if key is None:
            # Cosigned later by a witness enrolled after this size: checked at the end.
            self.deferred.append((size, text, signature))
            return
        try:
            verify_cosignature(text, signature, key.public_key, now=2**62)
        except RegistryError as exc:
            detail = f"a cosignature on the checkpoint of size {size}: {exc.en}"
            raise _Stop(Finding(size, Fault.CHECKPOINT_INCONSISTENT, detail)) from None
        self.report.cosignatures += 1

    def _finish(self, marks: _Marks, leaves: Iterator[tuple[int, bytes]]) -> None:
        size = self.tree.size
        extra = next(leaves, None)
        if extra is not None:
            detail = f"the ledger logged an event at {extra[0]}, but the log ends at {size}"
            raise _Stop(Finding(size, Fault.EVENT_MISSING, detail))
        for checkpoint, _, trusted in marks.rest():
            what = "trusted checkpoint" if trusted else "checkpoint"
            detail = f"a {what} covers {checkpoint.size} events, but the log ends at {size}"
            raise _Stop(Finding(size, Fault.EVENT_MISSING, detail))
        for at, text, signature in self.deferred:
            if signature.name.rsplit("/", 1)[-1] not in self.state.chain.keys:
                detail = (
                    f"the checkpoint of size {at} is cosigned by {signature.name}, never enrolled"
                )
                raise _Stop(Finding(at, Fault.CHECKPOINT_INCONSISTENT, detail))
            self._check_cosignature(at, text, signature)


class _Marks:
    """Stored and trusted checkpoints, merged by size, each handed out once its size is reached."""

    def __init__(self, stored: Iterator[str], trusted: list[tuple[Checkpoint, str]]) -> None:
        self._stored = stored
        self._trusted = sorted(trusted, key=lambda t: t[0].size)
        self._next: tuple[Checkpoint, str] | None = None
        self.next_size: int | float = 0  # the smallest size still to check, inf when none
        self._advance()

    def _advance(self) -> None:
        note = next(self._stored, None)
        try:
            self._next = None if note is None else (Checkpoint.parse(open_note(note)[0]), note)
        except (NoteError, CheckpointFormatError) as exc:
            detail = f"a stored checkpoint: {exc}"
            raise _Stop(Finding(0, Fault.CHECKPOINT_INCONSISTENT, detail)) from None
        self._sized()

    def _sized(self) -> None:
        # Read once per event by the replay: kept, not computed on each read.
        sizes = [self._next[0].size] if self._next is not None else []
        if self._trusted:
            sizes.append(self._trusted[0][0].size)
        self.next_size = min(sizes, default=float("inf"))

    def due(self, size: int) -> Iterator[tuple[Checkpoint, str, bool]]:
        while self._next is not None and self._next[0].size <= size:
            checkpoint, note = self._next
            self._advance()
            if checkpoint.size < size:
                detail = f"the checkpoint of size {checkpoint.size} is out of order"
                raise _Stop(Finding(size, Fault.CHECKPOINT_INCONSISTENT, detail))
            yield checkpoint, note, False
        while self._trusted and self._trusted[0][0].size <= size:
            checkpoint, note = self._trusted.pop(0)
            self._sized()
            yield checkpoint, note, True

    def rest(self) -> Iterator[tuple[Checkpoint, str, bool]]:
        if self._next is not None:
            yield (*self._next, False)
        yield from ((c, n, True) for c, n in self._trusted)


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
    report = run.report
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
    detail = f"[{exc.code}] {exc.en}"
    if isinstance(exc, VersionConflict):
        # Reached only where the ledger's leaves give no reference (events after them).
        fault = Fault.EVENT_MISSING if exc.attempted > exc.current + 1 else Fault.EVENT_INSERTED
        return Finding(position, fault, detail)
    if isinstance(exc, MalformedEnvelope):
        return Finding(position, Fault.PAYLOAD_CHANGED, detail)
    return Finding(position, _ADMISSION.get(type(exc), Fault.RULE_BROKEN), detail)


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
