"""Statistics (统计) of the measures, from the views: progress to the Art. 2 targets, where the
craftsmen are, the Art. 8 shares, pass rates, revocations and a series per year.

A craftsman *holds* a certificate on a day when it was issued by then and not revoked with
effect by then. Shares and rates are counts with a percentage written as text (one decimal):
no floating point, so a report's canonical JSON (RFC 8785) has one form.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import msgspec

from craftreg.domain.regions import PROVINCES
from craftreg.projections.tables import ViewTables

TIERS = ("national", "provincial", "municipal")
TIER_NAMES = {"national": "大国工匠", "provincial": "省级工匠", "municipal": "市级工匠"}
DIGITAL = frozenset({"big_data", "artificial_intelligence", "cloud_computing"})  # Art. 8
YOUNG_AGE = 35  # Art. 8: young craftsmen, 35 or under when certified


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with one decimal, rounded half up, as text."""
    if whole == 0:
        return "—"
    tenths = (part * 1000 * 2 + whole) // (whole * 2)
    return f"{tenths // 10}.{tenths % 10}%"


class TargetProgress(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    name: str
    target: int  # the 2035 target of the policy in force (Art. 2)
    holders: int
    progress: str


class Distribution(msgspec.Struct, frozen=True, kw_only=True):
    code: str  # a region code or an industry field
    name: str
    national: int
    provincial: int
    municipal: int
    total: int


class Shares(msgspec.Struct, frozen=True, kw_only=True):
    """Art. 8 among holders of a tier; ``known`` of them have a recorded birth date and gender
    (records imported from the 2024 pilot do not)."""

    tier: str
    holders: int
    known: int
    young: int
    women: int
    digital: int
    urgent: int
    young_share: str
    women_share: str
    digital_share: str
    urgent_share: str


class PassRate(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    passed: int
    failed: int
    rate: str


class Year(msgspec.Struct, frozen=True, kw_only=True):
    year: int
    nominations: int
    listed: int
    cultivations: int
    passed: int
    failed: int
    certified: int
    revoked: int


class Statistics(msgspec.Struct, frozen=True, kw_only=True):
    day: str  # holders are counted on this day
    province: str | None  # the scope: a provincial code, or None for the whole country
    log_size: int
    targets: list[TargetProgress]
    by_province: list[Distribution]
    by_city: list[Distribution]
    by_industry: list[Distribution]
    shares: list[Shares]
    pass_rates: list[PassRate]
    revocations: dict[str, int]  # by ground (Art. 20)
    years: list[Year]


def _rows(tables: ViewTables, sql: str, province: str | None) -> list[tuple[Any, ...]]:
    if province is None:
        return tables.query(sql)
    return tables.query(sql + " WHERE province = ?", (province,))


def statistics(tables: ViewTables, day: date, province: str | None = None) -> Statistics:
    today = day.isoformat()
    certificates = _rows(
        tables,
        "SELECT tier, province, city, industry_field, tags, gender, age_at_issue, issue_date,"
        " revoked_on, revocation_ground FROM {view_certificates}",
        province,
    )
    held = [c for c in certificates if c[7] <= today and (c[8] is None or c[8] > today)]
    cursor = tables.query("SELECT position FROM {view_cursor}")
    return Statistics(
        day=today,
        province=province,
        log_size=int(cursor[0][0]) if cursor else 0,
        targets=_targets(tables, held),
        by_province=_distribution(held, 1, _province_names()),
        by_city=_distribution(held, 2, _city_names(tables)),
        by_industry=_distribution(held, 3, {}),
        shares=[_shares(tier, [c for c in held if c[0] == tier]) for tier in TIERS],
        pass_rates=_pass_rates(tables, province),
        revocations=dict(
            sorted(Counter(c[9] for c in certificates if c[8] and c[8] <= today).items())
        ),
        years=_years(tables, certificates, province),
    )


def _targets(tables: ViewTables, held: list[tuple[Any, ...]]) -> list[TargetProgress]:
    policy = tables.query("SELECT targets FROM {view_policies} ORDER BY position DESC LIMIT 1")
    targets = msgspec.json.decode(policy[0][0]) if policy else {}
    counts = Counter(c[0] for c in held)
    return [
        TargetProgress(
            tier=tier,
            name=TIER_NAMES[tier],
            target=int(targets.get(tier, 0)),
            holders=counts[tier],
            progress=percent(counts[tier], int(targets.get(tier, 0))),
        )
        for tier in TIERS
    ]


def _distribution(
    held: list[tuple[Any, ...]], column: int, names: dict[str, str]
) -> list[Distribution]:
    by: dict[str, Counter[str]] = {}
    for c in held:
        by.setdefault(c[column] or "unknown", Counter())[c[0]] += 1
    rows = [
        Distribution(
            code=code,
            name=names.get(code, "未注明 not recorded" if code == "unknown" else code),
            national=tiers["national"],
            provincial=tiers["provincial"],
            municipal=tiers["municipal"],
            total=sum(tiers.values()),
        )
        for code, tiers in by.items()
    ]
    return sorted(rows, key=lambda d: (-d.total, d.code))


def _province_names() -> dict[str, str]:
    return {code: zh for code, (zh, _) in PROVINCES.items()}


def _city_names(tables: ViewTables) -> dict[str, str]:
    rows = tables.query(
        "SELECT region, name FROM {view_organisations} WHERE kind = 'prefecture_federation'"
    )
    return {region: name.removesuffix("总工会") for region, name in rows}


def _shares(tier: str, held: list[tuple[Any, ...]]) -> Shares:
    known = [c for c in held if c[5] is not None and c[6] is not None]
    tags = [set(msgspec.json.decode(c[4])) for c in held]
    young = sum(1 for c in known if c[6] <= YOUNG_AGE)
    women = sum(1 for c in known if c[5] == "female")
    digital = sum(1 for t in tags if t & DIGITAL)
    urgent = sum(1 for t in tags if "urgently_needed_field" in t)
    return Shares(
        tier=tier,
        holders=len(held),
        known=len(known),
        young=young,
        women=women,
        digital=digital,
        urgent=urgent,
        young_share=percent(young, len(known)),
        women_share=percent(women, len(known)),
        digital_share=percent(digital, len(held)),
        urgent_share=percent(urgent, len(held)),
    )


def _pass_rates(tables: ViewTables, province: str | None) -> list[PassRate]:
    rows = _rows(tables, "SELECT tier, result FROM {view_cultivations}", province)
    counts = Counter((tier, result) for tier, result in rows if result is not None)
    return [
        PassRate(
            tier=tier,
            passed=counts[(tier, "pass")],
            failed=counts[(tier, "fail")],
            rate=percent(counts[(tier, "pass")], counts[(tier, "pass")] + counts[(tier, "fail")]),
        )
        for tier in TIERS
    ]


def _years(
    tables: ViewTables, certificates: list[tuple[Any, ...]], province: str | None
) -> list[Year]:
    nominations = _rows(tables, "SELECT year, status FROM {view_nominations}", province)
    cultivations = _rows(
        tables, "SELECT start_date, assessed_at, result FROM {view_cultivations}", province
    )
    count: Counter[tuple[int, str]] = Counter()
    for year, status in nominations:
        count[(int(year), "nominations")] += 1
        count[(int(year), "listed")] += status == "listed"
    for start, assessed, result in cultivations:
        count[(int(start[:4]), "cultivations")] += 1
        if assessed is not None:
            count[(int(assessed[:4]), "passed" if result == "pass" else "failed")] += 1
    for c in certificates:
        count[(int(c[7][:4]), "certified")] += 1
        if c[8] is not None:
            count[(int(c[8][:4]), "revoked")] += 1
    years = sorted({year for year, _ in count})
    return [
        Year(
            year=y,
            nominations=count[(y, "nominations")],
            listed=count[(y, "listed")],
            cultivations=count[(y, "cultivations")],
            passed=count[(y, "passed")],
            failed=count[(y, "failed")],
            certified=count[(y, "certified")],
            revoked=count[(y, "revoked")],
        )
        for y in years
    ]
