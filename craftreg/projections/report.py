"""The provincial report (定期报告, Art. 22): JSON from the views, a readable page, its hash.

A province reports on the provincial and municipal cultivation of its federations for a year.
The JSON is written in its canonical form (RFC 8785), so the SHA-256 of the file is the
``content_hash`` the signed ``ReportSubmitted`` event records, and anyone holding the file can
check it. The figures are those of the views at a known log size, recorded in the report:
replaying the log to that size (``--size``) reproduces the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import date
from html import escape
from pathlib import Path

import msgspec

from craftreg.domain.envelope import canonical_json
from craftreg.domain.regions import PROVINCES
from craftreg.projections.charts import distribution_chart, target_chart
from craftreg.projections.errors import UnknownProvince
from craftreg.projections.statistics import Statistics, statistics
from craftreg.projections.tables import ViewTables

FORMAT = "craftreg/report/v1"
_BODIES = (
    "SELECT id FROM {view_organisations} WHERE province = ?"
    " AND kind IN ('provincial_federation', 'prefecture_federation')"
)


class Province(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # the provincial federation
    name: str
    region: str


class RoundLine(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    tier: str
    body: str
    quota_total: int
    nominated: int
    listed: int


class ProvincialReport(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    province: Province
    period: int
    log_size: int
    summary: dict[str, int]  # the headline figures the signed event carries
    rounds: list[RoundLine]
    statistics: Statistics  # the province's holders, all tiers, on the last day of the period


def province_of(tables: ViewTables, region: str) -> Province:
    rows = tables.query(
        "SELECT id, name FROM {view_organisations}"
        " WHERE kind = 'provincial_federation' AND region = ?",
        (region,),
    )
    if not rows:
        raise UnknownProvince(region)
    return Province(id=rows[0][0], name=rows[0][1], region=region)


def provincial_report(tables: ViewTables, region: str, period: int) -> ProvincialReport:
    province = province_of(tables, region)
    end = date(period, 12, 31).isoformat()
    year = str(period)
    bodies = f"body IN ({_BODIES})"

    def count(sql: str, *params: object) -> int:
        return int(tables.query(sql.replace("{bodies}", bodies), (*params, region))[0][0])

    summary = {
        "nominations": count(
            "SELECT COUNT(*) FROM {view_nominations} WHERE year = ? AND {bodies}", period
        ),
        "listed": count(
            "SELECT COUNT(*) FROM {view_nominations} WHERE year = ? AND status = 'listed'"
            " AND {bodies}",
            period,
        ),
        "cultivations_started": count(
            "SELECT COUNT(*) FROM {view_cultivations} WHERE substr(start_date, 1, 4) = ?"
            " AND {bodies}",
            year,
        ),
        "assessed_passed": count(
            "SELECT COUNT(*) FROM {view_cultivations} WHERE substr(assessed_at, 1, 4) = ?"
            " AND result = 'pass' AND {bodies}",
            year,
        ),
        "assessed_failed": count(
            "SELECT COUNT(*) FROM {view_cultivations} WHERE substr(assessed_at, 1, 4) = ?"
            " AND result = 'fail' AND {bodies}",
            year,
        ),
        "revoked": count(
            "SELECT COUNT(*) FROM {view_certificates} WHERE substr(revoked_on, 1, 4) = ?"
            " AND {bodies}",
            year,
        ),
    }
    for tier in ("provincial", "municipal"):
        summary[f"certified_{tier}"] = count(
            "SELECT COUNT(*) FROM {view_certificates} WHERE tier = ?"
            " AND substr(issue_date, 1, 4) = ? AND {bodies}",
            tier,
            year,
        )
        summary[f"holders_{tier}"] = count(
            "SELECT COUNT(*) FROM {view_certificates} WHERE tier = ? AND issue_date <= ?"
            " AND (revoked_on IS NULL OR revoked_on > ?) AND {bodies}",
            tier,
            end,
            end,
        )
    rounds = tables.query(
        "SELECT r.id, r.tier, o.name, r.quota_total, r.nominated, r.listed FROM {view_rounds} r"
        " JOIN {view_organisations} o ON o.id = r.body WHERE r.year = ?"
        f" AND r.{bodies} ORDER BY r.announced_at, r.id",
        (period, region),
    )
    stats = statistics(tables, date(period, 12, 31), region)
    return ProvincialReport(
        format=FORMAT,
        province=province,
        period=period,
        log_size=stats.log_size,
        summary=dict(sorted(summary.items())),
        rounds=[
            RoundLine(id=r[0], tier=r[1], body=r[2], quota_total=r[3], nominated=r[4], listed=r[5])
            for r in rounds
        ],
        statistics=stats,
    )


def report_bytes(report: ProvincialReport) -> bytes:
    """The report's canonical JSON (RFC 8785): the bytes its content hash is taken over."""
    return canonical_json(msgspec.to_builtins(report))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_report(report: ProvincialReport, directory: Path) -> tuple[Path, Path, str]:
    """``report-<region>-<period>.json`` and ``.html``; returns both paths and the hash."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"report-{report.province.region}-{report.period}"
    data = report_bytes(report)
    json_path, html_path = stem.with_suffix(".json"), stem.with_suffix(".html")
    json_path.write_bytes(data)
    html_path.write_text(report_html(report, content_hash(data)), encoding="utf-8")
    return json_path, html_path, content_hash(data)


_LABELS = {
    "nominations": "推荐人数 Nominations",
    "listed": "入选名单 Listed",
    "cultivations_started": "开始培养 Cultivations started",
    "assessed_passed": "考核合格 Passed",
    "assessed_failed": "考核不合格 Failed",
    "certified_provincial": "颁发省级证书 Provincial certificates",
    "certified_municipal": "颁发市级证书 Municipal certificates",
    "holders_provincial": "年末省级工匠 Provincial holders at year end",
    "holders_municipal": "年末市级工匠 Municipal holders at year end",
    "revoked": "撤销证书 Revocations",
}


def report_html(report: ProvincialReport, digest: str) -> str:
    p, stats = report.province, report.statistics
    rows = "".join(
        f"<tr><th>{escape(_LABELS.get(k, k))}</th><td>{v:,}</td></tr>"
        for k, v in report.summary.items()
    )
    shares = "".join(
        f"<tr><th>{s.tier}</th><td>{s.holders}</td><td>{s.young_share}</td>"
        f"<td>{s.women_share}</td><td>{s.digital_share}</td><td>{s.urgent_share}</td></tr>"
        for s in stats.shares
    )
    rounds = "".join(
        f"<tr><td>{escape(r.body)}</td><td>{r.tier}</td><td>{r.quota_total}</td>"
        f"<td>{r.nominated}</td><td>{r.listed}</td></tr>"
        for r in report.rounds
    )
    cities = [d for d in stats.by_city if d.code != "unknown"]
    zh, en = PROVINCES.get(p.region, (p.name, p.region))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{escape(p.name)} {report.period} 年度工匠人才培育报告</title>
<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #ccc;padding:4px 8px;
text-align:left}}td{{text-align:right}}code{{font-size:11px}}</style></head><body>
<h1>{escape(p.name)} {report.period} 年度工匠人才培育报告</h1>
<p>Provincial report of {escape(en)} ({escape(zh)}) for {report.period} under Art. 22 of
总工发〔2025〕10号 — provincial and municipal cultivation by the federations of the province,
from the registry views at log size {report.log_size}.</p>
<h2>摘要 Summary</h2><table>{rows}</table>
<h2>目标进度 Progress to the 2035 targets</h2>
{target_chart(stats.targets, f"{p.name}工匠对 2035 目标的贡献 (Art. 2)")}
<h2>分布 Distribution by city</h2>
{distribution_chart(cities, "各市在册工匠 Holders by city")}
<h2>第八条 Art. 8 shares of holders</h2>
<table><tr><th>tier</th><th>holders</th><th>≤35</th><th>women</th><th>digital</th>
<th>urgent fields</th></tr>{shares}</table>
<h2>评选批次 Rounds of {report.period}</h2>
<table><tr><th>body</th><th>tier</th><th>quota</th><th>nominated</th><th>listed</th></tr>
{rounds}</table>
<p>SHA-256 of the JSON report (the content hash of its ReportSubmitted event):
<code>{digest}</code></p>
</body></html>
"""
