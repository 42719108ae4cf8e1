"""``craftreg submit`` and ``craftreg get``: the registry's HTTP API from the command line.

A decision file is short — the event type, the record (``stream``; ``new`` for a new record)
and the payload — in YAML or JSON; the command asks the server where the record stands, signs
the next version with the officer's key and submits it to its resource route::

    type: NominationReviewed
    stream: 4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10
    payload: {decision: approved}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
import httpx

from craftreg.client import Refused, RegistryClient, load_decision
from craftreg.domain.errors import RegistryError
from craftreg.keys import KeyFileError, Signer, read_key
from craftreg.settings import Settings, SettingsError, secret_from_env


def signed_with_key(command: Callable[..., None]) -> Callable[..., None]:
    """The options of a command that signs with the officer's key and talks to a server."""
    for option in (
        click.pass_obj,
        click.option("--passphrase-env", help="Environment variable holding the key's passphrase."),
        click.option(
            "--server", help="The registry's URL (default http://CRAFTREG_HOST:CRAFTREG_PORT)."
        ),
        click.option(
            "--key",
            "key_file",
            required=True,
            type=click.Path(path_type=Path),
            help="Your key file.",
        ),
    ):
        command = option(command)
    return command


def _server_option(settings: Settings | None) -> str:
    return f"http://{settings.host}:{settings.port}" if settings else "http://127.0.0.1:8000"


def _refusal(exc: Exception) -> click.ClickException:
    if isinstance(exc, Refused):
        return click.ClickException(f"[{exc.code}] HTTP {exc.status}: {exc.en} / {exc.zh}")
    if isinstance(exc, httpx.TransportError):
        return click.ClickException(f"cannot reach the server: {exc}")
    if isinstance(exc, RegistryError):  # refused here, before it was sent (a fraction, say)
        return click.ClickException(f"[{exc.code}] {exc.en} / {exc.zh}")
    return click.ClickException(str(exc))


def _key(path: Path, passphrase_env: str | None) -> Signer:
    try:
        return read_key(path, secret_from_env(passphrase_env) if passphrase_env else None)
    except (KeyFileError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@signed_with_key
def submit(
    settings: Settings | None,
    file: Path,
    key_file: Path,
    server: str | None,
    passphrase_env: str | None,
) -> None:
    """Sign the decision in FILE as the next version of its record and submit it."""
    signer = _key(key_file, passphrase_env)
    try:
        decision = load_decision(file)
        with RegistryClient(server or _server_option(settings), signer) as client:
            answer = client.decide(decision)
    except (Refused, RegistryError, httpx.TransportError, ValueError) as exc:
        raise _refusal(exc) from None
    click.echo(json.dumps(answer, ensure_ascii=False))


@click.command()
@click.argument("path")
@signed_with_key
def get(
    settings: Settings | None,
    path: str,
    key_file: Path,
    server: str | None,
    passphrase_env: str | None,
) -> None:
    """GET PATH (e.g. /v1/whoami) as a request signed with your key; print the answer."""
    signer = _key(key_file, passphrase_env)
    try:
        with RegistryClient(server or _server_option(settings), signer) as client:
            answer = client.read(path if path.startswith("/") else f"/{path}")
    except (Refused, httpx.TransportError) as exc:
        raise _refusal(exc) from None
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
