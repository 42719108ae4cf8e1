"""Every registered event type, by its stable name (docs/event-format.md lists them)."""

from __future__ import annotations

from craftreg.domain import (
    certificates,
    corrections,
    cultivations,
    discipline,
    enrolment,
    nominations,
    policy,
    reports,
    rounds,
)
from craftreg.domain.state import EventKind, RegistryState
from craftreg.ledger import events as ledger_events

KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        *enrolment.KINDS,
        *policy.KINDS,
        *rounds.KINDS,
        *nominations.KINDS,
        *cultivations.KINDS,
        *certificates.KINDS,
        *discipline.KINDS,
        *reports.KINDS,
        *corrections.KINDS,
        *ledger_events.KINDS,
    )
}


def new_state() -> RegistryState:
    """The empty state from which every replay starts."""
    return RegistryState(kinds=KINDS)
