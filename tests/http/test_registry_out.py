"""Registry out, on a real server socket: public look-ups, signed lists, filters, pages, roles.

One Zhejiang story per backend: a round with five nominations, three approved and listed,
one cultivated, assessed and certified, then revoked by a discipline case. Every answer that
is not a success is problem+json; a certificate look-up shows the revocation at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from craftreg.domain.authority import OrgKind, Role
from craftreg.http.views import MAX_LIMIT
from craftreg.keys import Signer
from craftreg.privacy import mask_name
from tests.helpers import details, evidence
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang

PROBLEM = "application/problem+json"
NAMES = ("陈静", "王磊", "李娜", "欧阳明远", "张")


@dataclass
class Story:
    zj: HttpZhejiang
    round_id: str
    nominations: list[str]
    certificate: str
    number: str = "S33-2029-00001"

    def get(self, path: str, signer: Signer | None = None) -> httpx.Response:
        return self.zj.client.get(path, signer=signer) if signer else self.zj.client.http.get(path)

    def read(self, path: str, role: Role | str = Role.REVIEWER) -> Any:
        answer = self.get(path, self.zj.key(role))
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def story(server: Server) -> Iterator[Story]:
    zj = HttpZhejiang(server.url, server.root)
    log, key = zj.log, zj.key
    round_id = zj.round(quota=5)
    nominations = [
        log.nominate(key(Role.RECOMMENDER), round_id, zj.hangzhou, details(name)) for name in NAMES
    ]
    zj.calendar.go_to("2027-04-10")
    for nomination in nominations[:3]:
        log.review(key(Role.REVIEWER), nomination, "approved")
    log.close_round(key(Role.REVIEWER), round_id)
    log.determine_list(key(Role.REVIEWER), round_id, nominations[:3])
    _, certificate = zj.certify(nominations[0])
    yield Story(zj, round_id, nominations, certificate)
    zj.client.close()


def problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["zh"] and body["en"] and body["status"] == status
    return body


def walk(story: Story, path: str, limit: int, role: Role | str = Role.REVIEWER) -> list[Any]:
    """Every item of a list, page after page; each page holds at most ``limit``."""
    items: list[Any] = []
    sep = "&" if "?" in path else "?"
    cursor: str | None = None
    while True:
        query = f"{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        answer = story.read(path + query, role)
        assert len(answer["items"]) <= limit
        items.extend(answer["items"])
        cursor = answer["next"]
        if cursor is None:
            return items


def test_masking_keeps_the_first_and_last_character() -> None:
    assert [mask_name(n) for n in ("张三明", "陈静", "欧阳明远", "张", "")] == [
        "张*明",
        "陈*",
        "欧**远",
        "*",
        "*",
    ]


def test_a_certificate_look_up_is_public_and_reflects_a_revocation_at_once(story: Story) -> None:
    zj, key = story.zj, story.zj.key
    before = story.get(f"/v1/certificates/{story.number}")
    assert before.status_code == 200, before.text
    assert before.json() == {
        "number": story.number,
        "tier": "provincial",
        "body": zj.zhejiang,
        "body_name": "浙江省总工会",
        "issue_date": "2029-05-10",
        "status": "valid",
        "holder": "陈*",
        "revoked_on": None,
        "revocation_ground": None,
    }
    zj.calendar.go_to("2030-01-15")
    officer = key(Role.DISCIPLINE_OFFICER)
    case = zj.log.open_case(
        officer, "nomination", story.nominations[0], "falsification", zj.zhejiang
    )
    zj.log.investigate(officer, case, evidence("举报信"), "推荐材料中的获奖证书系伪造")
    zj.log.propose(officer, case, "revoke", "2030-01-15", taints=True)
    zj.log.approve(key(Role.DISCIPLINE_APPROVER), case)
    zj.log.revoke_certificate(officer, story.certificate, case, "2030-01-15")
    # The very next request, no waiting: the views are brought up to date before the read.
    after = story.get(f"/v1/certificates/{story.number}").json()
    assert after["status"] == "revoked"
    assert (after["revoked_on"], after["revocation_ground"]) == ("2030-01-15", "falsification")
    problem(story.get("/v1/certificates/S33-2029-99999"), 404, "not-found")
    cases = story.read("/v1/discipline-cases", Role.DISCIPLINE_APPROVER)["items"]
    assert [(c["id"], c["status"], c["certificate"]) for c in cases] == [
        (case, "executed", story.certificate)
    ]


def test_statistics_are_public(story: Story) -> None:
    answer = story.get("/v1/statistics?day=2029-12-31&province=330000")
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    provincial = next(t for t in figures["targets"] if t["tier"] == "provincial")
    assert figures["province"] == "330000" and provincial["holders"] == 1


def test_restricted_lists_refuse_unsigned_requests(story: Story) -> None:
    for path in (
        "/v1/organisations",
        "/v1/nominations",
        f"/v1/nominations/{story.nominations[0]}",
        "/v1/people",
        "/v1/discipline-cases",
        f"/v1/certificates/{story.number}/record",
    ):
        problem(story.get(path), 401, "signature-required")


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/v1/discipline-cases", Role.RECOMMENDER),
        ("/v1/discipline-cases", Role.REVIEWER),
        ("/v1/people", Role.RECOMMENDER),
        ("/v1/people", Role.CERTIFIER),
    ],
)
def test_restricted_views_refuse_the_wrong_role(story: Story, path: str, role: Role) -> None:
    problem(story.get(path, story.zj.key(role)), 403, "wrong-role")


def test_a_cursor_walks_a_list_exactly_once(story: Story) -> None:
    everything = story.read(f"/v1/nominations?round={story.round_id}&limit={MAX_LIMIT}")
    assert everything["next"] is None
    assert sorted(n["id"] for n in everything["items"]) == sorted(story.nominations)
    for limit in (1, 2, 3):
        walked = [n["id"] for n in walk(story, f"/v1/nominations?round={story.round_id}", limit)]
        assert walked == [n["id"] for n in everything["items"]]
    organisations = walk(story, "/v1/organisations", 2)
    ids = [o["id"] for o in organisations]
    assert len(ids) == len(set(ids)) and {story.zj.zhejiang, story.zj.hangzhou} <= set(ids)


def test_filters_select_the_rows_that_match(story: Story) -> None:
    base = f"/v1/nominations?round={story.round_id}"
    listed = story.read(f"{base}&status=listed")["items"]
    assert sorted(n["id"] for n in listed) == sorted(story.nominations[:3])
    assert story.read(f"{base}&status=withdrawn")["items"] == []
    # The two never reviewed still await a decision, oldest first, one page at a time.
    queue = walk(story, f"/v1/organisations/{story.zj.zhejiang}/review-queue", 1)
    assert [n["id"] for n in queue] == story.nominations[3:]
    assert story.read(f"/v1/organisations/{story.zj.hangzhou}/review-queue")["items"] == []
    rounds = story.read(f"/v1/rounds?body={story.zj.zhejiang}&year=2027&tier=provincial")
    assert [r["id"] for r in rounds["items"]] == [story.round_id]
    assert story.read("/v1/rounds?year=2028")["items"] == []
    round_ = story.read(f"/v1/rounds/{story.round_id}")
    assert round_["use"] == [
        {"unit": story.zj.hangzhou, "quota": 5, "used": 5, "submitted": 5, "listed": 3}
    ]
    certificates = story.read("/v1/certificates?tier=provincial&province=330000")["items"]
    assert [c["number"] for c in certificates] == [story.number]
    assert story.read("/v1/certificates?tier=national")["items"] == []
    benefits = story.read(f"/v1/certificates/{story.number}/benefits")
    assert isinstance(benefits, list)


def test_identity_fields_go_to_reviewers_and_auditors_only(story: Story) -> None:
    path = f"/v1/nominations/{story.nominations[1]}"
    as_reviewer = story.read(path, Role.REVIEWER)
    as_recommender = story.read(path, Role.RECOMMENDER)
    assert len(as_reviewer["digest"]) == 64 and as_reviewer["birth_date"]
    assert as_recommender["digest"] is None and as_recommender["birth_date"] is None
    assert {k: v for k, v in as_reviewer.items() if k not in ("digest", "birth_date")} == {
        k: v for k, v in as_recommender.items() if k not in ("digest", "birth_date")
    }
    person = story.read(f"/v1/people/{as_reviewer['digest']}", Role.REVIEWER)
    assert person["name"] == NAMES[1] and person["province"] == "330000"
    people = walk(story, "/v1/people?province=330000", 2)
    assert {p["name"] for p in people} >= set(NAMES)


def test_a_reviewer_outside_the_province_sees_no_one_of_it(story: Story) -> None:
    # The national reviewer stands above every province; ask as a provincial one elsewhere.
    zj = story.zj
    jiangsu = zj.log.register_organisation(
        zj.root, OrgKind.PROVINCIAL_FEDERATION, "江苏省总工会", zj.national, "320000"
    )
    reviewer = Signer.generate()
    zj.log.enrol_actor(zj.root, jiangsu, "江苏审核人", [Role.REVIEWER], reviewer)
    problem(story.get("/v1/people?province=330000", reviewer), 403, "outside-jurisdiction")
    assert story.read("/v1/people", "national_reviewer")["items"]
    assert story.get("/v1/people", reviewer).json()["items"] == []
    # Nor their identity fields through the other lists, which any enrolled actor reads.
    for path in (
        "/v1/nominations?province=330000",
        "/v1/certificates?province=330000",
        f"/v1/nominations/{story.nominations[1]}",
    ):
        answer = story.get(path, reviewer).json()
        rows = answer.get("items", [answer])
        assert rows and all(r["digest"] is None and r["birth_date"] is None for r in rows)
        for who in (Role.REVIEWER, "national_reviewer"):  # Zhejiang's own, and the national
            seen = story.read(path, who)
            assert all(len(r["digest"]) == 64 for r in seen.get("items", [seen]))


def test_bad_query_parameters_are_problems(story: Story) -> None:
    key = story.zj.key(Role.REVIEWER)
    problem(story.get("/v1/nominations?cursor=not-a-cursor", key), 400, "bad-request")
    problem(story.get(f"/v1/nominations?limit={MAX_LIMIT + 1}", key), 400, "bad-request")
    problem(story.get("/v1/nominations?limit=0", key), 400, "bad-request")
    problem(story.get("/v1/rounds?year=abc", key), 400, "bad-request")
    problem(story.get("/v1/rounds?tier=foo", key), 400, "bad-request")
    problem(story.get("/v1/certificates?tier=Provincial", key), 400, "bad-request")
    problem(story.get("/v1/nominations/no-such-id", key), 404, "not-found")
