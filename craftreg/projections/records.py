"""Reading stored records for the views: one msgspec pass, payloads typed by the domain's Structs.

The store admitted every record it holds, after checking its signature, canonical form and
rules; the projections trust that and do not check them again (an auditor's replay does:
``craftreg audit verify``). A record is decoded in one pass into an ``Event`` whose payload is
the domain's own Struct for its type — the same schema admission used — by a tagged union on
the envelope's ``type``.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, ClassVar

import msgspec

from craftreg.domain.catalogue import KINDS


class Event(msgspec.Struct, tag_field="type", kw_only=True):
    """One event of the log as the views see it; ``position`` is its place in the log."""

    stream: str
    version: int
    time: str  # RFC 3339 UTC with microseconds, as signed
    signer: str  # key id
    payload: Any
    position: int = 0
    type: ClassVar[str]  # the event type, a plain class attribute of each event's class

    @property
    def day(self) -> str:
        return self.time[:10]


_EVENTS = tuple(
    msgspec.defstruct(
        name,
        [("payload", kind.payload)],
        bases=(Event,),
        tag=name,
        kw_only=True,
        namespace={"type": name},
    )
    for name, kind in KINDS.items()
)


_RECORD: msgspec.json.Decoder[Any] = msgspec.json.Decoder(
    msgspec.defstruct("Record", [("envelope", reduce(operator.or_, _EVENTS)), ("signature", str)])
)


def decode(position: int, record: bytes) -> Event:
    event: Event = _RECORD.decode(record).envelope
    event.position = position
    return event


def end_of_day(day: str) -> str:
    """The last event time that still falls on ``day`` (YYYY-MM-DD, UTC)."""
    return f"{day}T23:59:59.999999Z"
