"""Certificates out (证书核验与证书文件): verification, documents, share codes, status list.

* ``GET /v1/certificates/{number}/verification[?code=]`` — public: the status and the
  certificate's public facts, the holder's name masked unless the code is right; the answer is
  a receipt signed by the log key (craftreg/certify/receipt.py);
* ``GET /v1/certificates/{number}/document[?code=]`` and ``…/document.pdf`` — the signed
  credential and its printable form, for the holder's code or a signed request by a certifier,
  registrar or auditor;
* ``GET /v1/certificates/{number}/draft`` and ``PUT …/document`` — the certifier's round trip:
  the unsigned credential, then the document signed on their machine (craftreg/certify/
  documents.py);
* ``POST /v1/certificates/{number}/share-codes`` and ``…/share-codes/{id}/withdrawal`` — the
  holder's time-limited share codes;
* ``GET /v1/status-lists/revocation/{n}`` — the signed revocation status lists (1, 2, …).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import msgspec
import psycopg
from eventsourcing.persistence import PersistenceError
from litestar import MediaType, Request, Response, get, post, put
from litestar.handlers import HTTPRouteHandler
from litestar.params import PathParameter, QueryParameter

from craftreg.application import Registry
from craftreg.certify.codes import BadShareRequest
from craftreg.certify.documents import (
    CertificateIsRevoked,
    draft,
    store_document,
    stored_document,
)
from craftreg.certify.service import STATUS_LISTS, Certify
from craftreg.domain.authority import Role
from craftreg.http.abuse import PUBLIC
from craftreg.http.problems import NotFound
from craftreg.http.signatures import Requester, authenticate, signed_by
from craftreg.http.views import Number
from craftreg.settings import Settings

Code = Annotated[str | None, QueryParameter(name="code", max_length=64)]
ListNumber = Annotated[int, PathParameter(ge=1, le=1_000_000, description="the list's number")]
READERS = (Role.CERTIFIER, Role.REGISTRAR, Role.AUDITOR)
_lock = threading.Lock()


def certify_of(request: Request[Any, Any, Any]) -> Certify:
    """One :class:`Certify` per application, made on first use."""
    state = request.app.state
    found = state.get("certify")
    if found is None:
        with _lock:
            found = state.get("certify")
            if found is None:
                registry: Registry = state.registry
                settings: Settings = state.get("settings") or Settings.from_env()
                found = _open_certify(registry, settings)
                state["certify"] = found
    assert isinstance(found, Certify)
    return found


def _open_certify(registry: Registry, settings: Settings) -> Certify:
    """Workers starting together may race to create the same tables (PostgreSQL's CREATE
    TABLE IF NOT EXISTS is not atomic between sessions, and a first opening of the views makes
    them anew); the loser finds them made on the next try."""
    for attempt in range(5):
        try:
            return Certify(registry, Path(settings.key_dir), settings.public_url)
        except (PersistenceError, psycopg.Error):
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def client_of(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


@get(
    "/v1/certificates/{number:str}/verification",
    opt=PUBLIC,
    summary="证书核验 Verify a certificate (public; signed receipt)",
    tags=["certificates"],
)
async def verification(
    request: Request[Any, Any, Any], number: Number, code: Code
) -> dict[str, Any]:
    certify = certify_of(request)
    client = client_of(request)
    return await anyio.to_thread.run_sync(lambda: certify.verify(number, code, client))


async def _holder_or_reader(
    request: Request[Any, Any, Any], number: Number, code: str | None
) -> None:
    """The holder's code, or a request signed by a certifier, registrar or auditor."""
    certify = certify_of(request)
    if code:
        row = await anyio.to_thread.run_sync(lambda: _row(certify, number))
        client = client_of(request)
        await anyio.to_thread.run_sync(lambda: certify.codes.check(row, code, client))
        return
    requester: Requester = await authenticate(request)
    requester.require(*READERS)


def _row(certify: Certify, number: str) -> dict[str, Any]:
    certify.position()
    row = certify.certificate(number)
    if row is None:
        raise NotFound(
            f"没有编号为 {number} 的证书。", f"there is no certificate numbered {number}."
        )
    return row


def _document(certify: Certify, number: str) -> dict[str, Any]:
    document = stored_document(certify, number)
    if document is None:
        raise NotFound(
            f"证书 {number} 的证书文件尚未由发证人签发。",
            f"the certifier has not yet issued the document of certificate {number}.",
        )
    return document


@get(
    "/v1/certificates/{number:str}/document",
    summary="证书文件 The signed credential (holder's code or signed read)",
    tags=["certificates"],
)
async def document(request: Request[Any, Any, Any], number: Number, code: Code) -> Response[bytes]:
    await _holder_or_reader(request, number, code)
    certify = certify_of(request)
    found = await anyio.to_thread.run_sync(lambda: _document(certify, number))
    return Response(
        msgspec.json.encode(found),
        media_type="application/vc+json",
        headers={"content-disposition": f'attachment; filename="{number}.json"'},
    )


@get(
    "/v1/certificates/{number:str}/document.pdf",
    summary="证书 PDF The printable certificate (holder's code or signed read)",
    tags=["certificates"],
    media_type="application/pdf",
)
async def document_pdf(
    request: Request[Any, Any, Any], number: Number, code: Code
) -> Response[bytes]:
    from craftreg.certify.pdf import certificate_pdf

    await _holder_or_reader(request, number, code)
    certify = certify_of(request)
    root = base_url(request)

    def render() -> bytes:
        found = _document(certify, number)
        return certificate_pdf(found, certify.public_url or root, code)

    return Response(await anyio.to_thread.run_sync(render), media_type="application/pdf")


