"""The records of the cultivation lifecycle, as folded from the log (Art. 9–22).

Plain aggregates: a selection round (评选批次), a nomination (推荐), a cultivation (培养),
a certificate (证书), a discipline case (退出机制案件) and a provincial report (报告). The
deciders in the sibling modules check a signed event against them and then change them; nothing
here knows about signatures, storage or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from craftreg.domain.tiers import PolicyAdopted, Tier


class NominationStatus(StrEnum):
    SUBMITTED = "submitted"  # 已推荐, awaiting review
    RETURNED = "returned"  # 退回修改
    APPROVED = "approved"  # 审核通过
    REJECTED = "rejected"  # 未通过
    WITHDRAWN = "withdrawn"  # 撤回
    LISTED = "listed"  # 名单确定 (Art. 9)


LIVE_NOMINATION = frozenset(
    {
        NominationStatus.SUBMITTED,
        NominationStatus.RETURNED,
        NominationStatus.APPROVED,
        NominationStatus.LISTED,
    }
)


class CultivationStatus(StrEnum):
    ACTIVE = "active"  # 培养中
    ENDED_EARLY = "ended_early"  # 提前终止
    PASSED = "passed"  # 考核合格 (Art. 15)
    FAILED = "failed"  # 考核不合格


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"  # 撤销 (Art. 20)


class CaseStatus(StrEnum):
    """A rejected proposal sends the case back to ``open`` for a new proposal (Art. 20)."""

    OPEN = "open"
    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTED = "executed"


@dataclass
class Policy:
    version: str
    rules: PolicyAdopted
    position: int


@dataclass
class Round:
    id: str
    tier: Tier
    year: int
    body: str  # the cultivating body (Art. 3)
    deadline: str  # RFC 3339 UTC, compared with the signed event times
    quotas: dict[str, int]
    scope_regions: frozenset[str]
    scope_fields: frozenset[str]
    closed: bool = False
    determined: bool = False
    live: dict[str, set[str]] = field(default_factory=dict)  # unit -> live nominations
    identities: dict[str, str] = field(default_factory=dict)  # identity digest -> nomination


@dataclass
class Nomination:
    id: str
    round: str
    unit: str
    digest: str
    tier: Tier
    candidate: dict[str, Any]
    status: NominationStatus = NominationStatus.SUBMITTED
    tainted: bool = False
    cultivation: str | None = None  # the cultivation it started, at most one


@dataclass
class Cultivation:
    id: str
    nomination: str
    digest: str
    tier: Tier
    body: str
    start: str  # dates as YYYY-MM-DD
    end: str
    mentors: dict[str, str]
    # (kind, date) -> activities recorded, less those retracted: a retraction names both
    activity_days: dict[tuple[str, str], int] = field(default_factory=dict)
    status: CultivationStatus = CultivationStatus.ACTIVE
    certificate: str | None = None
    tainted: bool = False

    @property
    def activities(self) -> dict[str, int]:
        """Activities per kind (Art. 11–14), retractions taken off."""
        return _per_kind(self.activity_days)


@dataclass
class Certificate:
    id: str
    number: str
    digest: str
    tier: Tier
    body: str
    cultivation: str | None  # None for a record imported from the 2024 pilot (Art. 24)
    code_digest: str
    status: CertificateStatus = CertificateStatus.VALID
    revoked: dict[str, str] | None = None  # effective date, ground, case
    # (benefit, date) -> deliveries recorded, less those retracted: a retraction names both
    benefit_days: dict[tuple[str, str], int] = field(default_factory=dict)
    tainted: bool = False
    issued_at: int = 0  # log position of the issuing (or importing) event

    @property
    def benefits(self) -> dict[str, int]:
        """Deliveries per benefit (Art. 18), retractions taken off."""
        return _per_kind(self.benefit_days)


@dataclass
class Case:
    id: str
    subject_kind: str
    subject: str
    ground: str
    body: str
    evidence: list[str] = field(default_factory=list)
    findings: int = 0
    status: CaseStatus = CaseStatus.OPEN
    proposal: dict[str, str] | None = None  # decision, effective, proposer actor and key
    approved_at: int | None = None  # log position of the approval


@dataclass
class Report:
    id: str
    province: str
    period: int
    content_hash: str
    acknowledged: bool = False


@dataclass
class Lifecycle:
    policies: list[Policy] = field(default_factory=list)
    rounds: dict[str, Round] = field(default_factory=dict)
    nominations: dict[str, Nomination] = field(default_factory=dict)
    cultivations: dict[str, Cultivation] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # certificate number -> stream
    live_certificates: dict[tuple[str, Tier], str] = field(default_factory=dict)
    holdings: dict[str, list[str]] = field(default_factory=dict)  # identity digest -> certificates
    cases: dict[str, Case] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)

    @property
    def policy(self) -> Policy | None:
        return self.policies[-1] if self.policies else None


def _per_kind(days: dict[tuple[str, str], int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (kind, _), count in days.items():
        counts[kind] = counts.get(kind, 0) + count
    return counts
