"""``craftreg projections …`` and ``craftreg report …``: the read side from the command line."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import click
import msgspec

from craftreg.mistakes import user_errors
from craftreg.projections.charts import distribution_chart, target_chart
from craftreg.projections.digest import live_digest, state_digest_at
from craftreg.projections.history import PastViews
from craftreg.projections.projector import RegistryViews
from craftreg.projections.report import provincial_report, write_report
from craftreg.projections.statistics import statistics
from craftreg.settings import Settings, secret_from_env


def _settings() -> Settings:
    settings = click.get_current_context().find_object(Settings)
    return settings if settings is not None else Settings.from_env()


@click.group()
def projections() -> None:
    """The registry views (登记视图): catch up, rebuild, look back, digest."""


@projections.command("catch-up")
@user_errors
def catch_up() -> None:
    """Apply the events the views have not seen yet."""
    with RegistryViews.open(_settings().database_url) as views:
        started = time.perf_counter()
        applied = views.catch_up()
        click.echo(
            f"applied {applied} events in {time.perf_counter() - started:.1f} s;"
            f" the views stand at log size {views.position}"
        )


@projections.command()
@user_errors
def rebuild() -> None:
    """Rebuild every view from the first event of the log, in one transaction."""
    with RegistryViews.open(_settings().database_url) as views:
        started = time.perf_counter()
        applied = views.rebuild()
        click.echo(
            f"rebuilt the views from {applied} events in {time.perf_counter() - started:.1f} s"
        )


@projections.command()
@click.option("--size", type=click.IntRange(0), help="Digest the views at this tree size.")
@user_errors
def digest(size: int | None) -> None:
    """Print the state digest (docs/ledger-format.md, "State digest")."""
    url = _settings().database_url
    if size is None:
        with RegistryViews.open(url) as views:
            views.catch_up()
            size, value = live_digest(views.tables, views.name)
    else:
        value = state_digest_at(url, size)
    click.echo(f"{size} {value}")


@projections.command()
@click.option("--tier", type=click.Choice(["national", "provincial", "municipal"]), required=True)
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--province", help="Provincial GB/T 2260 code, e.g. 330000.")
@user_errors
def holders(tier: str, day: datetime, province: str | None) -> None:
    """Who held a certificate of a tier on a day, from the log as it stood that day."""
    with PastViews(_settings().database_url, day=day.date()) as past:
        found = past.holders_on(day.date(), tier=tier, province=province)
        for c in found:
            click.echo(f"{c['number']}\t{c['holder_name']}\t{c['issue_date']}\t{c['status']}")
        click.echo(f"{len(found)} holders (log size {past.size})")


@projections.command("statistics")
@click.option("--province", help="Limit to a province (GB/T 2260 code).")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="Count holders on this day.")
@click.option("--html", type=click.Path(path_type=Path), help="Also write a page with the charts.")
@user_errors
def statistics_command(province: str | None, day: datetime | None, html: Path | None) -> None:
    """Statistics of the measures as JSON: targets, shares, pass rates, revocations."""
    with RegistryViews.open(_settings().database_url) as views:
        views.catch_up()
        stats = statistics(views.tables, day.date() if day else date.today(), province)
    click.echo(msgspec.json.format(msgspec.json.encode(stats)).decode())
    if html is not None:
        html.write_text(
            "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>统计</title><body>"
            + target_chart(stats.targets)
            + distribution_chart(stats.by_province, "各省在册工匠 Holders by province")
            + "</body></html>",
            encoding="utf-8",
        )


@click.group()
def report() -> None:
    """Reports of the measures, such as the provincial report of 第二十二条."""


@report.command("province")
@click.argument("code")
@click.option("--period", type=click.IntRange(2024, 2100), required=True, help="The year.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option("--size", type=click.IntRange(0), help="From the log as it stood at this size.")
@click.option("--submit", is_flag=True, help="Sign and record the ReportSubmitted event.")
@click.option("--key", type=click.Path(path_type=Path), help="The reporter's key (with --submit).")
@click.option("--passphrase-env", help="Environment variable holding the key's passphrase.")
@user_errors
def report_province(
    code: str,
    period: int,
    out: Path,
    size: int | None,
    submit: bool,
    key: Path | None,
    passphrase_env: str | None,
) -> None:
    """Write the provincial report for CODE (e.g. 330000) as JSON and HTML."""
    settings = _settings()
    if submit and key is None:
        raise click.UsageError("--submit needs --key FILE (the reporter's signing key)")
    if size is None:
        with RegistryViews.open(settings.database_url) as views:
            views.catch_up()
            made = provincial_report(views.tables, code, period)
    else:
        with PastViews(settings.database_url, size=size) as past:
            made = provincial_report(past.tables, code, period)
    json_path, html_path, digest = write_report(made, out)
    click.echo(f"wrote {json_path} and {html_path}; SHA-256 {digest}")
    if submit:
        _submit(settings, made.province.id, period, digest, made.summary, key, passphrase_env)


def _submit(
    settings: Settings,
    province: str,
    period: int,
    digest: str,
    summary: dict[str, int],
    key: Path | None,
    passphrase_env: str | None,
) -> None:
    from craftreg.application import Registry
    from craftreg.keys import read_key

    assert key is not None
    signer = read_key(key, secret_from_env(passphrase_env) if passphrase_env else None)
    with Registry.from_settings(settings) as registry:
        stream = registry.submit_report(signer, province, period, digest, summary)
    click.echo(f"recorded ReportSubmitted {stream} with content hash {digest}")
