"""Tiers (Art. 3), eligibility thresholds (Art. 5–7) and the 2035 targets (Art. 2).

The measures state the thresholds in words; the registry records them as a versioned policy,
adopted by a signed event, so that a replay applies the policy in force when each nomination
was made. ``DEFAULT_POLICY`` is the documented reading of the measures (a policy, not law).
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from craftreg.domain.authority import OrgKind


class Tier(StrEnum):
    """工匠层级 (Art. 3)."""

    NATIONAL = "national"  # 大国工匠
    PROVINCIAL = "provincial"  # 省级工匠
    MUNICIPAL = "municipal"  # 市级工匠


TIER_NAMES = {Tier.NATIONAL: "大国工匠", Tier.PROVINCIAL: "省级工匠", Tier.MUNICIPAL: "市级工匠"}

# Art. 3: who cultivates each tier.
CULTIVATING_KIND = {
    Tier.NATIONAL: OrgKind.NATIONAL_FEDERATION,
    Tier.PROVINCIAL: OrgKind.PROVINCIAL_FEDERATION,
    Tier.MUNICIPAL: OrgKind.PREFECTURE_FEDERATION,
}


class TierRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    min_frontline_years: int
    on_frontline_now: bool
    min_force_rating: int  # every one of the five forces rated at least this (1–5)


class PolicyAdopted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """政策采纳: a version of the thresholds and targets, in force from this position."""

    version: str
    label: str
    tiers: dict[Tier, TierRule]
    targets_2035: dict[Tier, int]


DEFAULT_POLICY = PolicyAdopted(
    version="2025-05-22",
    label="policy, not law: the registry's reading of Art. 2 and Art. 5–7 of 总工发〔2025〕10号",
    tiers={
        Tier.NATIONAL: TierRule(min_frontline_years=7, on_frontline_now=True, min_force_rating=5),
        Tier.PROVINCIAL: TierRule(min_frontline_years=5, on_frontline_now=True, min_force_rating=4),
        Tier.MUNICIPAL: TierRule(min_frontline_years=3, on_frontline_now=True, min_force_rating=3),
    },
    targets_2035={Tier.NATIONAL: 2000, Tier.PROVINCIAL: 10000, Tier.MUNICIPAL: 50000},
)
