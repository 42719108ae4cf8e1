"""Every registered event type, by its stable name (docs/event-format.md lists them)."""

from __future__ import annotations

from craftreg.domain import (
    certificates,
    cultivations,
    discipline,
    enrolment,
    nominations,
    policy,
    reports,
    rounds,
)
from craftreg.domain.state import EventKind, RegistryState

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
    )
}


def new_state() -> RegistryState:
    """The empty state from which every replay starts."""
    return RegistryState(kinds=KINDS)
