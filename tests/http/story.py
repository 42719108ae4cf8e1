"""The Zhejiang cast of tests/domain/test_lifecycle.py, founded and enrolled over HTTP alone."""

from __future__ import annotations

from craftreg.client import RegistryClient, RemoteDecisions
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from tests.helpers import Calendar, enrol_officers


class HttpZhejiang:
    """A registry founded by ``craftreg init``; every later step through its HTTP route."""

    def __init__(self, url: str, root: Signer | None, start: str = "2027-01-04T09:00:00") -> None:
        assert root is not None, "the server was founded by `craftreg init`"
        self.client = RegistryClient(url)
        self.calendar = Calendar(start)
        self.log = RemoteDecisions(self.client)
        self.log.clock = self.calendar.now  # type: ignore[method-assign]
        log = self.log
        self.root = root
        # The root actor stands at the national federation: the server says which that is.
        self.national = self.client.read("/v1/whoami", signer=root)["organisation"]
        self.zhejiang = log.register_organisation(
            self.root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", self.national, "330000"
        )
        self.registrar = Signer.generate()
        self.registrar_id = log.enrol_actor(
            self.root, self.zhejiang, "王芳", [Role.REGISTRAR], self.registrar
        )
        self.hangzhou = log.register_organisation(
            self.registrar, OrgKind.PREFECTURE_FEDERATION, "杭州市总工会", self.zhejiang, "330100"
        )
        # Zhejiang's registrar also enrols Hangzhou's recommender: Hangzhou has no registrar.
        self.keys, _ = enrol_officers(
            log,
            (self.registrar, self.registrar),
            (self.zhejiang, self.hangzhou),
            root,
            self.national,
        )

    def key(self, role: Role | str) -> Signer:
        return self.keys[role]

    def round(self, quota: int = 2) -> str:
        return self.log.announce_round(
            self.key(Role.REVIEWER),
            self.zhejiang,
            Tier.PROVINCIAL,
            2027,
            {self.hangzhou: quota},
            "2027-03-31T16:00:00.000000Z",
        )
