"""Every registered event type, by its stable name (docs/event-format.md lists them)."""

from __future__ import annotations

from craftreg.domain import enrolment
from craftreg.domain.state import EventKind, RegistryState

KINDS: dict[str, EventKind] = {kind.name: kind for kind in (*enrolment.KINDS,)}


def new_state() -> RegistryState:
    """The empty state from which every replay starts."""
    return RegistryState(kinds=KINDS)
