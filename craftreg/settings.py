"""Settings: one typed object read from the environment, and nothing else reads it.

The single storage choice, ``CRAFTREG_DATABASE_URL``, is mapped onto eventsourcing's
persistence settings here and only here (:meth:`Settings.persistence_env`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

DEFAULT_DATABASE_URL = "sqlite:///var/craftreg.sqlite3"


class SettingsError(ValueError):
    """A setting has a value craftreg cannot use."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = DEFAULT_DATABASE_URL
    key_dir: str = "var/keys"
    host: str = "127.0.0.1"
    port: int = 8000
    test_postgres_dsn: str = "postgresql://postgres@127.0.0.1:5432/test"
    require_postgres: bool = False
    public_rate_limit: int = 120  # requests per minute and client on public routes; 0: off
    cors_origins: str = ""  # comma-separated origins allowed cross-origin; empty: none
    public_url: str = ""  # the registry's public base URL in certificates; empty: the request's

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        fields: dict[str, object] = {}
        for name in cls.__struct_fields__:
            raw = env.get(f"CRAFTREG_{name.upper()}")
            if raw is not None:
                fields[name] = raw
        try:
            settings = msgspec.convert(fields, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"invalid CRAFTREG_* setting: {exc}") from None
        backend_of(settings.database_url)
        return settings

    @property
    def backend(self) -> str:
        return backend_of(self.database_url)

    def persistence_env(self) -> dict[str, str]:
        return persistence_env(self.database_url)


def secret_from_env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A secret (a key's passphrase) from the environment variable the user names."""
    value = (os.environ if environ is None else environ).get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is not set or empty")
    return value


def backend_of(database_url: str) -> str:
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgres"
    raise SettingsError(
        f"CRAFTREG_DATABASE_URL must start with sqlite:/// or postgresql://, got {database_url!r}"
    )


def sqlite_path(database_url: str) -> str:
    """``sqlite:///var/x.db`` is relative, ``sqlite:////abs/x.db`` absolute, ``sqlite://:memory:``."""
    rest = database_url[len("sqlite://") :]
    if rest in (":memory:", "/:memory:"):
        return ":memory:"
    if not rest.startswith("/"):
        raise SettingsError(f"a SQLite URL looks like sqlite:///path, got {database_url!r}")
    return rest[1:]


def persistence_env(database_url: str) -> dict[str, str]:
    """eventsourcing's persistence settings for a craftreg database URL.

    A PostgreSQL URL may name a schema with ``?schema=NAME`` (each test uses its own).
    """
    if backend_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            # A shared-cache name lets every pooled connection see one in-memory database.
            path = f"file:craftreg-{id(database_url)}?mode=memory&cache=shared"
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    parts = urlsplit(database_url)
    if not parts.hostname or not parts.path.strip("/"):
        raise SettingsError(
            f"a PostgreSQL URL looks like postgresql://user:pass@host:port/db, got {database_url!r}"
        )
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": parse_qs(parts.query).get("schema", [""])[0],
        "POSTGRES_POOL_SIZE": "4",
    }
