"""A log held in memory: the pure domain, with no store, for fast tests of the rules."""

from __future__ import annotations

from typing import Any

from craftreg.decisions import Decisions
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.catalogue import new_state
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer


class MemoryLog(Decisions):
    def __init__(self) -> None:
        self.state = new_state()
        self.events: list[SignedEvent] = []

    def current(self) -> RegistryState:
        return self.state

    def append(self, signed: SignedEvent) -> None:
        self.state.apply(signed)
        self.events.append(signed)

    def sign_next(
        self, signer: Signer, stream: str, type: str, payload: dict[str, Any]
    ) -> SignedEvent:
        return signer.sign(stream, self.state.versions.get(stream, 0) + 1, type, payload)

    def decide(
        self, signer: Signer, stream: str, type: str, payload: dict[str, Any]
    ) -> SignedEvent:
        signed = self.sign_next(signer, stream, type, payload)
        self.append(signed)
        return signed


class Cast:
    """A founded registry with one province, one city and their registrars."""

    def __init__(self, log: Decisions) -> None:
        self.log = log
        self.root = Signer.generate()
        log.found(self.root, origin="craftreg.test/registry")
        self.national = log.national_federation
        self.zhejiang = log.register_organisation(
            self.root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", self.national, "330000"
        )
        self.zj_registrar_key = Signer.generate()
        self.zj_registrar = log.enrol_actor(
            self.root, self.zhejiang, "王芳", [Role.REGISTRAR], self.zj_registrar_key
        )
        self.hangzhou = log.register_organisation(
            self.zj_registrar_key,
            OrgKind.PREFECTURE_FEDERATION,
            "杭州市总工会",
            self.zhejiang,
            "330100",
        )
        self.hz_registrar_key = Signer.generate()
        self.hz_registrar = log.enrol_actor(
            self.zj_registrar_key, self.hangzhou, "李强", [Role.REGISTRAR], self.hz_registrar_key
        )
