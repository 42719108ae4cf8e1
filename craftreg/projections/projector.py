"""The projector (投影器): folds the store's log into the registry views, exactly once.

``RegistryViews`` is an eventsourcing ``Projection`` whose view is a tracking recorder
(tables.py). It does not use eventsourcing's ``ProjectionRunner``: that subscribes through the
application's mapper, which resolves each stored event's topic as a Python path, whereas
craftreg's topics are event type names (docs/event-format.md §4) — and SQLite recorders offer
no subscription. So it reads the store's notifications itself, page by page, in log order, and
``catch_up`` is called when fresh views are wanted (``follow`` keeps calling it).

Events are folded in memory (working.py) and written in batches: each batch's rows, its cursor
and its tracking record commit in one transaction, so a crash loses at most an uncommitted
batch, and a restart resumes at the cursor. Only one projector writes at a time (a lock
beside the store); its cached rows stay valid while the cursor is the one it wrote last.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from craftreg.collector import collector_paused
from craftreg.projections.fold import apply, working_set
from craftreg.projections.records import Event, decode
from craftreg.projections.source import notifications
from craftreg.projections.tables import ViewTables

NAME = "craftreg-registry-views"
BATCH = 50_000  # events per transaction while catching up
KEEP_ROWS = 400_000  # rows kept in memory between catch-ups
PRELOAD = 2_000  # from this many events behind, a cold projector reads all views back first

Stop = Callable[[int, str], bool]
"""``stop(position, time)``: whether to stop before the event at this position and time."""


class RegistryViews(Projection[TrackingRecorder]):
    name = NAME

    def __init__(self, tables: ViewTables, source: ApplicationRecorder | None = None) -> None:
        super().__init__(tables.recorder)
        self.tables = tables
        self.source = source or tables.events
        self.work = working_set(tables.load)
        self._cursor: tuple[int, int] | None = None  # what this projector last wrote
        self._known = False
        # Shown every record folded, with its decoded event (history.py anchors the past views
        # to a checkpoint this way, without reading the log a second time).
        self.observer: Callable[[bytes, Event], None] | None = None

    @classmethod
    def open(cls, database_url: str) -> RegistryViews:
        return cls(ViewTables(database_url))

    def close(self) -> None:
        self.tables.close()

    def __enter__(self) -> RegistryViews:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def position(self) -> int:
        """How many events of the log the views reflect (a tree size)."""
        cursor = self.tables.cursor(self.name)
        return 0 if cursor is None else cursor[1]

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        raise NotImplementedError("RegistryViews reads the log itself: call catch_up()")

    def catch_up(self, *, wait: bool = True, stop: Stop | None = None) -> int:
        """Apply every event not yet applied; return how many. ``wait=False``: if another
        projector is at work, return 0 at once (the views are being brought up to date)."""
        with self.tables.lock.held(wait=wait) as taken:
            if not taken:
                return 0
            cursor = self.tables.cursor(self.name)
            if cursor is None:
                # Empty views: the same as a rebuild, in one transaction.
                self.work = working_set(self.tables.load)
                self.work.complete = True
                return self._run(None, reset=True, stop=stop, whole=True)
            if not self._known or cursor != self._cursor:
                self.work.forget()
                if self._backlog(cursor[0]) >= PRELOAD:
                    # Reading every row at once beats looking rows up one by one.
                    self.work.preload(self.tables.read_back())
            return self._run(cursor, reset=False, stop=stop)

    def rebuild(self) -> int:
        """Every view again from the first event, in one transaction: readers see the old
        views until the new ones commit."""
        with self.tables.lock.held():
            self.work = working_set(self.tables.load)
            self.work.complete = True
            return self._run(None, reset=True, stop=None, whole=True)

    @collector_paused()
    def _run(
        self,
        cursor: tuple[int, int] | None,
        *,
        reset: bool,
        stop: Stop | None,
        whole: bool = False,
    ) -> int:
        notification_id, position = cursor or (0, 0)
        applied = pending = 0
        try:
            for n_id, record in notifications(self.source, notification_id):
                event = decode(position, record)
                if stop is not None and stop(position, event.time):
                    break
                if self.observer is not None:
                    self.observer(record, event)
                apply(self.work, event)
                position, notification_id = position + 1, n_id
                applied, pending = applied + 1, pending + 1
                if not whole and pending >= BATCH:
                    self._flush(notification_id, position, reset)
                    reset, pending = False, 0
            if pending or reset:
                self._flush(notification_id, position, reset)
        except BaseException:
            self._known = False  # the cache may hold rows that were never committed
            raise
        return applied

    def _backlog(self, notification_id: int) -> int:
        """About how many events are still to apply (notification ids may have gaps)."""
        return (self.source.max_notification_id() or 0) - notification_id

    def _flush(self, notification_id: int, position: int, reset: bool) -> None:
        self.tables.write(
            self.name, list(self.work.changes()), notification_id, position, reset=reset
        )
        self.work.flushed(KEEP_ROWS)
        self._cursor, self._known = (notification_id, position), True

    def follow(self, stopping: threading.Event, interval: float = 0.5) -> None:
        """Keep the views fresh until ``stopping`` is set (a server's background thread)."""
        while not stopping.is_set():
            self.catch_up(wait=False)
            stopping.wait(interval)
