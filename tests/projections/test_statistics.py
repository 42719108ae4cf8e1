"""Statistics, charts and the Art. 22 report from the views; the report submitted as signed."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from craftreg.application import Registry
from craftreg.cli import main
from craftreg.domain.authority import Role
from craftreg.keys import write_key
from craftreg.projections.charts import distribution_chart, target_chart
from craftreg.projections.projector import RegistryViews
from craftreg.projections.report import provincial_report
from craftreg.projections.statistics import percent, statistics
from tests.projections.story import Story


@pytest.fixture
def story(registry: Registry) -> Story:
    return Story(registry).tell()


def test_percentages_are_text_rounded_half_up() -> None:
    assert [percent(1, 3), percent(2, 3), percent(1, 8), percent(0, 5), percent(1, 0)] == [
        "33.3%",
        "66.7%",
        "12.5%",
        "0.0%",
        "—",
    ]


def test_statistics_of_the_zhejiang_story(story: Story, database_url: str) -> None:
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        before = statistics(views.tables, date(2029, 12, 31))
        after = statistics(views.tables, date(2030, 6, 30), "330000")
        elsewhere = statistics(views.tables, date(2030, 6, 30), "110000")
    provincial = {t.tier: t for t in before.targets}["provincial"]
    assert (provincial.holders, provincial.target, provincial.progress) == (3, 10000, "0.0%")
    [shares] = [s for s in before.shares if s.tier == "provincial"]
    # the pilot record has no birth date or gender; 周杰 was 33 when certified (Art. 8)
    assert (shares.holders, shares.known, shares.young, shares.women) == (3, 2, 1, 2)
    assert (shares.urgent, shares.urgent_share) == (2, "66.7%")
    assert (shares.digital, shares.digital_share) == (1, "33.3%")  # 周杰: artificial intelligence
    [rate] = [r for r in before.pass_rates if r.tier == "provincial"]
    assert (rate.passed, rate.failed, rate.rate) == (2, 1, "66.7%")
    assert before.revocations == {} and after.revocations == {"falsification": 1}
    assert [(d.code, d.provincial) for d in after.by_province] == [("330000", 2)]
    assert [(d.code, d.provincial) for d in before.by_industry] == [
        ("manufacturing", 1),  # 陈静
        ("new_quality_productive_forces", 1),  # 周杰
        ("unknown", 1),  # the pilot record names no industry field
    ]
    assert [(d.code, d.name, d.total) for d in after.by_city] == [
        ("330100", "杭州市", 1),
        ("unknown", "未注明 not recorded", 1),  # the pilot record names no city
    ]
    years = {y.year: y for y in after.years}
    assert (years[2027].nominations, years[2027].listed, years[2027].cultivations) == (7, 4, 4)
    assert (years[2029].passed, years[2029].failed, years[2029].certified) == (2, 1, 2)
    assert (years[2024].certified, years[2030].revoked) == (1, 1)
    assert elsewhere.by_province == [] and elsewhere.years == []


def test_charts_are_svg_a_page_can_embed(story: Story, database_url: str) -> None:
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        stats = statistics(views.tables, date(2029, 12, 31))
    for svg in (target_chart(stats.targets), distribution_chart(stats.by_province, "各省")):
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "3 / 10,000" in target_chart(stats.targets)
    assert "浙江省" in distribution_chart(stats.by_province, "各省")


def test_the_art22_report_is_written_and_submitted_with_its_hash(
    story: Story, database_url: str, tmp_path: Path
) -> None:
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        report = provincial_report(views.tables, "330000", 2029)
    assert report.summary["certified_provincial"] == 2
    assert report.summary["holders_provincial"] == 3
    assert (report.summary["assessed_passed"], report.summary["assessed_failed"]) == (2, 1)
    key = tmp_path / "reporter.pem"
    write_key(key, story.key(Role.REPORTER), None)
    before = story.log.current().position
    runner = CliRunner(env={"CRAFTREG_DATABASE_URL": database_url})
    # the command signs with today's clock, and a report's period cannot lie ahead of it
    period = str(date.today().year)
    args = ["report", "province", "330000", "--period", period, "--out", str(tmp_path)]
    refused = runner.invoke(main, [*args, "--submit"])
    assert refused.exit_code == 2 and "--key" in refused.output
    unknown = runner.invoke(main, ["report", "province", "990000", "--period", period])
    assert unknown.exit_code == 1 and "990000" in unknown.output
    assert story.log.current().position == before, "a refused command records nothing"
    done = runner.invoke(main, [*args, "--submit", "--key", str(key)])
    assert done.exit_code == 0, done.output
    written = (tmp_path / f"report-330000-{period}.json").read_bytes()
    assert json.loads(written)["period"] == int(period)
    html = (tmp_path / f"report-330000-{period}.html").read_text(encoding="utf-8")
    assert "<svg" in html and hashlib.sha256(written).hexdigest() in html
    [event] = [
        e.signed.envelope
        for e in story.log.store.log()  # type: ignore[attr-defined]
        if e.signed.envelope.type == "ReportSubmitted"
        and e.signed.envelope.payload["period"] == int(period)
    ]
    assert event.payload["content_hash"] == hashlib.sha256(written).hexdigest()
    assert event.payload["summary"] == json.loads(written)["summary"]
    again = runner.invoke(main, [*args, "--size", str(before)])
    assert again.exit_code == 0
    assert (tmp_path / f"report-330000-{period}.json").read_bytes() == written, "same size, bytes"


def test_projections_commands(story: Story, database_url: str, tmp_path: Path) -> None:
    runner = CliRunner(env={"CRAFTREG_DATABASE_URL": database_url})
    size = story.log.current().position
    caught = runner.invoke(main, ["projections", "catch-up"])
    assert caught.exit_code == 0 and f"log size {size}" in caught.output
    rebuilt = runner.invoke(main, ["projections", "rebuild"])
    assert rebuilt.exit_code == 0 and f"from {size} events" in rebuilt.output
    live = runner.invoke(main, ["projections", "digest"]).output.split()
    past = runner.invoke(main, ["projections", "digest", "--size", str(size)]).output.split()
    assert live == past and live[0] == str(size)
    holders = runner.invoke(
        main, ["projections", "holders", "--tier", "provincial", "--on", "2030-06-30"]
    )
    assert "S33-2029-00002" in holders.output and "S33-2029-00001" not in holders.output
    page = tmp_path / "statistics.html"
    stats = runner.invoke(
        main, ["projections", "statistics", "--on", "2030-06-30", "--html", str(page)]
    )
    assert stats.exit_code == 0 and json.loads(stats.output)["revocations"] == {"falsification": 1}
    assert page.read_text(encoding="utf-8").count("<svg") == 2
    beyond = runner.invoke(main, ["projections", "digest", "--size", str(size + 1)])
    assert beyond.exit_code == 1 and "beyond-the-log" in beyond.output
