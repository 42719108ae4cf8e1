"""``craftreg projections …`` and ``craftreg report …``: the read side from the command line."""

from __future__ import annotations

import base64
import time
from datetime import date, datetime
from pathlib import Path

import click
import msgspec

from craftreg.domain.regions import PROVINCES
from craftreg.ledger.cli import read_signed
from craftreg.mistakes import user_errors
from craftreg.projections import reach
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


def _province(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A province named by its code, or none: a typo must not read as "no holders"."""
    if value is not None and value not in PROVINCES:
        raise click.BadParameter(
            f"{value} 不是省级行政区划代码（GB/T 2260，如浙江 330000）。"
            " / not a provincial GB/T 2260 code (Zhejiang: 330000)."
        )
    return value


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
@click.option("--province", callback=_province, help="Provincial GB/T 2260 code, e.g. 330000.")
@click.option("--size", type=click.IntRange(0), help="Read the log as it stood at this tree size.")
@click.option(
    "--checkpoint",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the log as this signed checkpoint commits to it (refused unless it does).",
)
@user_errors
def holders(
    tier: str, day: datetime, province: str | None, size: int | None, checkpoint: Path | None
) -> None:
    """Who held a certificate of a tier on a day, from the log as it stood that day — or at a
    tree size, or at a checkpoint you kept."""
    if size is not None and checkpoint is not None:
        raise click.UsageError("give --size or --checkpoint, not both")
    url = _settings().database_url
    if checkpoint is not None:
        past = PastViews(url, checkpoint=read_signed(checkpoint))
    else:
        past = PastViews(url, size=size) if size is not None else PastViews(url, day=day.date())
    with past:
        found = past.holders_on(day.date(), tier=tier, province=province)
        for c in found:
            click.echo(f"{c['number']}\t{c['holder_name']}\t{c['issue_date']}\t{c['status']}")
        root = base64.b64encode(past.root).decode()
        click.echo(f"{len(found)} holders (log size {past.size}, root {root})")


@projections.command("statistics")
@click.option("--province", callback=_province, help="Limit to a province (GB/T 2260 code).")
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


@projections.command("reach")
@click.option("--evidence", help="An evidence document's SHA-256 (64 lowercase hex digits).")
@click.option("--unit", help="A recommending unit (organisation id).")
@click.option("--assessor", help="An assessor (actor id or one of their key ids).")
@click.option(
    "--signer",
    help="A signing key id: with the keys it enrolled and those of actors whose roles it"
    " changed, at any remove.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the reach as JSON.")
@user_errors
def reach_command(
    evidence: str | None,
    unit: str | None,
    assessor: str | None,
    signer: str | None,
    as_json: bool,
) -> None:
    """Discipline support (Art. 20): every decision that rests on one input."""
    criterion, value = reach.criterion(
        evidence=evidence, unit=unit, assessor=assessor, signer=signer
    )
    with RegistryViews.open(_settings().database_url) as views:
        views.catch_up()
        found = reach.of(views.tables, criterion, value)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(found)).decode())
        return
    for line in _reach_summary(found):
        click.echo(line)


def _reach_summary(found: reach.Reach) -> list[str]:
    lines = [
        f"追溯 Reach of {found.criterion} {found.value}:"
        f" {len(found.pipelines)} 个候选 candidacies, {found.decision_count} 项决定 decisions"
    ]
    if found.keys:
        lines.append("所循密钥 Keys followed:")
        for k in found.keys:
            if k.via is None:
                how = "本身签署 signed itself"
            elif k.how == "granted":
                how = f"由 {k.via} 调整角色 roles changed by it at #{k.granted_at}"
            else:
                how = f"由 {k.via} 登记 enrolled by it at #{k.enrolled_at}"
            lines.append(f"  {k.key}  {k.name or '—'}  {how}")
    for p in found.pipelines:
        tainted = "  已污染 tainted" if p.tainted else ""
        status = p.nomination_status or "pilot"
        lines.append(f"候选 Candidacy {p.pipeline}  {p.name}  {p.tier}  {status}{tainted}")
        if p.certificates:
            lines.append(f"  证书 Certificates: {', '.join(p.certificates)}")
        lines.append(f"  自 #{p.entered_at} 起的决定 Decisions from #{p.entered_at}:")
        lines.extend(f"    #{d.position}  {d.time}  {d.type}  {d.signer}" for d in p.decisions)
    if found.cases:
        lines.append(f"引用该证据的案件 Cases citing the evidence: {', '.join(found.cases)}")
    return lines


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
