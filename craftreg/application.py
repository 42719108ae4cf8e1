"""The application layer: decisions in, through admission and the store; nothing else writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from craftreg.casework import Casework
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer, read_key
from craftreg.settings import Settings
from craftreg.store import Appended, EventStore


class Registry(Casework):
    def __init__(self, database_url: str, log_key: Signer | None = None) -> None:
        self.store = EventStore(database_url, log_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> Registry:
        """The store, and the log key ``<key_dir>/log.pem`` when it exists (``craftreg init``)."""
        path = log_key_path(settings)
        return cls(settings.database_url, read_key(path) if path.exists() else None)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, signed: SignedEvent) -> Appended:
        return self.store.append(signed)

    def current(self) -> RegistryState:
        return self.store.refresh()

    def decide(self, signer: Signer, stream: str, type: str, payload: dict[str, Any]) -> Appended:
        appended: Appended = super().decide(signer, stream, type, payload)
        return appended


def log_key_path(settings: Settings) -> Path:
    return Path(settings.key_dir) / "log.pem"