@get(
    "/v1/certificates/{number:str}/draft",
    guards=[signed_by(Role.CERTIFIER)],
    summary="证书文件草稿 The unsigned credential for its certifier (signed read)",
    tags=["certificates"],
    security=[{"httpSignature": []}],
)
async def document_draft(request: Request[Any, Any, Any], number: Number) -> dict[str, Any]:
    requester = await authenticate(request)
    certify = certify_of(request)
    root = base_url(request)
    return await anyio.to_thread.run_sync(lambda: draft(certify, number, requester.key_id, root))


@put(
    "/v1/certificates/{number:str}/document",
    guards=[signed_by(Role.CERTIFIER)],
    summary="交回证书文件 The document signed by its certifier (signed request)",
    tags=["certificates"],
    security=[{"httpSignature": []}],
)
async def document_upload(request: Request[Any, Any, Any], number: Number) -> dict[str, Any]:
    requester = await authenticate(request)
    body = await request.body()
    certify = certify_of(request)
    root = base_url(request)
    try:
        signed = msgspec.json.decode(body)
    except msgspec.DecodeError:
        signed = None

    def keep() -> dict[str, Any]:
        return store_document(certify, number, requester.key_id, root, signed)

    return await anyio.to_thread.run_sync(keep)


class ShareRequest(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    days: int = 30


class ShareCode(msgspec.Struct, frozen=True):
    id: str
    code: str
    expires: str


class Withdrawal(msgspec.Struct, forbid_unknown_fields=True):
    code: str


def _decode(body: bytes, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise BadShareRequest(f"请求格式不符：{exc}", f"the request is malformed: {exc}") from None


@post(
    "/v1/certificates/{number:str}/share-codes",
    opt=PUBLIC,
    status_code=201,
    summary="分享码 A time-limited share code for the holder (30–180 days)",
    tags=["certificates"],
)
async def new_share_code(request: Request[Any, Any, Any], number: Number) -> ShareCode:
    wanted = _decode(await request.body(), ShareRequest)
    certify = certify_of(request)
    client = client_of(request)

    def make() -> ShareCode:
        row = _row(certify, number)
        if certify.codes.check(row, wanted.code, client) != "permanent":
            raise BadShareRequest(
                "分享码须凭持证人的核验码生成。", "a share code is made with the holder's own code."
            )
        if row["status"] == "revoked":
            raise CertificateIsRevoked(
                "证书已撤销，不再生成分享码（第二十条）。",
                "the certificate is revoked; no share code is made for it (Art. 20).",
            )
        return ShareCode(*certify.codes.new_share_code(row, wanted.days))

    return await anyio.to_thread.run_sync(make)


@post(
    "/v1/certificates/{number:str}/share-codes/{share:str}/withdrawal",
    opt=PUBLIC,
    status_code=200,
    summary="撤回分享码 Withdraw a share code",
    tags=["certificates"],
)
async def withdraw_share_code(
    request: Request[Any, Any, Any],
    number: Number,
    share: Annotated[str, PathParameter(max_length=40)],
) -> dict[str, Any]:
    wanted = _decode(await request.body(), Withdrawal)
    certify = certify_of(request)
    client = client_of(request)

    def withdraw() -> dict[str, Any]:
        row = _row(certify, number)
        if certify.codes.check(row, wanted.code, client) != "permanent":
            raise BadShareRequest(
                "撤回分享码须用持证人的核验码。",
                "a share code is withdrawn with the holder's code.",
            )
        if not certify.codes.withdraw(row, share):
            raise NotFound("没有这个有效的分享码。", "there is no such live share code.")
        return {"id": share, "withdrawn": True}

    return await anyio.to_thread.run_sync(withdraw)


@get(
    STATUS_LISTS + "{list_number:int}",
    opt=PUBLIC,
    summary="撤销状态列表 A signed revocation status list (Bitstring Status List)",
    tags=["certificates"],
    media_type=MediaType.JSON,
)
async def status_list(request: Request[Any, Any, Any], list_number: ListNumber) -> Response[bytes]:
    certify = certify_of(request)
    url = certify.status_list_url(base_url(request), list_number)

    def signed() -> str:
        if not certify.served_status_list(url, base_url(request)):
            raise NotFound(
                f"没有第 {list_number} 号状态列表。", f"there is no status list {list_number}."
            )
        return certify.status_list(url)

    text = await anyio.to_thread.run_sync(signed)
    return Response(text.encode(), media_type="application/vc+json")


@get(
    "/v1/verification-keys",
    opt=PUBLIC,
    summary="核验公钥 The keys a verifier pins: log verifier key(s), status list did:key",
    tags=["certificates"],
)
async def verification_keys(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    certify = certify_of(request)
    log = certify.log_verifier()
    return {"log": [log] if log else [], "status": [certify.status_did]}


ROUTES: tuple[HTTPRouteHandler, ...] = (
    verification,
    verification_keys,
    document,
    document_pdf,
    document_draft,
    document_upload,
    new_share_code,
    withdraw_share_code,
    status_list,
)
