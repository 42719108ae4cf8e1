"""Examples of the registry-out answers (登记查询应答示例), shown in the OpenAPI document.

One invented row per view, consistent with one another (the same body, the same person),
in the Structs of :mod:`craftreg.http.shapes`.
"""

from __future__ import annotations

from craftreg.http.shapes import (
    Actor,
    Benefit,
    Case,
    Certificate,
    Cultivation,
    DisciplineReach,
    Nomination,
    Organisation,
    Person,
    PublicCertificate,
    QuotaUse,
    ReachPipeline,
    Report,
    Round,
)
from craftreg.projections.reach import Dependent, FollowedKey

_ID = "4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10"
_BODY = "0c1f6f3e-6a0b-4c1e-9d3c-2b5a7e8f9a10"
_UNIT = "7a2b9c4d-1e3f-4a5b-8c6d-9e0f1a2b3c4d"
_DIGEST = "3f1e0c7b9a5d4e2f8c6b1a0d9e8f7c6b5a4d3e2f1c0b9a8d7e6f5c4b3a2d1e0f"
_TIME = "2027-03-02T09:15:00.000000Z"


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
    revoked_on="2030-01-15",
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
    effective="2030-01-15",
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
_REGISTRAR = ("2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182", "0d1c2b3a" * 4)
_RECOMMENDER = ("8c9d0e1f-2a3b-4c5d-8e6f-7a8b9c0d1e2f", "9a8b7c6d" * 4)
REACH = DisciplineReach(
    criterion="signer",
    value=_REGISTRAR[1],
    decision_count=2,
    keys=[
        FollowedKey(
            key=_REGISTRAR[1], actor=_REGISTRAR[0], name="李强", how="signed", enrolled_at=12
        ),
        FollowedKey(
            key=_RECOMMENDER[1],
            actor=_RECOMMENDER[0],
            name="杭州推荐人",
            how="enrolled",
            via=_REGISTRAR[1],
            enrolled_at=30,
        ),
    ],
    pipelines=[
        ReachPipeline(
            pipeline=_ID,
            name="陈静",
            tier="provincial",
            nomination_status="approved",
            entered_at=42,
            decisions=[
                Dependent(
                    position=42,
                    type="NominationSubmitted",
                    stream=_ID,
                    time=_TIME,
                    signer=_RECOMMENDER[1],
                    actor=_RECOMMENDER[0],
                    detail={"unit": _UNIT, "round": _ID},
                ),
                Dependent(
                    position=57,
                    type="NominationReviewed",
                    stream=_ID,
                    time="2027-04-02T10:00:00.000000Z",
                    signer="5f0c3d2e" * 4,  # 王芳, the reviewer of ACTOR
                    actor=_ID,
                    detail={"decision": "approved"},
                ),
            ],
        )
    ],
)
NEXT = "WyI0ZDZmOGE1Mi0yZjFjLTRhNjMtOWE1Ny0xZjNlN2M5YjJkMTAiXQ"
