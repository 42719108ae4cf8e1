"""Signed requests (请求签名): RFC 9421 HTTP Message Signatures with Ed25519.

A restricted read (identity data, discipline cases, full history, the stream version an
officer signs against) must come from an enrolled actor. The client signs with the same
Ed25519 key it signs events with, ``keyid`` being the key id of docs/event-format.md §3:

* covered components: ``@method``, ``@path``, ``@query`` and ``content-digest`` (RFC 9530,
  SHA-256 of the body — of the empty body for a GET);
* parameters: ``created`` and ``expires`` (at most :data:`WINDOW` apart, 5 minutes), a random
  ``nonce``, ``keyid``, ``alg="ed25519"`` and the tag ``craftreg``;
* the server refuses a signature outside its window (``request-expired``), one whose nonce it
  has already seen while that window lasts (``replayed-request``: the cache is in PostgreSQL
  so that every worker sees it), one that does not verify (``bad-signature``), and a key that
  is unknown, revoked or replaced in the chain of authority as it stands now (403).

Routes use :func:`signed_by` as a guard, and take the verified signer as the dependency
``requester`` (:func:`provide_requester`); a request is verified once, whichever asks first.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import anyio.to_thread
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from craftreg.application import Registry
from craftreg.domain.authority import Chain, Role
from craftreg.domain.errors import BadSignature, RegistryError, WrongRole
from craftreg.http.problems import ReplayedRequest, RequestExpired, SignatureRequired
from craftreg.keys import Signer
from craftreg.settings import backend_of, persistence_env

COVERED = ("@method", "@path", "@query", "content-digest")
WINDOW = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=5)
TAG = "craftreg"
LABEL = "craftreg"

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Requester:
    """The enrolled actor whose key signed this request (经办人), as the chain stands now."""

    key_id: str
    actor: str
    name: str
    organisation: str
    roles: frozenset[Role]
    province: str | None  # where its organisation lies; None at the national level

    @property
    def jurisdiction(self) -> str | None:
        """The one province whose people it may read; None: all (an auditor, the national level)."""
        return None if Role.AUDITOR in self.roles else self.province

    def sees_identity(self, province: object) -> bool:
        """Identity fields (digest, birth date) of a row in ``province``: for reviewers and
        auditors, within their jurisdiction; for no one else."""
        reader = Role.REVIEWER in self.roles or Role.AUDITOR in self.roles
        return reader and self.jurisdiction in (None, province)

    def require(self, *roles: Role) -> None:
        """One of ``roles`` at least; no roles: any enrolled actor."""
        if roles and not self.roles.intersection(roles):
            wanted = "、".join(r.value for r in roles)
            raise WrongRole(
                f"{self.name} 不具有“{wanted}”角色，无权查看此内容。",
                f"{self.name} does not hold the role '{' or '.join(roles)}' this read needs.",
            )


# --- the client side -------------------------------------------------------------------


class RequestSigner:
    """Signs an outgoing request (an ``httpx.Request`` or anything with method/url/headers)."""

    def __init__(self, signer: Signer, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.key_id = signer.key_id
        self.clock = clock
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519,
            key_resolver=MappingKeyResolver(
                public_keys={}, private_keys={signer.key_id: signer.private_key}
            ),
        )

    def sign(self, request: Any, body: bytes = b"") -> None:
        created = self.clock().replace(microsecond=0)
        self._signer.sign(
            request,
            key_id=self.key_id,
            created=created,
            expires=created + WINDOW,
            nonce=secrets.token_urlsafe(18),
            label=LABEL,
            tag=TAG,
            covered_component_ids=COVERED,
            body=body,
        )


# --- the replay cache ------------------------------------------------------------------


class NonceCache(Protocol):
    def first_use(self, nonce: str, until: int) -> bool:
        """Remember ``nonce`` until the Unix time ``until``; False if it was already seen."""

    def close(self) -> None: ...


class MemoryNonces:
    """One process's memory: enough for SQLite, which is served by a single worker."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def first_use(self, nonce: str, until: int) -> bool:
        now = int(time.time())
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {n: t for n, t in self._seen.items() if t >= now}
            if self._seen.get(nonce, -1) >= now:
                return False
            self._seen[nonce] = until
            return True

    def close(self) -> None:
        return None


class PostgresNonces:
    """A table beside the store, shared by every worker behind the port."""

    def __init__(self, database_url: str) -> None:
        env = persistence_env(database_url)
        self._conninfo = psycopg.conninfo.make_conninfo(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
        )
        table = psycopg.sql.Identifier(*filter(None, (env["POSTGRES_SCHEMA"], "request_nonces")))
        self._insert = psycopg.sql.SQL(
            "INSERT INTO {} (nonce, expires_at) VALUES (%s, %s) ON CONFLICT (nonce) DO "
            "UPDATE SET expires_at = excluded.expires_at WHERE {}.expires_at < %s"
        ).format(table, table)
        self._prune = psycopg.sql.SQL("DELETE FROM {} WHERE expires_at < %s").format(table)
        self._lock = threading.Lock()
        self._uses = 0
        self._conn = psycopg.connect(self._conninfo, autocommit=True)
        if env["POSTGRES_SCHEMA"]:
            self._conn.execute(
                psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    psycopg.sql.Identifier(env["POSTGRES_SCHEMA"])
                )
            )
        self._conn.execute(
            psycopg.sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (nonce text PRIMARY KEY, expires_at bigint NOT NULL)"
            ).format(table)
        )

    def first_use(self, nonce: str, until: int) -> bool:
        now = int(time.time())
        with self._lock:
            if self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
            self._uses += 1
            if self._uses % 1000 == 0:
                self._conn.execute(self._prune, (now,))
            # A nonce whose window has passed may be taken again (and would be refused as expired).
            return self._conn.execute(self._insert, (nonce, until, now)).rowcount == 1

    def close(self) -> None:
        self._conn.close()


