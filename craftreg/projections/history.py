"""The registry as it stood (历史视图): any view as of a tree size or a date.

The events up to that point are folded into a private in-memory SQLite database with the same
tables as the live views, so every query of queries.py can be asked of the past; the live views
are neither read nor written.

"As of a date" is the log up to and including its last event signed on or before that day
(UTC): a tree size too, so a checkpoint can anchor it. Events are appended as they are signed,
so in a live registry that is every event of the day and none after; a log that was filled
with back-dated events (the demo founds the registry today and then replays past years) is
still cut at a well-defined place.

A view may also be asked for as of a checkpoint (a signed note a user kept, from the registry
or a witness): it is then folded from exactly the checkpoint's first N events, and shown only
if those events hash to the checkpoint's root (RFC 9162 §2.1.1), under the origin named at
genesis, and the note is signed by the log key published last among them — the checks of an
auditor's replay (docs/ledger-format.md), so what the view shows is what the checkpoint commits
to, whatever the database holds.
"""

from __future__ import annotations

from datetime import date

import msgspec
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError, check_commitment
from craftreg.ledger.compact import CompactRange
from craftreg.ledger.errors import CheckpointInconsistent
from craftreg.ledger.merkle import leaf_hash
from craftreg.ledger.note import NoteError, open_note
from craftreg.projections.errors import BeyondTheLog, CheckpointRefused
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.records import Event, end_of_day
from craftreg.projections.tables import ViewTables
from craftreg.settings import persistence_env


class _Dated(msgspec.Struct):
    time: str


class _Record(msgspec.Struct):
    envelope: _Dated


_DATED = msgspec.json.Decoder(_Record)


def size_on(recorder: ApplicationRecorder, day: date) -> int:
    """The tree size just after the last event signed on or before ``day``."""
    last = end_of_day(day.isoformat())
    size = position = 0
    after = 0
    while True:
        page = recorder.select_notifications(start=after, limit=1000, inclusive_of_start=False)
        for n in page:
            position += 1
            if _DATED.decode(n.state).envelope.time <= last:
                size = position
            after = n.id
        if len(page) < 1000:
            return size


class Anchor:
    """What the log prefix a past view is folded from commits to: its Merkle root, the origin
    named at genesis and the log key published last in it (锚定)."""

    def __init__(self) -> None:
        self.tree = CompactRange()
        self.origin = ""
        self.log_key = ""

    def add(self, record: bytes, event: Event) -> None:
        self.tree.append(leaf_hash(record))
        if event.type == "RegistryFounded":
            self.origin = event.payload.origin
        elif event.type == "LogKeyPublished":
            self.log_key = event.payload.verifier_key

    def check(self, note: str, claimed: Checkpoint) -> None:
        """The replay's checks of a checkpoint (``check_commitment``), on this prefix."""
        try:
            root = self.tree.root()
            check_commitment(note, claimed, origin=self.origin, log_key=self.log_key, root=root)
        except CheckpointInconsistent as exc:
            raise CheckpointRefused(exc.zh, exc.en) from None


def read_checkpoint(note: str) -> Checkpoint:
    """The checkpoint a signed note carries, or a refusal saying why it is none."""
    try:
        return Checkpoint.parse(open_note(note)[0])
    except (NoteError, CheckpointFormatError) as exc:
        raise CheckpointRefused(
            f"它不是检查点签名注记（{exc}）。", f"it is not a signed checkpoint note ({exc})."
        ) from None


class PastViews(Views):
    """Views replayed as of a point in history — a tree size, a date, or a checkpoint, which
    must then commit to the events folded; close (or use ``with``) to free them."""

    def __init__(
        self,
        database_url: str,
        *,
        size: int | None = None,
        day: date | None = None,
        checkpoint: str | None = None,
    ):
        if [size, day, checkpoint].count(None) != 2:
            raise ValueError("give one of a tree size, a date or a checkpoint")
        claimed = None if checkpoint is None else read_checkpoint(checkpoint)
        self._source = InfrastructureFactory.construct(persistence_env(database_url))
        super().__init__(ViewTables(memory=True))
        recorder = self._source.application_recorder()
        if claimed is not None:
            wanted = claimed.size
        elif size is not None:
            wanted = size
        else:
            assert day is not None
            wanted = size_on(recorder, day)
        projector = RegistryViews(self.tables, recorder)
        anchor = Anchor()
        projector.observer = anchor.add
        projector.catch_up(stop=lambda position, _: position >= wanted)
        self.size = projector.position
        try:
            if self.size < wanted:
                raise BeyondTheLog(wanted, self.size)
            if claimed is not None:
                assert checkpoint is not None
                anchor.check(checkpoint, claimed)
        except BaseException:
            self.close()
            raise
        self.root = anchor.tree.root()  # RFC 9162 root of the events folded
        self.day = day

    def close(self) -> None:
        self.tables.close()
        self._source.close()

    def __enter__(self) -> PastViews:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
