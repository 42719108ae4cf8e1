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

    def certify(self, nomination: str) -> tuple[str, str]:
        """A listed nomination cultivated from 2027-05, assessed and certified on 2029-05-10
        as S33-2029-00001: (the cultivation's id, the certificate's)."""
        log, key = self.log, self.key
        self.calendar.go_to("2027-05-01")
        officer = key(Role.CULTIVATION_OFFICER)
        cultivation = log.start_cultivation(
            officer, nomination, "2027-05-01", "2029-04-30", ("刘教授", "张大师")
        )
        self.calendar.go_to("2027-09-01")
        for kind in ("camp_test", "camp_learn", "camp_practise", "camp_evaluate"):
            log.record_activity(officer, cultivation, kind, "2027-08-20", "浙江工匠学院")
        self.calendar.go_to("2029-05-10")
        scores = dict.fromkeys(
            ("leadership", "achievement", "innovation", "focus", "inheritance"), 90
        )
        log.assess(key(Role.ASSESSOR), cultivation, scores, passed=True)
        certificate = log.issue_certificate(
            key(Role.CERTIFIER),
            cultivation,
            "S33-2029-00001",
            "2029-05-10",
            ("陈静", "数控车工", "杭汽"),
            "CODE",
        )
        return cultivation, certificate
