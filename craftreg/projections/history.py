"""The registry as it stood (历史视图): any view as of a tree size or a date.

The events up to that point are folded into a private in-memory SQLite database with the same
tables as the live views, so every query of queries.py can be asked of the past; the live views
are neither read nor written.

"As of a date" is the log up to and including its last event signed on or before that day
(UTC): a tree size too, so a checkpoint can anchor it. Events are appended as they are signed,
so in a live registry that is every event of the day and none after; a log that was filled
with back-dated events (the demo founds the registry today and then replays past years) is
still cut at a well-defined place.
"""

from __future__ import annotations

from datetime import date

import msgspec
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory

from craftreg.projections.errors import BeyondTheLog
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.records import end_of_day
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


class PastViews(Views):
    """Views replayed as of a point in history; close (or use ``with``) to free them."""

    def __init__(self, database_url: str, *, size: int | None = None, day: date | None = None):
        if (size is None) == (day is None):
            raise ValueError("give a tree size or a date, not both")
        self._source = InfrastructureFactory.construct(persistence_env(database_url))
        super().__init__(ViewTables(memory=True))
        recorder = self._source.application_recorder()
        if size is not None:
            wanted = size
        else:
            assert day is not None
            wanted = size_on(recorder, day)
        projector = RegistryViews(self.tables, recorder)
        projector.catch_up(stop=lambda position, _: position >= wanted)
        self.size = projector.position
        if self.size < wanted:
            self.close()
            raise BeyondTheLog(wanted, self.size)
        self.day = day

    def close(self) -> None:
        self.tables.close()
        self._source.close()

    def __enter__(self) -> PastViews:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
