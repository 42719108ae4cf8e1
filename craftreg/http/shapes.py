"""What the registry-out routes answer (登记查询的应答): one msgspec Struct per view row.

Fields follow the view columns of docs/projections.md §2. ``digest`` (the keyed hash of the
identity number, docs/privacy.md) and ``birth_date`` are *identity fields*: they are sent only
to reviewers and auditors, and left out (``null``) for every other signer. A public
certificate look-up sends :class:`PublicCertificate` — no identity, the holder's name masked.
"""

from __future__ import annotations

from typing import Any

import msgspec

from craftreg.projections.reach import Dependent, FollowedKey


class Organisation(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    name: str
    parent: str | None = None
    region: str | None = None
    province: str | None = None  # inherited from the parent when it names no region


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    organisation: str
    name: str
    roles: list[str]
    key: str | None = None  # the current key id; None once revoked


class QuotaUse(msgspec.Struct, frozen=True, kw_only=True):
    """A recommending unit's quota and its use (Art. 9)."""

    unit: str
    quota: int
    used: int
    submitted: int
    listed: int


class Round(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    tier: str
    year: int
    body: str
    deadline: str
    announced_at: str | None = None
    closed: bool = False
    determined: bool = False
    quotas: dict[str, int] = {}
    quota_total: int = 0
    nominated: int = 0
    listed: int = 0
    awaiting_list: list[str] = []
    version: int = 0
    last_position: int = 0
    use: list[QuotaUse] | None = None  # on the detail only


class Nomination(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    round: str
    unit: str
    body: str
    tier: str
    year: int
    name: str
    status: str
    gender: str | None = None
    employer: str | None = None
    employer_category: str | None = None
    region: str | None = None
    province: str | None = None
    city: str | None = None
    trade: str | None = None
    industry_field: str | None = None
    frontline_years: int | None = None
    tags: list[str] = []
    submitted_at: str | None = None
    reviewed_at: str | None = None
    review_decision: str | None = None
    review_reasons: list[str] | None = None
    cultivation: str | None = None
    tainted: bool = False
    version: int = 0
    last_position: int = 0
    digest: str | None = None  # identity field
    birth_date: str | None = None  # identity field


class Person(msgspec.Struct, frozen=True, kw_only=True):
    """Where a person stands (docs/projections.md §3); reviewers and auditors only."""

    digest: str
    name: str
    status: str
    tier: str | None = None
    certified_tier: str | None = None
    gender: str | None = None
    birth_date: str | None = None
    province: str | None = None
    city: str | None = None
    employer: str | None = None
    trade: str | None = None
    industry_field: str | None = None
    tags: list[str] = []
    pipeline: str | None = None
    nomination: str | None = None
    cultivation: str | None = None
    certificate: str | None = None
    pipelines: list[str] = []
    certificates: list[str] = []
    last_position: int = 0


class Cultivation(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    nomination: str
    name: str
    tier: str
    body: str
    status: str
    province: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    mentor_professional: str | None = None  # Art. 11: a professional and a skills mentor
    mentor_professional_org: str | None = None
    mentor_skills: str | None = None
    mentor_skills_org: str | None = None
    activities: int = 0
    started_at: str | None = None
    ended_reason: str | None = None
    assessed_at: str | None = None
    result: str | None = None
    scores: dict[str, int] | None = None
    assessors: list[str] | None = None
    certificate: str | None = None
    tainted: bool = False
    version: int = 0
    last_position: int = 0
    digest: str | None = None  # identity field
    activity_counts: dict[str, int] | None = None  # on the detail only (Art. 11–14)


class Certificate(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    number: str
    holder_name: str
    tier: str
    body: str
    status: str
    issue_date: str
    gender: str | None = None
    age_at_issue: int | None = None
    province: str | None = None
    city: str | None = None
    trade: str | None = None
    employer: str | None = None
    industry_field: str | None = None
    tags: list[str] = []
    cultivation: str | None = None
    nomination: str | None = None
    pilot: bool = False
    revoked_on: str | None = None
    revocation_ground: str | None = None
    revocation_case: str | None = None
    tainted: bool = False
    version: int = 0
    last_position: int = 0
    digest: str | None = None  # identity field
    birth_date: str | None = None  # identity field


class PublicCertificate(msgspec.Struct, frozen=True, kw_only=True):
    """证书查询 What anyone may learn of a certificate by its number."""

    number: str
    tier: str
    body: str
    body_name: str
    issue_date: str
    status: str  # valid, revoked
    holder: str  # the name masked: 张*明
    revoked_on: str | None = None
    revocation_ground: str | None = None  # its category only (Art. 20): falsification, …


class Benefit(msgspec.Struct, frozen=True, kw_only=True):
    """A benefit of a certificate (Art. 18) and its deliveries."""

    certificate: str
    benefit: str
    entitled: bool
    deliveries: int
    dates: list[str]
    last_date: str | None = None
    ended_on: str | None = None  # the revocation's effective date (Art. 20)


class Case(msgspec.Struct, frozen=True, kw_only=True):
    """A discipline case (Art. 20): discipline officers, approvers and auditors only."""

    id: str
    subject_kind: str
    subject: str
    ground: str
    body: str
    status: str
    opened_at: str | None = None
    summary: str | None = None
    evidence: list[str] = []
    findings: int = 0
    decision: str | None = None
    effective: str | None = None
    proposer: str | None = None
    approver: str | None = None
    taints: bool = False
    certificate: str | None = None
    executed_at: str | None = None
    version: int = 0
    last_position: int = 0


class ReachPipeline(msgspec.Struct, frozen=True, kw_only=True):
    """A candidacy the traced input entered, and every decision that depends on it there."""

    pipeline: str  # the nomination id, or the certificate id of a pilot record
    name: str
    tier: str
    nomination_status: str | None = None  # None: a pilot record (Art. 24)
    tainted: bool = False
    certificates: list[str] = []  # numbers
    entered_at: int  # the log position where the input entered the pipeline
    decisions: list[Dependent]
    digest: str | None = None  # identity field


class DisciplineReach(msgspec.Struct, frozen=True, kw_only=True):
    """纪律追溯 The reach of one input (Art. 20): discipline roles and auditors only."""

    criterion: str  # evidence, unit, assessor or signer
    value: str
    decision_count: int
    keys: list[FollowedKey]  # whose signatures were followed, and why
    pipelines: list[ReachPipeline]
    cases: list[str] = []  # discipline cases that attached the evidence


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """A periodic report (Art. 22)."""

    id: str
    province: str
    period: int
    content_hash: str
    summary: dict[str, Any]
    region: str | None = None
    submitted_at: str | None = None
    signer: str | None = None
    acknowledged: bool = False
    acknowledged_at: str | None = None


# -- pages: the rows and the cursor of the next page (None on the last) -----------------------


class OrganisationPage(msgspec.Struct, frozen=True):
    items: list[Organisation]
    next: str | None


class ActorPage(msgspec.Struct, frozen=True):
    items: list[Actor]
    next: str | None


class RoundPage(msgspec.Struct, frozen=True):
    items: list[Round]
    next: str | None


class NominationPage(msgspec.Struct, frozen=True):
    items: list[Nomination]
    next: str | None


class PersonPage(msgspec.Struct, frozen=True):
    items: list[Person]
    next: str | None


class CultivationPage(msgspec.Struct, frozen=True):
    items: list[Cultivation]
    next: str | None


class CertificatePage(msgspec.Struct, frozen=True):
    items: list[Certificate]
    next: str | None


class CasePage(msgspec.Struct, frozen=True):
    items: list[Case]
    next: str | None


class ReportPage(msgspec.Struct, frozen=True):
    items: list[Report]
    next: str | None