def nonce_cache_for(database_url: str) -> NonceCache:
    if backend_of(database_url) == "postgres":
        return PostgresNonces(database_url)
    return MemoryNonces()


# --- the server side -------------------------------------------------------------------


class _ChainKeys(HTTPSignatureKeyResolver):
    """Public keys from the chain of authority; an unknown or retired key is refused as such."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        _, key = self.chain.signer(key_id)  # raises UnknownKey / RevokedKey
        return Ed25519PublicKey.from_public_bytes(key.public_key)


class _WindowVerifier(HTTPMessageVerifier):
    """The library's verifier, with this registry's window instead of its defaults."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        params = sig_input.params
        created, expires = params.get("created"), params.get("expires")
        if type(created) is not int or type(expires) is not int:
            raise RequestExpired(
                "请求签名须带 created 和 expires 时间。",
                "a request signature needs both 'created' and 'expires'.",
            )
        now = time.time()
        if expires - created > WINDOW.total_seconds():
            raise RequestExpired(
                "请求签名有效期不得超过 5 分钟。",
                "a request signature may be valid for 5 minutes at most.",
            )
        if created > now + CLOCK_SKEW.total_seconds() or expires < now:
            raise RequestExpired(
                "请求签名已过期或时间不对，请检查本机时钟后重新签名。",
                "the request signature has expired or is not yet valid: check the clock and "
                "sign again.",
            )


@dataclass(frozen=True)
class SignedRequest:
    """What the verifier reads of a request: its method, raw path and query, headers, body."""

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]  # every field line, in order
    body: bytes


class _Message:
    """The shape http_message_signatures reads; the authority is not covered, so any host."""

    def __init__(self, request: SignedRequest) -> None:
        self.method = request.method
        self.url = f"http://craftreg{request.path}" + (f"?{request.query}" if request.query else "")
        self.headers = _Headers(list(request.headers))


class _Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return self._pairs


class RequestVerifier:
    def __init__(self, nonces: NonceCache) -> None:
        self.nonces = nonces

    def verify(self, request: SignedRequest, chain: Chain) -> Requester:
        names = {name.lower() for name, _ in request.headers}
        if not {"signature", "signature-input"} <= names:
            raise SignatureRequired(
                "此内容仅向已登记的经办人开放：请求须用本人密钥签名（RFC 9421），可使用 craftreg get。",
                "this resource needs a request signed with an enrolled key (RFC 9421); "
                "`craftreg get` signs for you.",
            )
        verifier = _WindowVerifier(
            signature_algorithm=algorithms.ED25519, key_resolver=_ChainKeys(chain)
        )
        try:
            (result,) = verifier.verify(
                _Message(request),
                expect_tag=TAG,
                expect_label=LABEL,  # one signature only, whatever else the request carries
                require_components=COVERED,
                body=request.body,
                max_age=None,
            )
        except InvalidSignature as exc:
            if isinstance(exc.__cause__, RegistryError):
                raise exc.__cause__ from None
            raise _bad_signature(exc) from None
        except HTTPMessageSignaturesException as exc:
            raise _bad_signature(exc) from None
        nonce, key_id = result.parameters.get("nonce"), str(result.parameters["keyid"])
        if not isinstance(nonce, str) or not 16 <= len(nonce) <= 128:
            raise _bad_signature("the signature needs a random nonce of 16 to 128 characters")
        if not self.nonces.first_use(f"{key_id}:{nonce}", int(result.parameters["expires"])):
            raise ReplayedRequest(
                "此请求签名已使用过：每个请求须重新签名。",
                "this request signature was already used: sign each request afresh.",
            )
        actor, _ = chain.signer(key_id)
        province = chain.organisation_province(actor.organisation)
        return Requester(key_id, actor.id, actor.name, actor.organisation, actor.roles, province)


def _bad_signature(reason: object) -> BadSignature:
    return BadSignature(
        f"请求签名无效（{reason}）。", f"the request signature does not verify: {reason}."
    )


# --- Litestar: the guard and the dependency ---------------------------------------------


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Requester:
    """Verify the request's signature once; later callers get the same answer."""
    found = connection.scope.get("craftreg_requester")
    if isinstance(found, Requester):
        return found
    assert isinstance(connection, Request), "signed routes are HTTP routes"
    body = await connection.body()
    signed = SignedRequest(
        method=connection.method,
        path=connection.scope.get("raw_path", connection.scope["path"].encode()).decode("latin-1"),
        query=connection.scope.get("query_string", b"").decode("latin-1"),
        headers=list(connection.headers.multi_items()),
        body=body,
    )
    registry: Registry = connection.app.state.registry
    verifier: RequestVerifier = connection.app.state.verifier

    def verify() -> Requester:
        return verifier.verify(signed, registry.current().chain)

    requester = await anyio.to_thread.run_sync(verify)
    connection.scope["craftreg_requester"] = requester  # type: ignore[typeddict-unknown-key]
    return requester


def signed_by(*roles: Role) -> Guard:
    """A guard: the request is signed by an enrolled actor holding one of ``roles`` (any if none)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        (await authenticate(connection)).require(*roles)

    return guard


async def provide_requester(request: Request[Any, Any, Any]) -> Requester:
    return await authenticate(request)
