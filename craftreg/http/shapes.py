"""What the registry-out routes answer (登记查询的应答): one msgspec Struct per view row.

Fields follow the view columns of docs/projections.md §2. ``digest`` (the keyed hash of the
identity number, docs/privacy.md) and ``birth_date`` are *identity fields*: they are sent only
to reviewers and auditors, and left out (``null``) for every other signer. A public
certificate look-up sends :class:`PublicCertificate` — no identity, the holder's name masked.
"""

from __future__ import annotations

from typing import Any

import msgspec

_ID = "4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10"
_BODY = "0c1f6f3e-6a0b-4c1e-9d3c-2b5a7e8f9a10"
_UNIT = "7a2b9c4d-1e3f-4a5b-8c6d-9e0f1a2b3c4d"
_DIGEST = "3f1e0c7b9a5d4e2f8c6b1a0d9e8f7c6b5a4d3e2f1c0b9a8d7e6f5c4b3a2d1e0f"
_TIME = "2027-03-02T09:15:00.000000Z"


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


class Round(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
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


class Cultivation(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
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


# -- OpenAPI examples -----------------------------------------------------------------------

ORGANISATION = Organisation(
    id=_BODY, kind="provincial_federation", name="浙江省总工会", region="330000", province="330000"
)
ACTOR = Actor(id=_ID, organisation=_BODY, name="王芳", roles=["reviewer"], key="5f0c3d2e" * 4)
ROUND = Round(
    id=_ID,
    tier="provincial",
    year=2027,
    body=_BODY,
    deadline="2027-03-31T16:00:00.000000Z",
    announced_at=_TIME,
    quotas={_UNIT: 3},
    quota_total=3,
    nominated=2,
    version=2,
    last_position=41,
    use=[QuotaUse(unit=_UNIT, quota=3, used=2, submitted=2, listed=0)],
)
NOMINATION = Nomination(
    id=_ID,
    round=_ID,
    unit=_UNIT,
    body=_BODY,
    tier="provincial",
    year=2027,
    name="陈静",
    status="submitted",
    gender="female",
    employer="杭州汽轮动力集团",
    region="330102",
    province="330000",
    city="330100",
    trade="数控车工",
    industry_field="manufacturing",
    frontline_years=12,
    submitted_at=_TIME,
    version=1,
    last_position=42,
)
PERSON = Person(
    digest=_DIGEST,
    name="陈静",
    status="certified",
    tier="provincial",
    certified_tier="provincial",
    province="330000",
    city="330100",
    pipelines=[_ID],
    certificates=["S33-2029-00001"],
    last_position=97,
)
CULTIVATION = Cultivation(
    id=_ID,
    nomination=_ID,
    name="陈静",
    tier="provincial",
    body=_BODY,
    status="active",
    start_date="2027-05-01",
    end_date="2029-04-30",
    mentor_professional="刘教授",
    mentor_skills="张大师",
    activities=2,
    version=3,
    last_position=60,
    activity_counts={"camp_learn": 1, "camp_test": 1},
)
CERTIFICATE = Certificate(
    id=_ID,
    number="S33-2029-00001",
    holder_name="陈静",
    tier="provincial",
    body=_BODY,
    status="valid",
    issue_date="2029-05-10",
    province="330000",
    city="330100",
    trade="数控车工",
    employer="杭州汽轮动力集团",
    version=1,
    last_position=88,
)
PUBLIC_CERTIFICATE = PublicCertificate(
    number="S33-2029-00001",
    tier="provincial",
    body=_BODY,
    body_name="浙江省总工会",
    issue_date="2029-05-10",
    status="revoked",
    holder="陈*",
    revoked_on="2030-02-01",
    revocation_ground="falsification",
)
BENEFIT = Benefit(
    certificate=_ID, benefit="health_check", entitled=True, deliveries=1, dates=["2029-05-10"]
)
CASE = Case(
    id=_ID,
    subject_kind="nomination",
    subject=_ID,
    ground="falsification",
    body=_BODY,
    status="executed",
    summary="推荐材料中的获奖证书系伪造",
    evidence=[_DIGEST],
    findings=1,
    decision="revoke",
    effective="2030-02-01",
    taints=True,
    version=6,
    last_position=120,
)
REPORT = Report(
    id=_ID,
    province="330000",
    region="330000",
    period=2029,
    content_hash=_DIGEST,
    summary={"certified_provincial": 1},
    submitted_at=_TIME,
    acknowledged=True,
)
NEXT = "WyI0ZDZmOGE1Mi0yZjFjLTRhNjMtOWE1Ny0xZjNlN2M5YjJkMTAiXQ"
