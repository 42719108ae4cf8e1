"""Abuse protections of the app, in process: rate limits, CORS, security headers, body size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from craftreg.http.abuse import MAX_BODY_BYTES
from craftreg.http.app import create_app
from craftreg.http.specimens import specimens
from craftreg.settings import Settings


def client_for(tmp_path: Path, **settings: object) -> TestClient:  # type: ignore[type-arg]
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", key_dir=str(tmp_path), **settings
    )  # type: ignore[arg-type]
    return TestClient(create_app(config))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with client_for(tmp_path, public_rate_limit=3) as test_client:
        yield test_client


def test_public_routes_are_rate_limited_with_a_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    answers = [client.get("/v1/health") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    problem = answers[-1].json()
    assert problem["code"] == "rate-limited" and problem["zh"] and problem["en"]
    assert answers[-1].headers["content-type"] == "application/problem+json"
    # Decision routes are not public: their refusals are never rate limits.
    assert (
        client.post(
            "/v1/rounds", content=b"{}", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_cors_is_closed_by_default(client: TestClient) -> None:  # type: ignore[type-arg]
    origin = {"origin": "https://evil.example"}
    assert "access-control-allow-origin" not in client.get("/v1/health", headers=origin).headers
    preflight = client.options(
        "/v1/rounds", headers={**origin, "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_opens_to_the_configured_origins_only(tmp_path: Path) -> None:
    with client_for(tmp_path, cors_origins="https://registry.example") as client:
        allowed = client.get("/v1/health", headers={"origin": "https://registry.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://registry.example"
        other = client.get("/v1/health", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("path", ["/v1/health", "/v1/nope", "/schema/openapi.json"])
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:  # type: ignore[type-arg]
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:  # type: ignore[type-arg]
    answer = client.post(
        "/v1/events",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "body-too-large"


def test_an_unexpected_error_answers_500_without_a_trace(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        registry = client.app.state.registry

        def broken(*_: object) -> None:
            raise RuntimeError("secret internals /etc/passwd")

        registry.submit = broken
        wire = msgspec.json.encode(specimens()["OrganisationRegistered"].to_wire())
        answer = client.post(
            "/v1/organisations", content=wire, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 500
    assert answer.json()["code"] == "internal-error"
    assert "secret" not in answer.text and "Traceback" not in answer.text
