"""A table of bad inputs over a real socket: each answer's status, problem code and messages.

Every case is RFC 9457 problem+json with a stable code and a message in Chinese and English,
never a stack trace, and the store's log is byte for byte what it was before the request.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from craftreg.domain.authority import Role
from craftreg.domain.envelope import SignedEvent
from craftreg.http.signatures import RequestSigner
from craftreg.keys import Signer
from tests.helpers import details
from tests.http.conftest import Server
from tests.http.story import HttpZhejiang

JSON = {"content-type": "application/json"}


@dataclass
class Scene:
    """A founded registry with a round, a nomination, and a revoked officer."""

    server: Server
    zj: HttpZhejiang
    round_id: str
    nomination: str
    revoked: Signer

    def review(self, signer: Signer | None = None, version: int | None = None) -> SignedEvent:
        """The next review of the nomination, signed by ``signer`` (the reviewer by default)."""
        reviewer = self.zj.key(Role.REVIEWER)
        if version is None:
            version = self.zj.client.stream_version(self.nomination, signer=reviewer) + 1
        payload = {"decision": "approved"}
        return (signer or reviewer).sign(
            self.nomination, version, "NominationReviewed", payload, self.zj.calendar.now()
        )

    def post(self, path: str, body: bytes, headers: dict[str, str] = JSON) -> httpx.Request:
        return httpx.Request("POST", f"{self.server.url}{path}", content=body, headers=headers)

    def post_event(self, path: str, signed: SignedEvent | dict[str, Any]) -> httpx.Request:
        wire = signed.to_wire() if isinstance(signed, SignedEvent) else signed
        return self.post(path, msgspec.json.encode(wire))

    def signed_get(self, path: str, signer: Signer, **clock: Any) -> httpx.Request:
        request = httpx.Request("GET", f"{self.server.url}{path}")
        RequestSigner(signer, **clock).sign(request)
        return request

    @property
    def reviews(self) -> str:
        return f"/v1/nominations/{self.nomination}/reviews"


@pytest.fixture(scope="module")
def scene(server: Server) -> Iterator[Scene]:
    zj = HttpZhejiang(server.url, server.root)
    round_id = zj.round()
    nomination = zj.log.nominate(zj.key(Role.RECOMMENDER), round_id, zj.hangzhou, details("甲"))
    revoked = Signer.generate()
    actor = zj.log.enrol_actor(zj.registrar, zj.zhejiang, "离职审核人", [Role.REVIEWER], revoked)
    zj.log.decide(zj.registrar, actor, "ActorKeyRevoked", {"key": revoked.key_id, "reason": "离职"})
    yield Scene(server, zj, round_id, nomination, revoked)
    zj.client.close()


def tampered_signature(scene: Scene) -> httpx.Request:
    wire = scene.review().to_wire()
    raw = bytearray(base64.b64decode(wire["signature"]))
    raw[0] ^= 1
    wire["signature"] = base64.b64encode(bytes(raw)).decode()
    return scene.post_event(scene.reviews, wire)


def with_wire(change: Callable[[dict[str, Any]], None]) -> Callable[[Scene], httpx.Request]:
    def build(scene: Scene) -> httpx.Request:
        wire = scene.review().to_wire()
        change(wire)
        return scene.post_event(scene.reviews, wire)

    return build


def replayed_read(scene: Scene) -> httpx.Request:
    request = scene.signed_get("/v1/whoami", scene.zj.key(Role.REVIEWER))
    with httpx.Client() as client:
        assert client.send(request).status_code == 200
    return request


def replayed_event(scene: Scene) -> httpx.Request:
    """A signed event that was accepted once, POSTed again as it was."""
    signed = scene.zj.log.sign_next(
        scene.zj.key(Role.REVIEWER),
        scene.nomination,
        "NominationReviewed",
        {"decision": "returned", "reasons": ["补充材料"]},
    )
    scene.zj.client.submit(signed)
    return scene.post_event(scene.reviews, signed)


def tampered_read(scene: Scene) -> httpx.Request:
    request = scene.signed_get("/v1/whoami", scene.zj.key(Role.REVIEWER))
    return httpx.Request("GET", f"{scene.server.url}/v1/whoami?as=root", headers=request.headers)


def set_path(path: list[str], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(wire: dict[str, Any]) -> None:
        target = wire
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


CASES: dict[str, tuple[Callable[[Scene], httpx.Request], int, str]] = {
    "malformed JSON": (lambda s: s.post(s.reviews, b'{"envelope": {'), 422, "malformed-envelope"),
    "not an object": (lambda s: s.post(s.reviews, b"[1, 2]"), 422, "malformed-envelope"),
    "wrong type of version": (
        with_wire(set_path(["envelope", "version"], "2")),
        422,
        "malformed-envelope",
    ),
    "wrong type of payload": (
        with_wire(set_path(["envelope", "payload"], ["approved"])),
        422,
        "malformed-envelope",
    ),
    "a float": (
        lambda s: s.post(
            s.reviews,
            msgspec.json.encode(s.review().to_wire()).replace(
                b'"decision":"approved"', b'"decision":"approved","score":1.5'
            ),
        ),
        422,
        "float-not-allowed",
    ),
    "unknown member on the wire": (with_wire(set_path(["note"], "x")), 422, "malformed-envelope"),
    "unknown member in the envelope": (
        with_wire(set_path(["envelope", "note"], "x")),
        422,
        "malformed-envelope",
    ),
    "unknown field in the payload": (
        lambda s: s.post_event(
            s.reviews,
            s.zj.log.sign_next(
                s.zj.key(Role.REVIEWER),
                s.nomination,
                "NominationReviewed",
                {"decision": "approved", "grade": "A"},
            ),
        ),
        422,
        "invalid-payload",
    ),
    "a huge body": (
        lambda s: s.post(s.reviews, b'{"a":"' + b"x" * 2_000_000 + b'"}'),
        413,
        "body-too-large",
    ),
    "not JSON": (
        lambda s: s.post(
            s.reviews, b"decision=approved", {"content-type": "application/x-www-form-urlencoded"}
        ),
        415,
        "unsupported-media-type",
    ),
    "bad event signature": (tampered_signature, 401, "bad-signature"),
    "unknown key": (
        lambda s: s.post_event(s.reviews, s.review(Signer.generate(), 2)),
        403,
        "unknown-key",
    ),
    "revoked key": (lambda s: s.post_event(s.reviews, s.review(s.revoked)), 403, "revoked-key"),
    "wrong role": (
        lambda s: s.post_event(s.reviews, s.review(s.zj.key(Role.RECOMMENDER))),
        403,
        "wrong-role",
    ),
    "outside jurisdiction": (
        lambda s: s.post_event(s.reviews, s.review(s.zj.key("national_reviewer"))),
        403,
        "outside-jurisdiction",
    ),
    "unknown event type": (
        lambda s: s.post_event(
            "/v1/events",
            s.zj.key(Role.REVIEWER).sign(
                s.nomination, 2, "NominationPromoted", {}, s.zj.calendar.now()
            ),
        ),
        422,
        "unknown-event-type",
    ),
    "stale version": (
        lambda s: s.post_event(s.reviews, s.review(version=1)),
        409,
        "version-conflict",
    ),
    "replayed event": (replayed_event, 409, "version-conflict"),
    "broken rule": (
        lambda s: s.post_event(
            "/v1/nominations",
            s.zj.log.sign_next(
                s.zj.key(Role.RECOMMENDER),
                s.zj.log.new_id(),
                "NominationSubmitted",
                {"round": s.round_id, "unit": s.zj.hangzhou, "details": details("甲")},
            ),
        ),
        422,
        "already-nominated",
    ),
    "event at another type's route": (
        lambda s: s.post_event(f"/v1/rounds/{s.round_id}/closure", s.review()),
        422,
        "route-mismatch",
    ),
    "event about another record": (
        lambda s: s.post_event(f"/v1/nominations/{s.round_id}/reviews", s.review()),
        422,
        "route-mismatch",
    ),
    "unknown certificate number": (
        lambda s: s.post_event(
            "/v1/certificates/S33-2029-99999/benefits",
            s.zj.key(Role.CULTIVATION_OFFICER).sign(
                s.zj.log.new_id(),
                2,
                "BenefitDelivered",
                {"benefit": "visit", "date": "2029-05-10", "detail": "慰问"},
            ),
        ),
        404,
        "not-found",
    ),
    "genesis over HTTP": (
        lambda s: s.post_event(
            "/v1/events",
            Signer.generate().sign(
                s.zj.log.new_id(),
                1,
                "RegistryFounded",
                {
                    "origin": "x",
                    "root_public_key": "",
                    "national_federation": s.zj.log.new_id(),
                    "national_federation_name": "x",
                    "root_actor": s.zj.log.new_id(),
                    "root_actor_name": "x",
                },
            ),
        ),
        422,
        "genesis",
    ),
    "unknown route": (lambda s: s.post("/v1/nope", b"{}"), 404, "not-found"),
    "unknown record": (
        lambda s: s.signed_get(f"/v1/streams/{s.zj.log.new_id()}/version", s.zj.key(Role.REVIEWER)),
        404,
        "not-found",
    ),
    "method not allowed": (
        lambda s: httpx.Request("DELETE", f"{s.server.url}/v1/rounds"),
        405,
        "method-not-allowed",
    ),
    "unsigned read": (
        lambda s: httpx.Request("GET", f"{s.server.url}/v1/whoami"),
        401,
        "signature-required",
    ),
    "replayed request signature": (replayed_read, 401, "replayed-request"),
    "tampered signed read": (tampered_read, 401, "bad-signature"),
    "expired request signature": (
        lambda s: s.signed_get(
            "/v1/whoami",
            s.zj.key(Role.REVIEWER),
            clock=lambda: datetime.now(UTC) - timedelta(minutes=6),
        ),
        401,
        "request-expired",
    ),
    "read signed by an unknown key": (
        lambda s: s.signed_get("/v1/whoami", Signer.generate()),
        403,
        "unknown-key",
    ),
    "read signed by a revoked key": (
        lambda s: s.signed_get("/v1/whoami", s.revoked),
        403,
        "revoked-key",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_input_is_refused_with_its_problem_and_the_store_unchanged(
    scene: Scene, case: str
) -> None:
    build, status, code = CASES[case]
    request = build(scene)
    before = scene.server.log()
    with httpx.Client(timeout=30) as client:
        response = client.send(request)
    assert scene.server.log() == before
    assert (response.status_code, response.headers["content-type"]) == (
        status,
        "application/problem+json",
    ), response.text
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["type"] == f"urn:craftreg:problem:{code}"
    assert re.search(r"[\u4e00-\u9fff]", problem["zh"]), problem["zh"]
    assert problem["en"] and problem["detail"] == problem["en"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_version_conflict_names_the_current_version(scene: Scene) -> None:
    current = scene.zj.client.stream_version(scene.nomination, signer=scene.zj.key(Role.REVIEWER))
    with httpx.Client(timeout=30) as client:
        response = client.send(scene.post_event(scene.reviews, scene.review(version=current)))
    assert response.status_code == 409
    problem = response.json()
    assert (problem["stream"], problem["current_version"]) == (scene.nomination, current)
