"""Registry out (登记查询): list and detail routes for every registry view.

Public — no signature, rate limited like every ``opt=PUBLIC`` route:

* ``GET /v1/statistics`` — progress to the Art. 2 targets, distribution, Art. 8 shares …;
* ``GET /v1/certificates/{number}`` — a certificate's public fields (docs/http.md).

Everything else is a signed read (RFC 9421, craftreg/http/signatures.py) by an enrolled actor:
any role reads organisations, actors, rounds, review queues, nominations, cultivations,
certificates, benefits and reports, with the identity fields (``digest``, ``birth_date``) for
reviewers and auditors only; people are for reviewers and auditors, within their province
unless they stand at the national federation or audit; discipline cases for discipline
officers, approvers and auditors (Art. 20).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from craftreg.http import candidacies, examples, shapes
from craftreg.http.problems import NotFound
from craftreg.http.views import (
    DEFAULT_LIMIT,
    DISCIPLINE_ROLES,
    Body,
    Cursor,
    FreshViews,
    Id,
    Limit,
    Number,
    Region,
    Status,
    Text,
    Tier,
    Year,
    one,
    page,
    read_route,
    shape,
    shapes_of,
)
from craftreg.privacy import mask_name
from craftreg.projections import schema
from craftreg.projections.statistics import Statistics, statistics

# -- public --------------------------------------------------------------------------------


@get(
    "/v1/certificates/{number:str}",
    **read_route(
        shapes.PublicCertificate,
        examples.PUBLIC_CERTIFICATE,
        "证书查询 A certificate by its number (public)",
        public=True,
    ),
)
def certificate_by_number(
    views: NamedDependency[FreshViews],
    number: Number,
) -> shapes.PublicCertificate:
    found = views.fresh().certificate_and_issuer(number)
    if found is None:
        raise NotFound(
            f"没有编号为 {number} 的证书。", f"there is no certificate numbered {number}."
        )
    row, issuer = found
    return shapes.PublicCertificate(
        number=row["number"],
        tier=row["tier"],
        body=row["body"],
        body_name=issuer,
        issue_date=row["issue_date"],
        status=row["status"],
        holder=mask_name(row["holder_name"] or ""),
        revoked_on=row["revoked_on"],
        revocation_ground=row["revocation_ground"],
    )


@get(
    "/v1/statistics",
    **read_route(
        Statistics,
        Statistics(
            day="2029-12-31",
            province="330000",
            log_size=120,
            targets=[],
            by_province=[],
            by_city=[],
            by_industry=[],
            shares=[],
            pass_rates=[],
            revocations={"falsification": 1},
            years=[],
        ),
        "统计 Statistics of the measures (public)",
        public=True,
    ),
)
def registry_statistics(
    views: NamedDependency[FreshViews],
    day: Annotated[date | None, Parameter(description="count holders on this day (today)")] = None,
    province: Region = None,
) -> Statistics:
    return statistics(views.fresh().tables, day or date.today(), province)


# -- signed: the chain of authority and the rounds ----------------------------------------


@get(
    "/v1/organisations",
    **read_route(shapes.OrganisationPage, examples.ORGANISATION, "单位 Organisations", paged=True),
)
def organisations(
    views: NamedDependency[FreshViews],
    kind: Text = None,
    parent: Text = None,
    province: Region = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.OrganisationPage:
    filters = {"kind": kind, "parent": parent, "province": province}
    found = page(views.fresh(), schema.ORGANISATIONS, filters, cursor, limit)
    return shapes.OrganisationPage(shapes_of(found.rows, shapes.Organisation), found.next)


@get(
    "/v1/organisations/{id:str}",
    **read_route(shapes.Organisation, examples.ORGANISATION, "单位 An organisation"),
)
def organisation(views: NamedDependency[FreshViews], id: Id) -> shapes.Organisation:
    row = one(
        views.fresh(),
        schema.ORGANISATIONS,
        "id",
        id,
        "没有单位 {}。",
        "there is no organisation {}.",
    )
    return shape(row, shapes.Organisation)


@get("/v1/actors", **read_route(shapes.ActorPage, examples.ACTOR, "经办人 Actors", paged=True))
def actors(
    views: NamedDependency[FreshViews],
    organisation: Text = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.ActorPage:
    found = page(views.fresh(), schema.ACTORS, {"organisation": organisation}, cursor, limit)
    return shapes.ActorPage(shapes_of(found.rows, shapes.Actor), found.next)


@get("/v1/actors/{id:str}", **read_route(shapes.Actor, examples.ACTOR, "经办人 An actor"))
def actor(views: NamedDependency[FreshViews], id: Id) -> shapes.Actor:
    return shape(
        one(views.fresh(), schema.ACTORS, "id", id, "没有经办人 {}。", "there is no actor {}."),
        shapes.Actor,
    )


@get(
    "/v1/rounds",
    **read_route(shapes.RoundPage, examples.ROUND, "评选轮次 Rounds (Art. 9)", paged=True),
)
def rounds(
    views: NamedDependency[FreshViews],
    body_id: Body = None,
    year: Year = None,
    tier: Tier = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.RoundPage:
    filters = {"body": body_id, "year": year, "tier": tier}
    found = page(views.fresh(), schema.ROUNDS, filters, cursor, limit)
    return shapes.RoundPage(shapes_of(found.rows, shapes.Round), found.next)


@get(
    "/v1/rounds/{id:str}",
    **read_route(shapes.Round, examples.ROUND, "评选轮次 A round with its quota use"),
)
def round_detail(views: NamedDependency[FreshViews], id: Id) -> shapes.Round:
    fresh = views.fresh()
    row = one(fresh, schema.ROUNDS, "id", id, "没有评选轮次 {}。", "there is no round {}.")
    use = fresh.tables.select(schema.QUOTAS, " WHERE round = ? ORDER BY unit", (id,))
    return shape({**row, "use": use}, shapes.Round)


# -- signed: discipline (restricted) and reports -----------------------------------------


@get(
    "/v1/discipline-cases",
    **read_route(
        shapes.CasePage,
        examples.CASE,
        "纪律案件 Discipline cases (Art. 20)",
        roles=DISCIPLINE_ROLES,
        paged=True,
    ),
)
def cases(
    views: NamedDependency[FreshViews],
    body_id: Body = None,
    status: Status = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.CasePage:
    found = page(views.fresh(), schema.CASES, {"body": body_id, "status": status}, cursor, limit)
    return shapes.CasePage(shapes_of(found.rows, shapes.Case), found.next)


@get(
    "/v1/discipline-cases/{id:str}",
    **read_route(shapes.Case, examples.CASE, "纪律案件 A discipline case", roles=DISCIPLINE_ROLES),
)
def case(views: NamedDependency[FreshViews], id: Id) -> shapes.Case:
    return shape(
        one(views.fresh(), schema.CASES, "id", id, "没有案件 {}。", "there is no case {}."),
        shapes.Case,
    )


@get(
    "/v1/reports",
    **read_route(shapes.ReportPage, examples.REPORT, "定期报告 Reports (Art. 22)", paged=True),
)
def reports(
    views: NamedDependency[FreshViews],
    province: Region = None,
    period: Year = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.ReportPage:
    filters = {"province": province, "period": period}
    found = page(views.fresh(), schema.REPORTS, filters, cursor, limit)
    return shapes.ReportPage(shapes_of(found.rows, shapes.Report), found.next)


@get("/v1/reports/{id:str}", **read_route(shapes.Report, examples.REPORT, "定期报告 A report"))
def report(views: NamedDependency[FreshViews], id: Id) -> shapes.Report:
    return shape(
        one(views.fresh(), schema.REPORTS, "id", id, "没有报告 {}。", "there is no report {}."),
        shapes.Report,
    )


ROUTES: tuple[HTTPRouteHandler, ...] = (
    certificate_by_number,
    registry_statistics,
    organisations,
    organisation,
    actors,
    actor,
    rounds,
    round_detail,
    cases,
    case,
    reports,
    report,
    *candidacies.ROUTES,
)
