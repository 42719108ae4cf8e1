"""The Litestar application: one factory, the registry and settings injected."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from craftreg.application import Registry
from craftreg.settings import Settings


class Health(msgspec.Struct, frozen=True):
    """Whether the registry answers, its origin, and how many events its log holds."""

    status: str
    origin: str
    events: int


@get("/v1/health", sync_to_thread=True)
def health(registry: Registry) -> Health:
    state = registry.store.refresh()
    return Health(status="ok", origin=state.chain.origin, events=state.position)


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    registry = registry or Registry.from_settings(settings)

    def provide_registry() -> Registry:
        return registry

    return Litestar(
        route_handlers=[health],
        dependencies={"registry": Provide(provide_registry, sync_to_thread=False)},
        openapi_config=OpenAPIConfig(title="craftreg", version="0.1.0", path="/schema"),
        on_shutdown=[registry.close],
        debug=False,
    )
