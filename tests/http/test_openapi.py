"""The OpenAPI document at /schema: every decision route, with examples that are real events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from craftreg.domain.catalogue import KINDS
from craftreg.domain.envelope import from_wire
from craftreg.http.app import create_app
from craftreg.http.decisions import ANY_EVENT, DECISION_ROUTES, ROUTE_OF_TYPE
from craftreg.http.specimens import _story
from craftreg.ledger.checkpoints import Checkpoint
from craftreg.ledger.note import open_note
from craftreg.settings import Settings

# Events that only tooling writes (through /v1/events) or only `craftreg init`.
NOT_DECISIONS = {"RegistryFounded", "LogKeyPublished"}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(database_url=f"sqlite:///{tmp / 'o.sqlite3'}", key_dir=str(tmp))
    with TestClient(create_app(settings)) as client:
        document: dict[str, Any] = client.get("/schema/openapi.json").json()
    return document


def test_every_kind_of_decision_has_its_resource_route() -> None:
    assert set(KINDS) - NOT_DECISIONS == set(ROUTE_OF_TYPE)
    assert set(ANY_EVENT.types) == set(KINDS) - {"RegistryFounded"}


def test_the_specimen_story_is_admitted_whole() -> None:
    log = _story()
    assert log.refused == []
    assert {s.envelope.type for s in log.events} == set(KINDS)


@pytest.mark.parametrize("route", [*DECISION_ROUTES, ANY_EVENT], ids=lambda r: r.path)
def test_every_decision_route_is_documented_with_real_examples(
    openapi: dict[str, Any], route: Any
) -> None:
    operation = openapi["paths"][route.path]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert set(body["examples"]) == set(route.types)
    for example in body["examples"].values():
        signed = from_wire(example["value"])  # a well-formed signed event, not a sketch
        assert (
            signed.envelope.type
            in body["schema"]["properties"]["envelope"]["properties"]["type"]["enum"]
        )
    responses = operation["responses"]
    assert responses["201"]["content"]["application/json"]["examples"]
    for status in ("401", "403", "409", "422"):
        content = responses[status]["content"]["application/problem+json"]
        assert content["examples"], status
    if "{record}" in route.path:
        (parameter,) = operation["parameters"]
        assert parameter["name"] == "record" and parameter["description"]


@pytest.mark.parametrize(
    "path", ["/v1/streams/{stream}/version", "/v1/whoami", "/v1/discipline/reach"]
)
def test_signed_reads_are_documented_as_such(openapi: dict[str, Any], path: str) -> None:
    operation = openapi["paths"][path]["get"]
    assert operation["security"] == [{"httpSignature": []}]
    assert operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert "httpSignature" in openapi["components"]["securitySchemes"]


@pytest.mark.parametrize("path", ["/v1/ledger/checkpoint", "/v1/ledger/checkpoints/{size}"])
def test_checkpoints_are_documented_as_cosigned_notes(openapi: dict[str, Any], path: str) -> None:
    responses = openapi["paths"][path]["get"]["responses"]
    (example,) = responses["200"]["content"]["text/plain"]["examples"].values()
    text, signatures = open_note(example["value"])  # a signed note, not a sketch
    assert Checkpoint.parse(text).size == 18 and len(signatures) == 2
    (missing,) = responses["404"]["content"]["application/problem+json"]["examples"].values()
    assert missing["value"]["code"] == "unknown-checkpoint"


def test_the_checkpoint_list_is_documented_with_an_example(openapi: dict[str, Any]) -> None:
    operation = openapi["paths"]["/v1/ledger/checkpoints"]["get"]
    (example,) = operation["responses"]["200"]["content"]["application/json"]["examples"].values()
    assert set(example["value"]["items"][0]) == {"size", "published_at", "cosignatures"}
    assert {p["name"] for p in operation["parameters"]} == {"cosigned", "cursor", "limit"}


def test_the_reach_route_documents_each_refusal_of_its_query(openapi: dict[str, Any]) -> None:
    operation = openapi["paths"]["/v1/discipline/reach"]["get"]
    examples = operation["responses"]["400"]["content"]["application/problem+json"]["examples"]
    codes = {example["value"]["code"] for example in examples.values()}
    assert codes == {
        "reach-criterion-missing",
        "reach-criteria-several",
        "malformed-evidence-hash",
        "malformed-key-id",
        "bad-request",
    }
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"evidence", "unit", "assessor", "signer"} <= parameters
