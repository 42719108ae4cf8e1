"""``craftreg audit …`` and ``craftreg witness …``: the ledger's commands.

``audit verify`` exits 0 when everything holds and 1 naming the first fault; every command
exits 2, with one line and no traceback, when it cannot do what was asked (a missing file,
a malformed bundle, a store that cannot be reached).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError

from craftreg.application import Registry, log_key_path
from craftreg.domain.errors import RegistryError
from craftreg.keys import KeyFileError, Signer, read_key, write_key
from craftreg.ledger.audit import Report, replay
from craftreg.ledger.checkpoints import CheckpointFormatError, log_verifier_key
from craftreg.ledger.events import publish_log_key
from craftreg.ledger.note import NoteError
from craftreg.ledger.precheck import cores
from craftreg.ledger.proofs import (
    ProofBundleError,
    ProofFailed,
    consistency_bundle,
    inclusion_bundle,
    verify_consistency_bundle,
    verify_inclusion_bundle,
)
from craftreg.ledger.sources import DatabaseSource, ExportSource, Source, SourceError
from craftreg.ledger.witness import HttpTransport, SplitView, WitnessError, cosign_latest
from craftreg.settings import Settings, SettingsError, secret_from_env, sqlite_path

F = TypeVar("F", bound=Callable[..., Any])


class Refused(click.ClickException):
    exit_code = 2


class Alarm(click.ClickException):
    """What was checked does not hold (a proof, a witness's view of the log): exit 1, as a
    failed ``audit verify``, so that a script tells it from a mistake of use."""

    exit_code = 1


def read_signed(path: Path) -> str:
    """A signed note or proof bundle from a file, as saved by hand: Windows line ends and
    blank lines after the last signature do not count."""
    return path.read_text().replace("\r\n", "\n").rstrip("\n") + "\n"


def _refusals(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SplitView, ProofFailed) as exc:
            raise Alarm(str(exc)) from None
        except PersistenceError as exc:
            raise Refused(f"the store cannot be read: {exc}") from None
        except RegistryError as exc:
            raise Refused(f"[{exc.code}] {exc.en} / {exc.zh}") from None
        except (
            KeyFileError,
            SettingsError,
            OSError,
            SourceError,
            ProofBundleError,
            NoteError,
            CheckpointFormatError,
            WitnessError,
        ) as exc:
            raise Refused(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def ensure_log_key(settings: Settings) -> None:
    """Create ``<key_dir>/log.pem``, the key that signs checkpoints, unless it exists."""
    path = log_key_path(settings)
    if not path.exists():
        key = Signer.generate()
        write_key(path, key)
        click.echo(f"new log key {key.key_id} written to {path}")


def start_ledger(registry: Registry, signer: Signer) -> None:
    """Publish the store's log key in the log (signed by ``signer``) and a first checkpoint."""
    store = registry.store
    log_key = store.ledger.log_key
    state = store.refresh()
    if log_key is not None:
        verifier = log_verifier_key(state.chain.origin, log_key.public_key)
        if state.log_key != verifier:
            publish_log_key(registry, signer, log_key)
            click.echo(f"log key published: {verifier}")
    store.publish_checkpoint()


@click.group()
def audit() -> None:
    """The audit ledger: export, replay and verify, proofs (审计)."""


@audit.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@_refusals
def export(settings: Settings, file: Path) -> None:
    """Write every record, leaf hash, checkpoint and cosignature to FILE (JSON Lines)."""
    with Registry.from_settings(settings) as registry:
        origin = registry.store.refresh().chain.origin
        counts = DatabaseSource(registry.store.ledger).export(file, origin)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + f" written to {file}")


@audit.command("verify")
@click.option("--export", "export_file", type=click.Path(exists=True, path_type=Path))
@click.option("--database-url", help="Replay this store (default: CRAFTREG_DATABASE_URL).")
@click.option(
    "--trusted-checkpoint",
    "trusted",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint you kept (signed note); the log must still extend it.",
)
@click.option("--jobs", type=click.IntRange(1, 256), help="Processes for signatures (all cores).")
@click.pass_obj
@_refusals
def verify(
    settings: Settings,
    export_file: Path | None,
    database_url: str | None,
    trusted: tuple[Path, ...],
    jobs: int | None,
) -> None:
    """Replay the log from genesis and check every event, checkpoint and cosignature."""
    if export_file is not None and database_url is not None:
        raise Refused("give --export or --database-url, not both")
    notes = [read_signed(path) for path in trusted]
    with _source(settings, export_file, database_url) as source:
        report = _with_progress(
            source, lambda progress: replay(source, notes, jobs=jobs, progress=progress)
        )
    if report.ok and report.events == 0:
        # Most likely the wrong database: an empty log proves nothing.
        raise Refused("nothing to verify: the log holds no events")
    _summary(report)
    sys.exit(0 if report.ok else 1)


@audit.command("checkpoint")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Save it here.")
@click.pass_obj
@_refusals
def checkpoint(settings: Settings, output: Path | None) -> None:
    """Sign a checkpoint of the whole log now and print it (keep it to verify against later)."""
    with Registry.from_settings(settings) as registry:
        registry.store.publish_checkpoint()
        note = registry.store.ledger.latest_note()
    if note is None:
        raise Refused("no checkpoint: the log key is missing or not published (craftreg init)")
    if output is not None:
        output.write_text(note)
    click.echo(note, nl=False)


