"""Every refusal over HTTP as RFC 9457 problem details (``application/problem+json``).

The machine-readable ``code`` is the ``code`` of the :class:`RegistryError` raised — the same
codes as docs/event-format.md §7 — and ``zh`` / ``en`` carry the message a union clerk reads.
Errors of the HTTP layer itself (a missing request signature, a replayed one, a body too large,
a route that does not exist …) are ``RegistryError`` subclasses declared here, so that every
answer that is not a success has one shape. A stack trace never leaves the server.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.types import ExceptionHandlersMap

from craftreg.domain.errors import (
    BadSignature,
    FloatNotAllowed,
    GenesisError,
    InvalidPayload,
    MalformedEnvelope,
    OutsideJurisdiction,
    RegistryError,
    RevokedKey,
    RuleViolation,
    UnknownEventType,
    UnknownKey,
    VersionConflict,
    WrongRole,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:craftreg:problem:{code}"
log = logging.getLogger("craftreg.http")
RegistryRefusal = tuple[RegistryError, dict[str, str] | None]


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, with the registry's stable code and a bilingual message."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    zh: str
    en: str
    instance: str = ""
    stream: str | None = None  # a version conflict: the record, and where it stands
    current_version: int | None = None


class SignatureRequired(RegistryError):
    """The route serves signed requests only (RFC 9421), and this one carries no signature."""

    code = "signature-required"


class RequestExpired(RegistryError):
    """The request signature is outside its validity window (created/expires)."""

    code = "request-expired"


class ReplayedRequest(RegistryError):
    """The request signature's nonce was already used within the replay window."""

    code = "replayed-request"


class RouteMismatch(RegistryError):
    """The signed event does not belong at this route: another type or another record."""

    code = "route-mismatch"


class NotFound(RegistryError):
    code = "not-found"


class MethodNotAllowed(RegistryError):
    code = "method-not-allowed"


class UnsupportedMediaType(RegistryError):
    code = "unsupported-media-type"


class BodyTooLarge(RegistryError):
    code = "body-too-large"


class RateLimited(RegistryError):
    code = "rate-limited"


class BadRequest(RegistryError):
    """A request the HTTP layer cannot read: a malformed header or query parameter."""

    code = "bad-request"


class InternalError(RegistryError):
    code = "internal-error"


# Looked up along the exception's MRO, nearest class first.
STATUS: dict[type[RegistryError], int] = {
    BadSignature: 401,
    SignatureRequired: 401,
    RequestExpired: 401,
    ReplayedRequest: 401,
    UnknownKey: 403,
    RevokedKey: 403,
    WrongRole: 403,
    OutsideJurisdiction: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    VersionConflict: 409,
    BodyTooLarge: 413,
    UnsupportedMediaType: 415,
    MalformedEnvelope: 422,
    FloatNotAllowed: 422,
    UnknownEventType: 422,
    InvalidPayload: 422,
    RuleViolation: 422,
    GenesisError: 422,
    RouteMismatch: 422,
    BadRequest: 400,
    RateLimited: 429,
    InternalError: 500,
}


def status_of(error: RegistryError) -> int:
    """The HTTP status of a refusal; a ledger error declares its own (craftreg/ledger/errors.py)."""
    declared = getattr(error, "status", None)
    if isinstance(declared, int):
        return declared
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 422


def problem_of(error: RegistryError, instance: str = "") -> Problem:
    status = status_of(error)
    conflict = error if isinstance(error, VersionConflict) else None
    return Problem(
        type=PROBLEM_TYPE.format(code=error.code),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=error.en,
        code=error.code,
        zh=error.zh,
        en=error.en,
        instance=instance,
        stream=conflict.stream if conflict else None,
        current_version=conflict.current if conflict else None,
    )


