"""A registry with certificates, built in process through the signed append path, then served
by a real ``craftreg serve`` on a socket (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from craftreg.application import Registry, log_key_path
from craftreg.domain.authority import CULTIVATING_ROLES, OrgKind, Role
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer, write_key
from craftreg.ledger.cli import start_ledger
from tests.helpers import Calendar, details, evidence
from tests.http.conftest import (
    Server,
    drop_schema,
    need_postgres,
    postgres_url,
    start_server,
    stop_server,
)

FORCES = ("leadership", "achievement", "innovation", "focus", "inheritance")
OFFICERS = (*CULTIVATING_ROLES, Role.REGISTRAR)


@dataclass
class Held:
    number: str
    stream: str
    code: str
    name: str


@dataclass
class Story:
    """Zhejiang certifies three craftsmen in 2026; the discipline officers can revoke one."""

    database_url: str
    key_dir: Path
    keys: dict[Role, Signer] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)
    zhejiang: str = ""
    cultivations: dict[str, str] = field(default_factory=dict)

    def registry(self) -> Registry:
        from craftreg.keys import read_key

        reg = Registry(self.database_url, read_key(log_key_path_for(self.key_dir)))
        reg.clock = self.calendar.now  # type: ignore[method-assign]
        return reg

    calendar: Calendar = field(default_factory=lambda: Calendar("2024-01-04T09:00:00"))

    def revoke(self, held: Held, effective: str = "2026-10-01") -> None:
        """Revoked by a case executed on the day the revocation takes effect."""
        if self.calendar.moment.date().isoformat() < effective:
            self.calendar.go_to(effective)
        with self.registry() as reg:
            officer = self.keys[Role.DISCIPLINE_OFFICER]
            case = reg.open_case(
                officer, "certificate", held.stream, "falsification", self.zhejiang
            )
            reg.investigate(officer, case, evidence("举报信"), "获奖证书系伪造")
            reg.propose(officer, case, "revoke", effective)
            reg.approve(self.keys[Role.DISCIPLINE_APPROVER], case)
            reg.revoke_certificate(officer, held.stream, case, effective)


def log_key_path_for(key_dir: Path) -> Path:
    from craftreg.settings import Settings

    return log_key_path(Settings(key_dir=str(key_dir)))


def build_story(database_url: str, key_dir: Path) -> Story:
    story = Story(database_url, key_dir)
    key_dir.mkdir(parents=True, exist_ok=True)
    write_key(log_key_path_for(key_dir), Signer.generate())
    root = Signer.generate()
    write_key(key_dir / "root.pem", root)
    with story.registry() as reg:
        reg.found(root, origin="craftreg.test/certify")
        start_ledger(reg, root)
        national = reg.national_federation
        zj = reg.register_organisation(
            root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", national, "330000"
        )
        story.zhejiang = zj
        registrar = Signer.generate()
        reg.enrol_actor(root, zj, "王芳", [Role.REGISTRAR], registrar)
        hz = reg.register_organisation(
            registrar, OrgKind.PREFECTURE_FEDERATION, "杭州市总工会", zj, "330100"
        )
        for role in OFFICERS:
            story.keys[role] = Signer.generate()
            reg.enrol_actor(registrar, zj, f"浙江{role.value}", [role], story.keys[role])
        recommender = Signer.generate()
        reg.enrol_actor(registrar, hz, "杭州推荐人", [Role.RECOMMENDER], recommender)
        reg.adopt_policy(root)
        k = story.keys
        people = ("陈静", "张晓明", "李伟")
        round_id = reg.announce_round(
            k[Role.REVIEWER], zj, Tier.PROVINCIAL, 2024, {hz: 3}, "2024-03-31T16:00:00.000000Z"
        )
        nominations = [reg.nominate(recommender, round_id, hz, details(p)) for p in people]
        story.calendar.go_to("2024-04-10")
        for nomination in nominations:
            reg.review(k[Role.REVIEWER], nomination, "approved")
        reg.close_round(k[Role.REVIEWER], round_id)
        reg.determine_list(k[Role.REVIEWER], round_id, nominations)
        story.calendar.go_to("2024-05-01")
        cultivations = [
            reg.start_cultivation(
                k[Role.CULTIVATION_OFFICER], n, "2024-05-01", "2026-04-30", ("刘教授", "张大师")
            )
            for n in nominations
        ]
        story.calendar.go_to("2026-05-10")
        for number, (person, cultivation) in enumerate(zip(people, cultivations, strict=True), 1):
            reg.assess(k[Role.ASSESSOR], cultivation, dict.fromkeys(FORCES, 90), passed=True)
            code = f"CODE{number:08d}"
            cert_number = f"S33-2026-{number:05d}"
            stream = reg.issue_certificate(
                k[Role.CERTIFIER],
                cultivation,
                cert_number,
                "2026-05-10",
                (person, "数控车工", "杭州汽轮机厂"),
                code,
            )
            story.held.append(Held(cert_number, stream, code, person))
        reg.store.publish_checkpoint()
    story.calendar.go_to("2026-06-01")
    return story


@dataclass
class Served:
    story: Story
    server: Server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("certify")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'craftreg.sqlite3'}"
    else:
        need_postgres()
        schema = f"c_{uuid.uuid4().hex[:12]}"
        url = postgres_url(schema)
    story = build_story(url, tmp / "keys")
    server = start_server(url, tmp / "keys", init=False)
    yield Served(story, server)
    stop_server(server)
    if schema is not None:
        drop_schema(schema)