@audit.command("proof")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--index", type=click.IntRange(0), help="Inclusion of the event at this position.")
@click.option("--size", type=click.IntRange(1), help="Under the checkpoint of this size.")
@click.option("--first", type=click.IntRange(1), help="Consistency from this checkpoint size.")
@click.pass_obj
@_refusals
def proof(
    settings: Settings, file: Path, index: int | None, size: int | None, first: int | None
) -> None:
    """Write an offline proof: inclusion (--index) or consistency (--first) to FILE."""
    if (index is None) == (first is None):
        raise Refused("give --index I (inclusion) or --first M (consistency)")
    with Registry.from_settings(settings) as registry:
        ledger = registry.store.ledger
        if index is not None:
            record = DatabaseSource(ledger).record_at(index)
            if record is None:
                raise Refused(f"the log has no event at position {index}")
            bundle = inclusion_bundle(ledger, index, record, size)
        else:
            assert first is not None
            bundle = consistency_bundle(ledger, first, size)
    file.write_text(bundle)
    click.echo(f"proof written to {file}")


@audit.command("check-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--log-key", required=True, help="The log's verifier key (name+hash+key).")
@_refusals
def check_proof(file: Path, log_key: str) -> None:
    """Verify an offline proof bundle with nothing but the log's verifier key."""
    bundle = read_signed(file)
    if bundle.startswith("c2sp.org/tlog-proof@v1\n"):
        included = verify_inclusion_bundle(bundle, log_key)
        click.echo(
            f"event {included.index} is in {included.checkpoint.origin} at size "
            f"{included.checkpoint.size}"
        )
    else:
        old, new = verify_consistency_bundle(bundle, log_key)
        click.echo(f"{new.origin}: size {new.size} extends size {old.size}")


@click.group()
def witness() -> None:
    """Cosign the registry's checkpoints as a witness (见证)."""


@witness.command("cosign")
@click.option("--key", "key_file", required=True, type=click.Path(path_type=Path))
@click.option("--server", required=True, help="The registry, e.g. http://127.0.0.1:8000")
@click.option("--log-key", help="The log's verifier key; needed the first time only.")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), help="Witness state.")
@click.option("--passphrase-env", help="Environment variable holding the key's passphrase.")
@_refusals
def cosign(
    key_file: Path,
    server: str,
    log_key: str | None,
    state: Path | None,
    passphrase_env: str | None,
) -> None:
    """Check the latest checkpoint extends the last one cosigned, then cosign it."""
    key = read_key(key_file, secret_from_env(passphrase_env) if passphrase_env else None)
    state_path = state or key_file.with_name(key_file.name + ".witness.json")
    done = cosign_latest(key, HttpTransport(server), state_path, log_key)
    click.echo(
        f"cosigned {done.checkpoint.origin} at size {done.checkpoint.size} "
        f"(consistent with size {done.previous_size})"
    )


@contextmanager
def _source(
    settings: Settings, export_file: Path | None, database_url: str | None
) -> Iterator[Source]:
    if export_file is not None:
        yield ExportSource(export_file)
        return
    url = database_url or settings.database_url
    # Verifying only reads: a mistyped path must not leave an empty store behind.
    if url.startswith("sqlite:") and not Path(sqlite_path(url)).is_file():
        raise Refused(f"no store at {url}")
    with Registry(url) as registry:
        yield DatabaseSource(registry.store.ledger)


def _with_progress(source: Source, run: Callable[[Callable[[int], None] | None], Report]) -> Report:
    if not sys.stderr.isatty():
        return run(None)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("replaying", total=source.total() or None)
        return run(lambda done: bar.update(task, completed=done))


def _summary(report: Report) -> None:
    rate = report.events / report.seconds if report.seconds else 0.0
    click.echo(f"events replayed:    {report.events} ({rate:,.0f}/s, {cores()} cores)")
    click.echo(f"root hash:          {report.root.hex()}")
    click.echo(f"state digest:       {report.digest}")
    if report.views_digest:
        click.echo(f"views digest:       {report.views_digest} (= craftreg projections digest)")
    click.echo(f"log key:            {report.log_key or '(none published)'}")
    click.echo(f"checkpoints:        {report.checkpoints} verified, up to size {report.covered}")
    click.echo(f"cosignatures:       {report.cosignatures} verified")
    click.echo(f"trusted checkpoints: {report.trusted} verified")
    if report.finding is None:
        click.echo("result:             OK — every event, checkpoint and cosignature holds")
        if report.covered < report.events:
            first, last = report.covered, report.events - 1
            click.echo(
                f"note:               events {first} to {last} are under no signed checkpoint:"
                " each was checked, but the log has not yet vouched for them /"
                f" 第 {first} 至 {last} 个事件尚无签名检查点：已逐条核验，但日志尚未为其担保"
            )
        return
    finding = report.finding
    click.echo(f"result:             FAILED at position {finding.position}: {finding.fault}")
    click.echo(f"                    {finding.detail}")
