"""``craftreg submit`` and ``craftreg get`` against a real server: no one signs by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from craftreg.cli import main
from craftreg.client import load_decision
from craftreg.domain.authority import Role
from craftreg.domain.envelope import from_record
from craftreg.keys import write_key
from tests.helpers import details
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang


@pytest.fixture(scope="module")
def zj(server: Server) -> Iterator[HttpZhejiang]:
    # Decisions signed by the commands carry today's time: the story happens before it.
    story = HttpZhejiang(server.url, server.root, start="2025-01-04T09:00:00")
    yield story
    story.client.close()


def key_file(tmp_path: Path, zj: HttpZhejiang, role: Role) -> Path:
    path = tmp_path / f"{role.value}.pem"
    if not path.exists():
        write_key(path, zj.key(role))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_submit_signs_the_next_version_and_posts_to_the_resource_route(
    server: Server, zj: HttpZhejiang, tmp_path: Path
) -> None:
    round_id = zj.round()
    nomination = zj.log.nominate(zj.key(Role.RECOMMENDER), round_id, zj.hangzhou, details("甲"))
    decision = tmp_path / "review.yaml"
    decision.write_text(
        f"type: NominationReviewed\nstream: {nomination}\n"
        "payload:\n  decision: returned\n  reasons: [补充 2027-03-01 前的获奖证明]\n",
        encoding="utf-8",
    )
    code, output = run(
        "submit",
        str(decision),
        "--key",
        str(key_file(tmp_path, zj, Role.REVIEWER)),
        "--server",
        server.url,
    )
    assert code == 0, output
    answer = json.loads(output)
    assert (answer["stream"], answer["version"], answer["type"]) == (
        nomination,
        2,
        "NominationReviewed",
    )
    stored = from_record(server.log()[answer["leaf_index"]])
    assert stored.envelope.signer == zj.key(Role.REVIEWER).key_id
    # The date-like reason stays a string: YAML timestamps are not resolved.
    assert stored.envelope.payload == {
        "decision": "returned",
        "reasons": ["补充 2027-03-01 前的获奖证明"],
    }


def test_submit_of_a_new_record_from_json(server: Server, zj: HttpZhejiang, tmp_path: Path) -> None:
    decision = tmp_path / "org.json"
    decision.write_text(
        json.dumps(
            {
                "type": "OrganisationRegistered",
                "stream": "new",
                "payload": {
                    "kind": "enterprise",
                    "name": "杭州汽轮动力集团",
                    "parent": zj.hangzhou,
                },
            }
        ),
        encoding="utf-8",
    )
    registrar = tmp_path / "registrar.pem"
    write_key(registrar, zj.registrar)
    code, output = run("submit", str(decision), "--key", str(registrar), "--server", server.url)
    assert code == 0, output
    assert json.loads(output)["version"] == 1


REFUSED = [
    # refused by the registry: signed, sent, and answered with a problem
    (
        Role.RECOMMENDER,
        "type: RoundClosed\nstream: {round}\npayload: {{}}\n",
        ("[wrong-role] HTTP 403", "role", "角色"),
    ),
    # refused before it is sent: a fraction has no canonical form
    (
        Role.REVIEWER,
        "type: QuotasAdjusted\nstream: {round}\n"
        "payload: {{quotas: [{{unit: {unit}, quota: 3.5}}], reason: 增补}}\n",
        ("[float-not-allowed]", "fractional", "小数"),
    ),
]


@pytest.mark.parametrize(("role", "decision_text", "says"), REFUSED)
def test_a_refused_submission_prints_one_line_with_code_and_both_messages(
    server: Server,
    zj: HttpZhejiang,
    tmp_path: Path,
    role: Role,
    decision_text: str,
    says: tuple[str, ...],
) -> None:
    decision = tmp_path / "decision.yaml"
    text = decision_text.format(round=zj.round(), unit=zj.hangzhou)
    decision.write_text(text, encoding="utf-8")
    before = server.log()
    code, output = run(
        "submit", str(decision), "--key", str(key_file(tmp_path, zj, role)), "--server", server.url
    )
    assert code == 1 and server.log() == before
    (line,) = output.strip().splitlines()
    assert all(part in line for part in says), line


def test_get_makes_a_signed_read(server: Server, zj: HttpZhejiang, tmp_path: Path) -> None:
    code, output = run(
        "get",
        "/v1/whoami",
        "--key",
        str(key_file(tmp_path, zj, Role.ASSESSOR)),
        "--server",
        server.url,
    )
    assert code == 0, output
    assert json.loads(output)["roles"] == ["assessor"]
    code, output = run(
        "get",
        f"/v1/streams/{zj.zhejiang}/version",
        "--key",
        str(key_file(tmp_path, zj, Role.ASSESSOR)),
        "--server",
        server.url,
    )
    assert code == 0 and json.loads(output) == {"stream": zj.zhejiang, "version": 1}


def test_a_decision_file_must_have_its_three_members(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: RoundClosed\npayload: {}\nextra: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a decision file"):
        load_decision(bad)
    floats = tmp_path / "floats.json"
    floats.write_text('{"type": "X", "payload": {"score": 1.5}}', encoding="utf-8")
    assert load_decision(floats).payload == {"score": 1.5}  # refused by the server, not here
