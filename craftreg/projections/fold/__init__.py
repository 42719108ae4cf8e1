"""The fold (折叠): each event of the log applied, in order, to the registry views.

``apply`` is a pure function of the working set and the event; the live projector, a replay
into a temporary database and the in-memory replay behind the state digest all run it.
"""

from __future__ import annotations

from collections.abc import Callable

from craftreg.projections.fold import cases, chain, corrections, cultivation, people, selection
from craftreg.projections.records import Event
from craftreg.projections.working import Loader, WorkingSet

Handler = Callable[[WorkingSet, Event], None]

HANDLERS: dict[str, Handler] = {
    **chain.HANDLERS,
    **selection.HANDLERS,
    **cultivation.HANDLERS,
    **cases.HANDLERS,
    **corrections.HANDLERS,
}
IGNORED = frozenset({"LogKeyPublished"})  # the ledger's own business, no registry view


def apply(ws: WorkingSet, event: Event) -> None:
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(ws, event)
    elif event.type not in IGNORED:
        raise LookupError(f"no view knows the event type {event.type!r}")


def working_set(loader: Loader | None = None) -> WorkingSet:
    """An empty working set that settles derived rows (people) before they are read out."""
    ws = WorkingSet(loader)
    ws.settle = people.settle
    return ws
