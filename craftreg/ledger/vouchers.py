"""What vouches for the records in an auditor's replay: checkpoints and witness cosignatures.

Stored and trusted checkpoints are handed to the replay as the tree reaches their size
(:class:`Marks`); each must be signed by the log key of that size and carry the root of the
records so far (docs/ledger-format.md §8, step 4).

Each cosignature on a stored checkpoint (step 5) is judged by the very functions the registry
ran when it accepted it (``witness_key`` and ``verify_cosignature``, ledger/cosignature.py).
The registry accepted the cosignature on the checkpoint of size *n* at some head *m* ≥ *n* that
the log does not record, so the replay asks whether any state from *n* to the end of the log
admits its key: it judges the key at *n* and, while that fails, again after every change to the
chain of authority. A key the judgement finds retired fails at once, for retirement is final;
a key retired, or a role withdrawn, after some admitting state leaves the cosignature
standing. The timestamp may lie at most ``MAX_CLOCK_SKEW`` after the replay's clock when it
judges the line: the registry accepted the line before the replay read it, under that bound.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from craftreg.domain.state import RegistryState
from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError, check_commitment
from craftreg.ledger.cosignature import verify_cosignature, witness_key
from craftreg.ledger.errors import (
    BadCosignature,
    CheckpointInconsistent,
    LedgerError,
    NotAWitness,
    UnknownWitness,
    WitnessKeyRevoked,
)
from craftreg.ledger.note import NoteError, Signature, open_note


class Inconsistent(Exception):
    """A checkpoint or cosignature that does not vouch for the records: where, and why."""

    def __init__(self, position: int, detail: str) -> None:
        super().__init__(detail)
        self.position = position
        self.detail = detail


@dataclass(frozen=True)
class _Pending:
    """A cosignature whose key no state of the log replayed so far admits."""

    size: int
    text: str
    signature: Signature
    refusal: LedgerError  # the latest state's reason


@dataclass
class Vouchers:
    """Judges checkpoints and cosignatures as the replay reaches them, and counts them."""

    checkpoints: int = 0
    cosignatures: int = 0
    trusted: int = 0
    covered: int = 0  # the largest checkpoint size checked: events after it are unsigned
    pending: list[_Pending] = field(default_factory=list)

    def check(
        self, state: RegistryState, root: bytes, checkpoint: Checkpoint, note: str, trusted: bool
    ) -> None:
        """A checkpoint whose size the replay has just reached, ``state`` and ``root`` at it."""
        size, what = checkpoint.size, "trusted checkpoint" if trusted else "checkpoint"
        try:
            origin, log_key = state.chain.origin, state.log_key
            check_commitment(note, checkpoint, origin=origin, log_key=log_key, root=root)
        except CheckpointInconsistent as exc:
            raise Inconsistent(size, f"the {what} of size {size}: {exc.en}") from None
        if trusted:
            self.trusted += 1
            return
        self.checkpoints += 1
        self.covered = size
        text, signatures = open_note(note)
        for signature in signatures:
            if signature.name != checkpoint.origin:
                self._judge(state, size, text, signature)

    def recheck(self, state: RegistryState) -> None:
        """Judge the pending cosignatures again, after an event that changed the chain."""
        pending, self.pending = self.pending, []
        for cosignature in pending:
            self._judge(state, cosignature.size, cosignature.text, cosignature.signature)

    def finish(self, state: RegistryState) -> None:
        """At the end of the log: a cosignature no state admitted is refused."""
        if self.pending:
            first = self.pending[0]
            raise Inconsistent(
                first.size,
                f"a cosignature on the checkpoint of size {first.size}, which no state of the log "
                f"from size {first.size} to {state.position} admits: {_reason(first.refusal)}",
            )

    def _judge(self, state: RegistryState, size: int, text: str, signature: Signature) -> None:
        try:
            _, public_key = witness_key(state, signature)
        except WitnessKeyRevoked as exc:
            raise Inconsistent(
                size,
                f"a cosignature on the checkpoint of size {size}, by a key retired before any "
                f"state from size {size} on admitted it: {_reason(exc)}",
            ) from None
        except (UnknownWitness, NotAWitness) as exc:
            # Enrolment or the witness role may still come, before the registry accepted it.
            self.pending.append(_Pending(size, text, signature, exc))
            return
        try:
            verify_cosignature(text, signature, public_key, now=int(time.time()))
        except BadCosignature as exc:
            detail = f"a cosignature on the checkpoint of size {size}: {_reason(exc)}"
            raise Inconsistent(size, detail) from None
        self.cosignatures += 1


def _reason(exc: LedgerError) -> str:
    return f"[{exc.code}] {exc.en} / {exc.zh}"


class Marks:
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
            raise Inconsistent(0, f"a stored checkpoint: {exc}") from None
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
                raise Inconsistent(size, detail)
            yield checkpoint, note, False
        while self._trusted and self._trusted[0][0].size <= size:
            checkpoint, note = self._trusted.pop(0)
            self._sized()
            yield checkpoint, note, True

    def rest(self) -> Iterator[tuple[Checkpoint, str, bool]]:
        if self._next is not None:
            yield (*self._next, False)
        yield from ((c, n, True) for c, n in self._trusted)
