"""Discipline support over HTTP (纪律追溯, Art. 20): ``GET /v1/discipline/reach``.

One Zhejiang story per backend: 陈静 is nominated, listed, cultivated, assessed and certified;
Hangzhou's recommender then replaces their key and nominates 王磊 with the new one. Zhejiang's
registrar enrolled the recommender, so the registrar's key reaches 王磊 through two enrolments.
A second Zhejiang registrar, enrolled by the root key, changes the assessor's roles before the
assessment: their key reaches the assessment and what rests on it, through that change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from craftreg.domain.authority import Role
from craftreg.keys import Signer
from tests.helpers import details, evidence
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang

PROBLEM = "application/problem+json"
REACH = "/v1/discipline/reach"


@dataclass
class Story:
    zj: HttpZhejiang
    chen: str
    wang: str
    old_recommender: Signer
    auditor: Signer
    second_registrar: Signer

    def get(self, query: str, signer: Signer | None) -> httpx.Response:
        path = f"{REACH}?{query}" if query else REACH
        return self.zj.client.get(path, signer=signer) if signer else self.zj.client.http.get(path)

    def reach(self, query: str, signer: Signer | None = None) -> dict[str, Any]:
        answer = self.get(query, signer or self.zj.key(Role.DISCIPLINE_OFFICER))
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture(scope="module")
def story(server: Server) -> Iterator[Story]:
    zj = HttpZhejiang(server.url, server.root)
    log, key = zj.log, zj.key
    round_id = zj.round(quota=3)
    old = key(Role.RECOMMENDER)
    chen = log.nominate(old, round_id, zj.hangzhou, details("陈静"))
    new = Signer.generate()
    log.decide(
        old, actor(zj, zj.hangzhou, old), "ActorKeyRotated", {"public_key": new.public_key_b64}
    )
    zj.keys[Role.RECOMMENDER] = new
    wang = log.nominate(new, round_id, zj.hangzhou, details("王磊"))
    zj.calendar.go_to("2027-04-10")
    log.review(key(Role.REVIEWER), chen, "approved")
    log.close_round(key(Role.REVIEWER), round_id)
    log.determine_list(key(Role.REVIEWER), round_id, [chen])
    second = Signer.generate()
    log.enrol_actor(zj.root, zj.zhejiang, "赵登记", [Role.REGISTRAR], second)
    assessor = actor(zj, zj.zhejiang, key(Role.ASSESSOR))
    log.decide(second, assessor, "ActorRolesChanged", {"roles": ["assessor", "reporter"]})
    zj.certify(chen)
    auditor = Signer.generate()
    log.enrol_actor(zj.root, zj.national, "全总审计员", [Role.AUDITOR], auditor)
    yield Story(zj, chen, wang, old, auditor, second)
    zj.client.close()


def actor(zj: HttpZhejiang, organisation: str, key: Signer) -> str:
    """The id of the actor of ``organisation`` who holds ``key``, as the registry lists it."""
    listed = zj.client.read(f"/v1/actors?organisation={organisation}", signer=key)["items"]
    [found] = [a["id"] for a in listed if a["key"] == key.key_id]
    return str(found)


def problem(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["code"] == code and body["zh"] and body["en"] and body["status"] == status


def types(found: dict[str, Any], pipeline: str) -> list[str]:
    [p] = [p for p in found["pipelines"] if p["pipeline"] == pipeline]
    return [d["type"] for d in p["decisions"]]


CHEN_WHOLE = [
    "NominationSubmitted",
    "NominationReviewed",
    "ListDetermined",
    "CultivationStarted",
    "CultivationAssessed",
    "CertificateIssued",
]


def test_an_evidence_hash_reaches_the_certificate(story: Story) -> None:
    found = story.reach(f"evidence={evidence('陈静-achievement')}")
    assert (found["criterion"], found["keys"], found["cases"]) == ("evidence", [], [])
    [chen] = found["pipelines"]
    assert (chen["pipeline"], chen["name"], chen["certificates"]) == (
        story.chen,
        "陈静",
        ["S33-2029-00001"],
    )
    assert types(found, story.chen) == CHEN_WHOLE
    assert found["decision_count"] == len(CHEN_WHOLE)
    # The identity digest goes to auditors only, here as in every other read.
    assert chen["digest"] is None
    audited = story.reach(f"evidence={evidence('陈静-achievement')}", story.auditor)
    assert len(audited["pipelines"][0]["digest"]) == 64
    assert story.reach(f"evidence={evidence('nobody cited this')}")["pipelines"] == []


def test_a_unit_reaches_every_candidacy_it_put_forward(story: Story) -> None:
    found = story.reach(f"unit={story.zj.hangzhou}", story.zj.key(Role.DISCIPLINE_APPROVER))
    assert {p["pipeline"] for p in found["pipelines"]} == {story.chen, story.wang}
    assert types(found, story.wang) == ["NominationSubmitted"]
    assert types(found, story.chen) == CHEN_WHOLE
    problem(story.get(f"unit={story.zj.zhejiang}x", story.auditor), 404, "not-found")


def test_an_assessor_reaches_the_assessment_and_the_certificate(story: Story) -> None:
    assessor = story.zj.key(Role.ASSESSOR).key_id
    found = story.reach(f"assessor={assessor}")
    assert types(found, story.chen) == ["CultivationAssessed", "CertificateIssued"]
    assert [(k["key"], k["how"]) for k in found["keys"]] == [(assessor, "signed")]


def test_a_signer_reaches_what_the_keys_it_enrolled_signed(story: Story) -> None:
    zj = story.zj
    registrar, old, new = (
        zj.registrar.key_id,
        story.old_recommender.key_id,
        zj.key(Role.RECOMMENDER),
    )
    found = story.reach(f"signer={registrar}")
    assert {p["pipeline"] for p in found["pipelines"]} == {story.chen, story.wang}
    assert types(found, story.wang) == ["NominationSubmitted"]
    assert types(found, story.chen) == CHEN_WHOLE
    how = {k["key"]: (k["how"], k["via"]) for k in found["keys"]}
    assert how[registrar] == ("signed", None)
    assert how[old] == ("enrolled", registrar)
    assert how[new.key_id] == ("enrolled", old), "the rotation was signed by the old key"
    assert how[zj.key(Role.ASSESSOR).key_id] == ("enrolled", registrar)
    assert zj.root.key_id not in how, "the key that enrolled the registrar is above, not below"
    assert found["keys"][0]["key"] == registrar
    # The new key signed 王磊's nomination only; the old one reaches both, itself first.
    direct = story.reach(f"signer={new.key_id}")
    assert [p["pipeline"] for p in direct["pipelines"]] == [story.wang]
    assert [(k["key"], k["how"]) for k in direct["keys"]] == [(new.key_id, "signed")]
    assert {p["pipeline"] for p in story.reach(f"signer={old}")["pipelines"]} == {
        story.chen,
        story.wang,
    }


def test_a_signer_reaches_what_an_actor_whose_roles_it_changed_signed_after(
    story: Story,
) -> None:
    second, assessor = story.second_registrar.key_id, story.zj.key(Role.ASSESSOR).key_id
    found = story.reach(f"signer={second}")
    assert [p["pipeline"] for p in found["pipelines"]] == [story.chen]
    assert types(found, story.chen) == ["CultivationAssessed", "CertificateIssued"]
    assert [(k["key"], k["how"], k["via"]) for k in found["keys"]] == [
        (second, "signed", None),
        (assessor, "granted", second),
    ]
    granted = found["keys"][1]
    assessed = found["pipelines"][0]["decisions"][0]["position"]
    assert granted["name"] == "浙江assessor"
    assert granted["enrolled_at"] < granted["granted_at"] < assessed
    # The registrar that enrolled the assessor still reaches them by that enrolment.
    enrolling = story.reach(f"signer={story.zj.registrar.key_id}")
    assert {k["key"]: k["how"] for k in enrolling["keys"]}[assessor] == "enrolled"


@pytest.mark.parametrize("role", [Role.RECOMMENDER, Role.REVIEWER, Role.CERTIFIER])
def test_only_discipline_roles_and_auditors_may_ask(story: Story, role: Role) -> None:
    problem(story.get(f"unit={story.zj.hangzhou}", story.zj.key(role)), 403, "wrong-role")


def test_an_unsigned_request_is_refused(story: Story) -> None:
    problem(story.get(f"unit={story.zj.hangzhou}", None), 401, "signature-required")


def test_each_bad_query_has_its_own_code(story: Story) -> None:
    officer = story.zj.key(Role.DISCIPLINE_OFFICER)
    hangzhou, key = story.zj.hangzhou, story.zj.registrar.key_id
    problem(story.get("", officer), 400, "reach-criterion-missing")
    problem(story.get(f"unit={hangzhou}&signer={key}", officer), 400, "reach-criteria-several")
    problem(story.get("evidence=abc", officer), 400, "malformed-evidence-hash")
    problem(story.get("signer=not-a-key", officer), 400, "malformed-key-id")
    # Hex in capitals, as a file-hash tool may print it, is read as the same hash or key.
    assert story.get(f"evidence={'A' * 64}", officer).json()["value"] == "a" * 64
    assert (
        story.get(f"signer={key.upper()}", officer).json()
        == story.get(f"signer={key}", officer).json()
    )
    problem(story.get(f"unit={'x' * 65}", officer), 400, "bad-request")
    problem(story.get(f"signer={'0' * 32}", officer), 404, "not-found")
    problem(story.get(f"assessor={'0' * 32}", officer), 404, "not-found")
