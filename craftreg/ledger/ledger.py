"""The store's audit ledger: the Merkle tree of the log, its signed checkpoints, cosignatures.

The event store calls :meth:`Ledger.sync` and :meth:`Ledger.record` under its append lock,
right after the event is written, so leaf *i* is always the event at position *i*. The two
writes are separate transactions, and the leaf's does not wait for the disk: if a process dies
between them, or before the leaf reaches the disk, the next holder of the lock finds the tree
shorter than the log and fills the missing leaves from the log.

Checkpoints (C2SP tlog-checkpoint) are signed at most once per second per process on append,
on demand (:meth:`Ledger.publish`), and by the server's publisher while the tree grows. Before
signing, the new tree is proven consistent (RFC 9162 §2.1.4) with the last signed checkpoint
from the stored nodes, so the log never signs two inconsistent checkpoints.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from eventsourcing.persistence import ApplicationRecorder, PersistenceError

from craftreg.domain.envelope import format_time
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import (
    Checkpoint,
    CheckpointFormatError,
    CheckpointStore,
    Published,
    log_signer_key,
    log_verifier_key,
)
from craftreg.ledger.cosignature import verify_cosignature, witness_key
from craftreg.ledger.db import LedgerDB
from craftreg.ledger.errors import (
    BadCheckpointSize,
    BadCosignature,
    BadProofRequest,
    CheckpointInconsistent,
    LedgerCorrupt,
    UnknownCheckpoint,
)
from craftreg.ledger.merkle import ProofError, verify_consistency
from craftreg.ledger.note import NoteError, open_note, sign_note
from craftreg.ledger.tree import Leaf, MerkleStore, TreeError

PUBLISH_INTERVAL = 1.0
"""Seconds between checkpoints signed on append while events arrive."""

_BATCH = 1000
_log = logging.getLogger(__name__)


class Logged(Protocol):
    """An event as the store reads it back (``craftreg.store.LoggedEvent``)."""

    @property
    def position(self) -> int: ...

    @property
    def notification_id(self) -> int: ...

    @property
    def record(self) -> bytes: ...


PROOFS_KEPT = 4096  # inclusion proofs kept in memory (a few MiB at a million leaves)

ReadAfter = Callable[[int, int], Iterable[Logged]]
"""``read_after(notification_id, position)``: the log after a notification id, numbered on."""


class Ledger:
    """The ledger of one event store; ``log_key`` signs checkpoints once it is published."""

    def __init__(self, recorder: ApplicationRecorder, log_key: Signer | None = None) -> None:
        self.db = LedgerDB(recorder)
        self.tree = MerkleStore(self.db)
        self.checkpoints = CheckpointStore(self.db)
        self.log_key = log_key
        self._published_at = float("-inf")
        # A tree of a given size never changes, nor any proof in it: proofs asked again (a
        # certificate verified twice between two checkpoints) are answered from memory.
        self._proofs: dict[tuple[int, int], tuple[bytes, list[bytes]]] = {}

    # -- the append path (under the append lock) ------------------------------------------

    def sync(self, size: int, read_after: ReadAfter) -> None:
        """Bring the stored tree to ``size`` leaves, filling any the log has and it lacks."""
        if self.tree.range is not None and self.tree.range.size == size:
            return
        stored = self.tree.load().size
        if stored > size:
            raise LedgerCorrupt(
                f"审计树有 {stored} 个叶子，而日志只有 {size} 个事件。",
                f"the ledger tree has {stored} leaves but the log only {size} events: events "
                "were removed from the store. Run `craftreg audit verify`.",
            )
        batch: list[Leaf] = []
        for logged in read_after(self.tree.last_notification, stored):
            if logged.position >= size:
                break
            batch.append((logged.position, logged.notification_id, logged.record))
            if len(batch) == _BATCH:
                self.tree.append(batch)
                batch = []
        self.tree.append(batch)

    def follow(self, leaves: Sequence[Leaf], stored: int) -> None:
        """Extend the tree in memory by the leaves of events another writer appended and
        stored (``stored``: how many leaves the database holds), without reading them back.
        When the two do not line up, :meth:`sync` reloads the tree from the database."""
        tree = self.tree.range
        if tree is None or not leaves:
            return
        if leaves[0][0] != tree.size or leaves[-1][0] + 1 != stored:
            self.tree.invalidate()
            return
        self.tree.follow(leaves)

    def record(self, position: int, notification_id: int, record: bytes) -> None:
        """Add the leaf of an event just written. A failure here cannot undo the event, which
        is committed, so the tree is left to be healed by the next :meth:`sync`."""
        try:
            self.tree.append([(position, notification_id, record)])
        except (PersistenceError, TreeError) as exc:
            _log.warning("ledger leaf %d not written (%s); the next append fills it", position, exc)
            self.tree.invalidate()

    def publish_due(self, state: RegistryState) -> Published | None:
        """On append: sign a checkpoint if the last is a second old. The event is committed
        already, so a refusal to sign is logged here, not raised at the submitter."""
        if time.monotonic() - self._published_at < PUBLISH_INTERVAL:
            return None
        try:
            return self.publish(state)
        except (LedgerCorrupt, PersistenceError, TreeError):
            _log.exception("no checkpoint signed at size %d", state.position)
            return None

    def publish(self, state: RegistryState) -> Published | None:
        """Sign a checkpoint of the tree as it stands, if it grew since the last one.

        Needs the log key, published in the log as the current one, and the tree in step
        with ``state``; returns None when any of these is missing or nothing is new.
        """
        origin = state.chain.origin
        tree = self.tree.range
        if self.log_key is None or not origin or tree is None or tree.size != state.position:
            return None
        if state.log_key != log_verifier_key(origin, self.log_key.public_key):
            return None
        self._published_at = time.monotonic()
        latest = self.checkpoints.latest()
        root = tree.root()
        if latest is not None:
            if latest.checkpoint.size == tree.size and latest.checkpoint.root == root:
                return None
            self._check_extends(latest.checkpoint, tree.size, root)
        checkpoint = Checkpoint(origin, tree.size, root)
        note = sign_note(checkpoint.text(), log_signer_key(origin, self.log_key))
        published = Published(checkpoint, note, format_time(datetime.now(UTC)))
        with self.db.transaction() as sql:
            self.checkpoints.add(sql, published)
        return published

    def _check_extends(self, old: Checkpoint, size: int, root: bytes) -> None:
        try:
            if old.size > size:
                raise ProofError(f"the tree shrank from {old.size} to {size} leaves")
            proof = self.tree.consistency_proof(old.size, size) if old.size < size else []
            verify_consistency(old.size, size, proof, old.root, root)
        except (ProofError, TreeError) as exc:
            raise LedgerCorrupt(
                f"审计树与上一个已签名检查点（大小 {old.size}）不一致，拒绝签名：{exc}",
                f"the tree is not consistent with the last signed checkpoint (size {old.size}); "
                f"the log refuses to sign: {exc}",
            ) from None

    # -- serving (any process, no lock) ---------------------------------------------------

    def latest_note(self) -> str | None:
        latest = self.checkpoints.latest()
        return None if latest is None else self.checkpoints.served(latest)

    def published(self, size: int | None = None) -> Published:
        """The published checkpoint of exactly ``size`` leaves (the latest when None): what
        proofs and histories are given under, in the CLI and over HTTP alike."""
        published = self.checkpoints.latest() if size is None else self.checkpoints.at(size)
        if published is not None:
            return published
        if size is None:
            raise UnknownCheckpoint("尚未发布检查点。", "no checkpoint has been published yet.")
        stored = self.tree.stored_size()
        if not 0 < size <= stored:
            raise BadCheckpointSize(
                f"日志只有 {stored} 个事件，不可能有大小为 {size} 的检查点。",
                f"the log holds {stored} events: there can be no checkpoint of size {size}.",
            )
        # Sizes in between are normal: a checkpoint is signed about once a second, not per event.
        raise UnknownCheckpoint(
            f"没有发布过大小为 {size} 的检查点（检查点约每秒签署一次，并非每个大小都有）。",
            f"no checkpoint of size {size} was published (one is signed about once a second, "
            "not at every size).",
        )

    def served(self, size: int | None = None) -> str:
        """The note of :meth:`published`, with every cosignature kept for it."""
        return self.checkpoints.served(self.published(size))

    def inclusion_proof(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash at ``index`` and its inclusion proof in the tree of ``size`` leaves."""
        self._check_sizes(index + 1, size, "index + 1")
        found = self._proofs.get((index, size))
        if found is None:
            try:
                found = self.tree.leaf_and_inclusion_proof(index, size)
            except (TreeError, ValueError) as exc:
                raise _bad_request(str(exc)) from None
            if len(self._proofs) >= PROOFS_KEPT:
                self._proofs.clear()
            self._proofs[(index, size)] = found
        return found[0], list(found[1])

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        self._check_sizes(first, second, "first")
        try:
            return self.tree.consistency_proof(first, second)
        except TreeError as exc:
            raise _bad_request(str(exc)) from None

    def _check_sizes(self, low: int, high: int, what: str) -> None:
        if not 0 < low <= high:
            raise _bad_request(f"need 0 < {what} <= size, got {low} and {high}")

    def accept_cosignatures(self, note: str, state: RegistryState) -> tuple[int, list[str]]:
        """Verify and keep the witness cosignatures on a checkpoint this log published.

        Every line is checked before any is kept: one bad line refuses the whole note, and
        nothing is stored. Returns the checkpoint's size and the key ids of the witnesses
        whose cosignatures were kept.
        """
        try:
            text, signatures = open_note(note)
            checkpoint = Checkpoint.parse(text)
        except (NoteError, CheckpointFormatError) as exc:
            raise BadCosignature(
                f"不是已签名的检查点：{exc}", f"not a signed checkpoint: {exc}"
            ) from None
        self._check_published(checkpoint, state)
        cosignatures = [s for s in signatures if s.name != checkpoint.origin]
        if not cosignatures:
            raise BadCosignature(
                "检查点上没有见证人副署。", "the checkpoint carries no cosignature."
            )
        kept: dict[str, tuple[int, str]] = {}
        for signature in cosignatures:
            key_id, public_key = witness_key(state, signature)
            timestamp = verify_cosignature(text, signature, public_key)
            # open_note admits canonical base64 only, so this is the line as received.
            line = f"\u2014 {signature.name} {base64.b64encode(signature.raw).decode()}"
            kept[key_id] = (timestamp, line)
        self.checkpoints.add_cosignatures(checkpoint.size, kept)
        return checkpoint.size, sorted(kept)

    def _check_published(self, checkpoint: Checkpoint, state: RegistryState) -> None:
        if checkpoint.origin != state.chain.origin:
            raise UnknownCheckpoint(
                f"检查点属于另一个日志（{checkpoint.origin}）。",
                f"the checkpoint is of another log ({checkpoint.origin}).",
            )
        published = self.checkpoints.at(checkpoint.size)
        if published is not None and published.checkpoint == checkpoint:
            return
        if published is not None or (
            checkpoint.size <= self.tree.stored_size()
            and self.tree.root_at(checkpoint.size) != checkpoint.root
        ):
            raise CheckpointInconsistent(
                f"大小为 {checkpoint.size} 的检查点的根哈希与本日志不符（分叉视图）。",
                f"the checkpoint of size {checkpoint.size} has a root hash this log never had: "
                "a split view or a forgery.",
            )
        raise UnknownCheckpoint(
            f"本日志没有发布过大小为 {checkpoint.size} 的检查点。",
            f"this log has published no checkpoint of size {checkpoint.size}.",
        )


def _bad_request(detail: str) -> BadProofRequest:
    return BadProofRequest(f"无法生成证明：{detail}", f"no such proof: {detail}")
