"""The ``craftreg`` command. A user's mistake prints one clear line and exits non-zero, never a
traceback (craftreg/mistakes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from craftreg.application import Registry
from craftreg.keys import Signer, read_key, secret_file, write_key
from craftreg.mistakes import user_errors
from craftreg.settings import Settings, SettingsError, secret_from_env

DEFAULT_ORIGIN = "craftreg.local/registry"


def passphrase_from(env_var: str | None) -> str | None:
    try:
        return secret_from_env(env_var) if env_var else None
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """craftreg — the signed registry of the craftsman-talent measures (工匠人才培育)."""
    try:
        ctx.obj = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--root-key", type=click.Path(path_type=Path), help="Root key file (made if absent).")
@click.option("--origin", default=DEFAULT_ORIGIN, show_default=True, help="The log's origin name.")
@click.option("--passphrase-env", help="Environment variable holding the root key's passphrase.")
@click.pass_obj
@user_errors
def init(
    settings: Settings, root_key: Path | None, origin: str, passphrase_env: str | None
) -> None:
    """Create the store and its genesis event, pinning the national federation's root key."""
    passphrase = passphrase_from(passphrase_env)
    path = root_key or Path(settings.key_dir) / "root.pem"
    if path.exists():
        root = read_key(path, passphrase)
    else:
        root = Signer.generate()
        write_key(path, root, passphrase)
        click.echo(f"new root key {root.key_id} written to {path}")
    ensure_log_key(settings)
    with Registry.from_settings(settings) as registry:
        state = registry.store.refresh()
        if state.chain.founded:
            if state.chain.root_key != root.key_id:
                raise click.ClickException(
                    f"the store is already founded with root key {state.chain.root_key}, "
                    f"not {root.key_id}"
                )
            click.echo(
                f"store already founded: origin {state.chain.origin}, {state.position} events"
            )
            start_ledger(registry, root)
            return
        registry.found(root, origin)
        click.echo(f"founded {origin} with root key {root.key_id} at {settings.database_url}")
        start_ledger(registry, root)


@main.group()
def keys() -> None:
    """Signing keys."""


@keys.command("new")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--passphrase-env", help="Encrypt with the passphrase in this environment variable.")
@user_errors
def keys_new(file: Path, passphrase_env: str | None) -> None:
    """Write a new Ed25519 key (PKCS#8 PEM) to FILE and print its key id."""
    if file.exists():
        raise click.ClickException(f"{file} exists; craftreg never overwrites a key")
    signer = Signer.generate()
    write_key(file, signer, passphrase_from(passphrase_env))
    click.echo(signer.key_id)


@main.command()
@click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option(
    "--root-key", type=click.Path(path_type=Path), help="Root key (default: KEY_DIR/root.pem)."
)
@click.pass_obj
@user_errors
def demo(settings: Settings, size: str, seed: int, root_key: Path | None) -> None:
    """Fill the store with demo data through the normal signed append path."""
    from craftreg.demo import build_demo
    from craftreg.privacy import IdentityVault, load_or_create_hash_key

    key_dir = Path(settings.key_dir)
    root = read_key(root_key or key_dir / "root.pem")
    with (
        Registry.from_settings(settings) as registry,
        IdentityVault(settings.database_url, load_or_create_hash_key(key_dir)) as vault,
    ):
        if not registry.current().chain.founded:
            raise click.ClickException("the store is not founded yet: run `craftreg init` first")
        click.echo(f"building the {size} demo set (seed {seed}) ...")
        made = build_demo(registry, root, key_dir, vault, seed=seed, size=size, progress=click.echo)
        if made is None:
            click.echo("demo data already present; nothing to do")
            return
        summary = ", ".join(f"{n} {what}" for what, n in made.items())
        click.echo(f"made {summary}; {registry.current().position} events in the log")
        click.echo(f"demo keys are in {key_dir / 'demo'}")
        registry.store.publish_checkpoint()


@main.command("import-pilot")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--body", required=True, help="Id of the cultivating body the records belong to.")
@click.option(
    "--key", "key_file", required=True, type=click.Path(path_type=Path), help="A certifier's key."
)
@click.option(
    "--codes", type=click.Path(path_type=Path), default=Path("pilot-codes.csv"), show_default=True
)
@click.option("--passphrase-env", help="Environment variable holding the key's passphrase.")
@click.pass_obj
@user_errors
def import_pilot_command(
    settings: Settings,
    file: Path,
    body: str,
    key_file: Path,
    codes: Path,
    passphrase_env: str | None,
) -> None:
    """Import the 2024 pilot scheme's certificates from a CSV file (Art. 24)."""
    from craftreg.pilot import import_pilot
    from craftreg.privacy import IdentityVault, load_or_create_hash_key

    certifier = read_key(key_file, passphrase_from(passphrase_env))
    with (
        Registry.from_settings(settings) as registry,
        IdentityVault(
            settings.database_url, load_or_create_hash_key(Path(settings.key_dir))
        ) as vault,
    ):
        try:
            imported, refused = import_pilot(registry, vault, certifier, body, file)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    for row in refused:
        click.echo(f"line {row.line} ({row.number}) refused: {row.reason}", err=True)
    with secret_file(codes) as out:
        out.write("number,verification_code\n")
        out.writelines(f"{row.number},{row.code}\n" for row in imported)
    click.echo(f"imported {len(imported)}, refused {len(refused)}; holders' codes in {codes}")
    if refused:
        raise SystemExit(1)


@main.command()
@click.option("--host", help="Interface to listen on (default from CRAFTREG_HOST).")
@click.option("--port", type=int, help="Port (default from CRAFTREG_PORT).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int) -> None:
    """Serve the registry over HTTP."""
    from craftreg.http.serve import PortInUse
    from craftreg.http.serve import serve as run

    if workers > 1 and settings.backend != "postgres":
        raise click.ClickException("--workers above 1 needs PostgreSQL (CRAFTREG_DATABASE_URL)")
    try:
        code = run(host or settings.host, port or settings.port, workers)
    except PortInUse as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


from craftreg.ledger.cli import audit, ensure_log_key, start_ledger, witness  # noqa: E402

main.add_command(audit)
main.add_command(witness)

from craftreg.client_cli import get, submit  # noqa: E402

main.add_command(submit)
main.add_command(get)

from craftreg.projections.cli import projections, report  # noqa: E402

main.add_command(projections)
main.add_command(report)

from craftreg.certify.cli import cert  # noqa: E402

main.add_command(cert)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
