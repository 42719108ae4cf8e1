"""The registry's state as a pure function of the log, and the admission of each new event.

``RegistryState.admit(signed)`` checks one signed event against everything before it —
shape, type, payload, signer, signature, stream version, authority, rules — and returns the
change to make, without making it. The store writes the record and only then applies the
change, so a refused or failed append leaves both the database and this state untouched.
An auditor's replay calls the same function, event by event, and reaches the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from craftreg.domain.authority import Actor, Chain
from craftreg.domain.envelope import Envelope, SignedEvent
from craftreg.domain.errors import (
    GenesisError,
    InvalidPayload,
    RuleViolation,
    UnknownEventType,
    VersionConflict,
)
from craftreg.domain.lifecycle import Lifecycle

Change = Callable[[], None]


@dataclass(frozen=True)
class Admission:
    """What a decider sees: the event, its typed payload, its signer, and its log position."""

    signed: SignedEvent
    payload: Any
    actor: Actor | None
    position: int

    @property
    def envelope(self) -> Envelope:
        return self.signed.envelope


@dataclass(frozen=True)
class EventKind:
    """A registered event type: its stable name, payload schema and decider."""

    name: str
    payload: type[msgspec.Struct]
    decide: Callable[[RegistryState, Admission], Change]
    doc: str = ""


@dataclass
class RegistryState:
    kinds: dict[str, EventKind]
    chain: Chain = field(default_factory=Chain)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    versions: dict[str, int] = field(default_factory=dict)
    last_time: dict[str, str] = field(default_factory=dict)
    position: int = 0  # the number of events applied: the next event's leaf index
    log_key: str = ""  # note verifier key that signs checkpoints now (craftreg/ledger/events.py)

    def admit(self, signed: SignedEvent, *, verified: bool = False, typed: Any = None) -> Change:
        """Check in a fixed order: who signed (401-like faults) before what they signed.

        ``verified``: the caller has already checked the signature with this signer's key
        (an auditor's replay verifies signatures ahead, on every core); all else is checked.
        ``typed``: the payload, already decoded from the same canonical bytes by its event
        type's schema, strictly (an auditor's replay decodes each record once, for the
        admission and the views alike).
        """
        envelope = signed.envelope
        if self.position == 0:
            return self._admit_genesis(signed)
        actor, key = self.chain.signer(envelope.signer)
        if not verified:
            signed.verify(key.public_key)
        kind = self._kind(envelope.type)
        payload = _typed_payload(kind, envelope.payload) if typed is None else typed
        current = self.versions.get(envelope.stream, 0)
        if envelope.version != current + 1:
            raise VersionConflict(envelope.stream, envelope.version, current)
        if envelope.time < self.last_time.get(envelope.stream, ""):
            raise RuleViolation(
                "事件时间早于同一记录的上一个事件。",
                "the event's time is earlier than the previous event of the same record.",
                code="time-goes-back",
            )
        change = kind.decide(self, Admission(signed, payload, actor, self.position))
        return self._after(envelope, change)

    def _kind(self, name: str) -> EventKind:
        kind = self.kinds.get(name)
        if kind is None:
            raise UnknownEventType(f"未知的事件类型“{name}”。", f"unknown event type '{name}'.")
        return kind

    def apply(self, signed: SignedEvent) -> None:
        self.admit(signed)()

    def replay(self, events: Iterable[SignedEvent]) -> None:
        for signed in events:
            self.apply(signed)

    def _admit_genesis(self, signed: SignedEvent) -> Change:
        if signed.envelope.type != "RegistryFounded" or signed.envelope.version != 1:
            raise GenesisError(
                "日志的第一个事件必须是版本 1 的创始事件（RegistryFounded）。",
                "the first event of the log must be the genesis event RegistryFounded, version 1.",
            )
        kind = self._kind("RegistryFounded")
        payload = _typed_payload(kind, signed.envelope.payload)
        change = kind.decide(self, Admission(signed, payload, None, 0))
        return self._after(signed.envelope, change)

    def _after(self, envelope: Envelope, change: Change) -> Change:
        def apply() -> None:
            change()
            self.versions[envelope.stream] = envelope.version
            self.last_time[envelope.stream] = envelope.time
            self.position += 1

        return apply


def _typed_payload(kind: EventKind, payload: dict[str, Any]) -> Any:
    try:
        return msgspec.convert(payload, kind.payload, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidPayload(
            f"“{kind.name}”事件的内容不符合格式：{exc}",
            f"the payload of a '{kind.name}' event is invalid: {exc}",
        ) from None
