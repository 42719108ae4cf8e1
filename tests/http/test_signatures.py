"""RFC 9421 request signatures: what verifies, and each way a signed request is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from craftreg.domain.authority import Role
from craftreg.domain.errors import BadSignature, RegistryError, RevokedKey, UnknownKey, WrongRole
from craftreg.http.problems import ReplayedRequest, RequestExpired, SignatureRequired
from craftreg.http.signatures import (
    MemoryNonces,
    PostgresNonces,
    RequestSigner,
    RequestVerifier,
    SignedRequest,
    nonce_cache_for,
)
from craftreg.keys import Signer
from tests.helpers import Cast, MemoryLog


@pytest.fixture
def cast() -> Cast:
    return Cast(MemoryLog())


def received(request: httpx.Request) -> SignedRequest:
    """The request as the server reads it off the socket."""
    return SignedRequest(
        method=request.method,
        path=request.url.raw_path.split(b"?")[0].decode(),
        query=request.url.query.decode(),
        headers=list(request.headers.multi_items()),
        body=request.content,
    )


def signed(
    signer: Signer,
    method: str = "GET",
    url: str = "http://x/v1/cases?status=open",
    body: bytes = b"",
    **clock: object,
) -> httpx.Request:
    request = httpx.Request(method, url, content=body)
    RequestSigner(signer, **clock).sign(request, body)  # type: ignore[arg-type]
    return request


def verify(
    cast: Cast, request: httpx.Request | SignedRequest, verifier: RequestVerifier | None = None
) -> object:
    verifier = verifier or RequestVerifier(MemoryNonces())
    message = request if isinstance(request, SignedRequest) else received(request)
    return verifier.verify(message, cast.log.current().chain)


def test_a_signed_request_names_its_enrolled_signer(cast: Cast) -> None:
    requester = verify(cast, signed(cast.zj_registrar_key, "POST", body=b'{"a":1}'))
    assert requester.actor == cast.zj_registrar  # type: ignore[attr-defined]
    assert requester.roles == frozenset({Role.REGISTRAR})  # type: ignore[attr-defined]
    requester.require(Role.REGISTRAR)  # type: ignore[attr-defined]
    with pytest.raises(WrongRole):
        requester.require(Role.AUDITOR)  # type: ignore[attr-defined]


def test_the_same_signature_twice_is_a_replay(cast: Cast) -> None:
    verifier = RequestVerifier(MemoryNonces())
    request = signed(cast.zj_registrar_key)
    verify(cast, request, verifier)
    with pytest.raises(ReplayedRequest):
        verify(cast, request, verifier)
    verify(cast, signed(cast.zj_registrar_key), verifier)  # a new signature, a new nonce


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"method": "DELETE"}, "method"),
        ({"path": "/v1/cases/other"}, "path"),
        ({"query": "status=closed"}, "query"),
        ({"body": b'{"a":2}'}, "body"),
    ],
)
def test_every_covered_component_is_bound(cast: Cast, change: dict[str, object], what: str) -> None:
    message = received(signed(cast.zj_registrar_key, "POST", body=b'{"a":1}'))
    tampered = SignedRequest(**{**message.__dict__, **change})  # type: ignore[arg-type]
    with pytest.raises(BadSignature):
        verify(cast, tampered)


@pytest.mark.parametrize(
    ("clock", "error"),
    [
        (lambda: datetime.now(UTC) - timedelta(minutes=5, seconds=1), RequestExpired),
        (lambda: datetime.now(UTC) + timedelta(minutes=1), RequestExpired),
    ],
    ids=["expired", "from-the-future"],
)
def test_the_validity_window(cast: Cast, clock: object, error: type[RegistryError]) -> None:
    with pytest.raises(error):
        verify(cast, signed(cast.zj_registrar_key, clock=clock))


def library_signed(signer: Signer, **options: object) -> httpx.Request:
    request = httpx.Request("GET", "http://x/v1/cases")
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={signer.key_id: signer.private_key}
        ),
    ).sign(request, key_id=signer.key_id, tag="craftreg", body=b"", label="craftreg", **options)  # type: ignore[arg-type]
    return request


def test_a_window_longer_than_five_minutes_is_refused(cast: Cast) -> None:
    now = datetime.now(UTC)
    request = library_signed(
        cast.zj_registrar_key,
        created=now,
        expires=now + timedelta(minutes=10),
        nonce="n" * 20,
        covered_component_ids=("@method", "@path", "@query", "content-digest"),
    )
    with pytest.raises(RequestExpired):
        verify(cast, request)


def test_a_signature_must_cover_path_and_query_and_carry_a_nonce(cast: Cast) -> None:
    now = datetime.now(UTC)
    narrow = library_signed(
        cast.zj_registrar_key,
        created=now,
        expires=now + timedelta(minutes=1),
        nonce="n" * 20,
        covered_component_ids=("@method",),
    )
    with pytest.raises(BadSignature):
        verify(cast, narrow)
    no_nonce = library_signed(
        cast.zj_registrar_key,
        created=now,
        expires=now + timedelta(minutes=1),
        covered_component_ids=("@method", "@path", "@query", "content-digest"),
    )
    with pytest.raises(BadSignature):
        verify(cast, no_nonce)


def test_only_the_craftreg_signature_of_a_request_counts(cast: Cast) -> None:
    request = signed(cast.zj_registrar_key, "GET", "http://x/v1/cases")
    now = datetime.now(UTC)
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={"other": Signer.generate().private_key}
        ),
    ).sign(
        request,
        key_id="other",
        tag="craftreg",
        label="other",
        created=now,
        expires=now + timedelta(minutes=1),
        append_if_signature_exists=True,
        use_existing_digest=True,
        covered_component_ids=("@method",),
    )
    assert verify(cast, request).actor == cast.zj_registrar  # type: ignore[attr-defined]


def test_unknown_and_revoked_keys_and_unsigned_requests(cast: Cast) -> None:
    with pytest.raises(UnknownKey):
        verify(cast, signed(Signer.generate()))
    cast.log.decide(
        cast.root,
        cast.zj_registrar,
        "ActorKeyRevoked",
        {"key": cast.zj_registrar_key.key_id, "reason": "遗失"},
    )
    with pytest.raises(RevokedKey):
        verify(cast, signed(cast.zj_registrar_key))
    with pytest.raises(SignatureRequired):
        verify(cast, httpx.Request("GET", "http://x/v1/cases"))


def test_the_replay_cache_is_shared_by_every_worker(database_url: str) -> None:
    """On PostgreSQL the nonces live in a table: a replay to another worker is refused too."""
    first, second = nonce_cache_for(database_url), nonce_cache_for(database_url)
    try:
        until = int(time.time()) + 60
        if database_url.startswith("sqlite"):
            assert isinstance(first, MemoryNonces)  # SQLite is served by a single worker
            assert first.first_use("k:n", until) and not first.first_use("k:n", until)
            return
        assert isinstance(first, PostgresNonces)
        assert first.first_use("k:n", until)
        assert not second.first_use("k:n", until)
        assert second.first_use("k:m", until)
        assert first.first_use("k:old", int(time.time()) - 1)
        assert second.first_use("k:old", until)  # a nonce past its window may be taken again
    finally:
        first.close()
        second.close()