def problem_response(
    error: RegistryError, instance: str = "", headers: dict[str, str] | None = None
) -> Response[bytes]:
    problem = problem_of(error, instance)
    return Response(
        msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


# Litestar's own refusals, reworded for a clerk. Litestar's detail is not passed on: it can
# name internals (handler and parameter names).
_HTTP: dict[int, tuple[type[RegistryError], str, str]] = {
    400: (
        BadRequest,
        "请求格式有误：请检查参数和请求头。",
        "the request is malformed: check its parameters and headers.",
    ),
    404: (
        NotFound,
        "没有这个地址。请检查路径，接口列表见 /schema。",
        "there is no such resource; the routes are listed at /schema.",
    ),
    405: (
        MethodNotAllowed,
        "此地址不支持该请求方法。",
        "this resource does not support that method.",
    ),
    413: (BodyTooLarge, "请求内容过大。", "the request body is too large."),
    415: (
        UnsupportedMediaType,
        "请求内容须为 JSON（application/json）。",
        "the request body must be JSON (application/json).",
    ),
    429: (RateLimited, "请求过于频繁，请稍后再试。", "too many requests; try again later."),
}


def refusal(request: Request[Any, Any, Any], exc: Exception) -> RegistryRefusal:
    """The refusal an exception stands for, with the headers to send along: what the API's
    problem details and the verification page's error page both say."""
    if isinstance(exc, RegistryError):
        wait = getattr(exc, "retry_after", None)
        return exc, ({"retry-after": str(wait)} if isinstance(wait, int) else None)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        cls, zh, en = _HTTP.get(exc.status_code, (BadRequest, *_HTTP[400][1:]))
        return cls(zh, en), exc.headers
    # Log the trace here, on the server; the client learns only that it was not its fault.
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    error = InternalError(
        "服务器内部错误，请求未被处理；登记簿未作改动。请稍后重试或联系管理员。",
        "internal error: the request was not processed and the registry is unchanged. Try "
        "again later or contact the administrator.",
    )
    return error, None


def on_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    error, headers = refusal(request, exc)
    return problem_response(error, request.url.path, headers=headers)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {Exception: on_error}


def problem_spec(description: str, *examples: RegistryError) -> ResponseSpec:
    """An OpenAPI response of problem details, with one example per refusal given."""
    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type=PROBLEM_MEDIA_TYPE,
        examples=[
            Example(summary=f"{e.code}: {e.en}", value=msgspec.to_builtins(problem_of(e, "/v1/…")))
            for e in examples
        ],
    )


EXAMPLE_ERRORS: dict[int, tuple[str, tuple[RegistryError, ...]]] = {
    401: (
        "The signature does not verify, or the request is unsigned, expired or replayed.",
        (
            BadSignature("签名无效。", "invalid signature."),
            ReplayedRequest("此请求签名已使用过。", "this request signature was already used."),
        ),
    ),
    403: (
        "The signer has no authority: unknown or revoked key, wrong role, outside jurisdiction.",
        (
            WrongRole("王芳 不具有“reviewer”角色。", "王芳 does not hold the role 'reviewer'."),
            UnknownKey("密钥未登记。", "the key is not enrolled."),
        ),
    ),
    409: (
        "The record has moved on: reload it, sign the next version and submit again.",
        (VersionConflict("4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10", 3, 4),),
    ),
    422: (
        "The body is not a valid signed event, does not fit this route, or breaks a rule.",
        (
            MalformedEnvelope("不是有效的 JSON。", "not valid JSON."),
            FloatNotAllowed("$.payload.x 是小数。", "$.payload.x is a fractional number."),
            RuleViolation(
                "该推荐单位名额已满（第九条）。", "the unit's quota is used up (Art. 9)."
            ),
        ),
    ),
    **{
        status: (HTTPStatus(status).phrase, (cls(zh, en),))
        for status, (cls, zh, en) in _HTTP.items()
    },
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {s: problem_spec(EXAMPLE_ERRORS[s][0], *EXAMPLE_ERRORS[s][1]) for s in statuses}
