"""Building founding decisions for a signer: genesis, organisations, actors.

``Decisions`` needs only somewhere to ``decide`` (sign and submit the next version of a
stream) and the state to read; the registry application and the pure domain tests both
provide those, so the same builders serve a live store and an in-memory log.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer

NATIONAL_FEDERATION_NAME = "中华全国总工会"


class Decisions(ABC):
    #: Where new record ids come from; a demo replaces it with a seeded source.
    new_id: Callable[[], str] = staticmethod(lambda: str(uuid.uuid4()))
    #: The time a signer puts on a decision; a demo replays a simulated calendar.
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    @abstractmethod
    def current(self) -> RegistryState:
        """The state the next decision is taken against."""

    @abstractmethod
    def submit(self, signed: SignedEvent) -> Any:
        """Admit and record one signed event."""

    def sign_next(
        self, signer: Signer, stream: str, type: str, payload: dict[str, Any]
    ) -> SignedEvent:
        """``payload`` signed as the next version of ``stream``, not yet submitted."""
        version = self.current().versions.get(stream, 0) + 1
        return signer.sign(stream, version, type, payload, self.clock())

    def decide(self, signer: Signer, stream: str, type: str, payload: dict[str, Any]) -> Any:
        return self.submit(self.sign_next(signer, stream, type, payload))

    def found(
        self, root: Signer, origin: str, federation_name: str = NATIONAL_FEDERATION_NAME
    ) -> Any:
        """Genesis: pin the origin and the national federation's root key."""
        return self.decide(
            root,
            self.new_id(),
            "RegistryFounded",
            {
                "origin": origin,
                "root_public_key": root.public_key_b64,
                "national_federation": self.new_id(),
                "national_federation_name": federation_name,
                "root_actor": self.new_id(),
                "root_actor_name": f"{federation_name} 根密钥",
            },
        )

    @property
    def national_federation(self) -> str:
        return self.current().chain.national_federation

    def register_organisation(
        self, signer: Signer, kind: OrgKind, name: str, parent: str, region: str | None = None
    ) -> str:
        stream = self.new_id()
        payload: dict[str, Any] = {"kind": kind.value, "name": name, "parent": parent}
        if region is not None:
            payload["region"] = region
        self.decide(signer, stream, "OrganisationRegistered", payload)
        return stream

    def enrol_actor(
        self, signer: Signer, organisation: str, name: str, roles: list[Role], key: Signer
    ) -> str:
        stream = self.new_id()
        self.decide(
            signer,
            stream,
            "ActorEnrolled",
            {
                "organisation": organisation,
                "name": name,
                "roles": [r.value for r in roles],
                "public_key": key.public_key_b64,
            },
        )
        return stream
