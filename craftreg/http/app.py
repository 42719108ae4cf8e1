"""The Litestar application: one factory, the registry and settings injected."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from craftreg.application import Registry
from craftreg.http import abuse, certificates, decisions, discipline, history, ledger
from craftreg.http import pages as verify_pages
from craftreg.http import registry as registry_out
from craftreg.http.problems import EXCEPTION_HANDLERS
from craftreg.http.signatures import RequestVerifier, nonce_cache_for, provide_requester
from craftreg.http.views import FreshViews
from craftreg.settings import Settings


class Health(msgspec.Struct, frozen=True):
    """Whether the registry answers, its origin, and how many events its log holds."""

    status: str
    origin: str
    events: int


@get("/v1/health", sync_to_thread=True, opt=abuse.PUBLIC)
def health(registry: NamedDependency[Registry]) -> Health:
    state = registry.store.refresh()
    return Health(status="ok", origin=state.chain.origin, events=state.position)


# Each module of craftreg/http contributes a tuple of route handlers; add yours here.
ROUTES: tuple[Sequence[HTTPRouteHandler], ...] = (
    (health,),
    decisions.ROUTES,
    ledger.ROUTES,
    registry_out.ROUTES,
    discipline.ROUTES,
    history.ROUTES,
    certificates.ROUTES,
    verify_pages.ROUTES,
)

SIGNED_REQUESTS = SecurityScheme(
    type="apiKey",
    name="Signature",
    security_scheme_in="header",
    description=(
        "RFC 9421 HTTP Message Signature with Ed25519 over @method, @path, @query and "
        "content-digest, with created, expires (5 minutes at most), nonce, keyid (the key id) "
        'and tag="craftreg"; `craftreg get PATH --key KEYFILE` signs for you.'
    ),
)


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    registry = registry or Registry.from_settings(settings)
    nonces = nonce_cache_for(registry.store.database_url)

    def provide_registry() -> Registry:
        return registry

    # Registry reads bring this process's projector up to date first (craftreg/http/views.py).
    views = FreshViews(registry.store.database_url)
    rate_limit = abuse.rate_limit(settings)
    publisher = ledger.Publisher(registry)
    return Litestar(
        route_handlers=[handler for handlers in ROUTES for handler in handlers],
        dependencies={
            "registry": Provide(provide_registry, sync_to_thread=False),
            "requester": Provide(provide_requester),
            "views": Provide(lambda: views, sync_to_thread=False),
        },
        state=State(
            {"registry": registry, "verifier": RequestVerifier(nonces), "settings": settings}
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[abuse.security_headers],
        middleware=[rate_limit.middleware] if rate_limit else [],
        cors_config=abuse.cors(settings),
        request_max_body_size=abuse.MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="craftreg",
            version="0.1.0",
            path="/schema",
            description="The signed registry of the craftsman-talent measures (工匠人才培育).",
            components=Components(security_schemes={"httpSignature": SIGNED_REQUESTS}),
        ),
        on_startup=[publisher.start],
        on_shutdown=[publisher.stop, views.close, registry.close, nonces.close],
        debug=False,
    )
