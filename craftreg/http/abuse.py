"""Protections against abuse: body size, rate limits, media type, security headers, CORS.

* Bodies above :data:`MAX_BODY_BYTES` are refused with 413 before they are read whole.
* Public routes (``opt=PUBLIC``) are rate limited per client address; a worker counts its own
  requests (``CRAFTREG_PUBLIC_RATE_LIMIT`` per minute, 0 turns it off, e.g. for benchmarks).
  Signed routes are not: their signature is checked against enrolled keys first.
* Every answer, errors and unknown routes included, carries the security headers below.
* CORS is closed unless ``CRAFTREG_CORS_ORIGINS`` names origins: no browser page on another
  origin can read an answer.
* Unknown fields are refused by the signed-event decoder (exactly two members on the wire,
  six in the envelope) and by every payload schema (``forbid_unknown_fields``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import Message, Scope

from craftreg.http.problems import UnsupportedMediaType
from craftreg.settings import Settings

# The largest event, a nomination with evidence for five forces, is a few kilobytes.
MAX_BODY_BYTES = 64 * 1024
PUBLIC: dict[str, Any] = {"public": True}

_API_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The interactive documentation under /schema loads its viewer's script and style.
_DOCS_POLICY = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    b"https://unpkg.com; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    b"https://unpkg.com https://fonts.googleapis.com; font-src https://fonts.gstatic.com; "
    b"img-src 'self' data: https:; worker-src blob:; connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)
# The verification page (craftreg/http/pages.py): its own stylesheet and forms, no script.
_PAGE_POLICY = (
    b"default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    b"base-uri 'none'"
)
_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


async def security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: runs for every response, including 404s and errors."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    path = scope.get("path", "")
    policy = _DOCS_POLICY if path == "/schema" or path.startswith("/schema/") else _API_POLICY
    if path == "/verify" or path.startswith("/verify/"):
        policy = _PAGE_POLICY
    headers["content-security-policy"] = policy.decode()
    for name, value in _HEADERS:
        if name.decode() not in headers:
            headers[name.decode()] = value.decode()


async def _is_public(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get("public"))


def rate_limit(settings: Settings) -> RateLimitConfig | None:
    if settings.public_rate_limit <= 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", settings.public_rate_limit), check_throttle_handler=_is_public
    )


def cors(settings: Settings) -> CORSConfig | None:
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "content-digest", "signature", "signature-input"],
    )


def require_json(request: Request[Any, Any, Any]) -> None:
    """Decisions come as JSON; a form post from a browser page is refused before it is read."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(
            "请求内容须为 JSON，请设置 Content-Type: application/json。",
            f"the body must be JSON: send Content-Type: application/json, not {media or 'none'}.",
        )
