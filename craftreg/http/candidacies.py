"""Candidacies out (候选人查询): nominations, review queues, people, cultivations, certificates.

Signed reads (docs/http.md): any enrolled actor reads nominations, review queues, cultivations,
certificates and their benefits, with the identity fields (``digest``, ``birth_date``) for
reviewers of the row's province and auditors only; people are for reviewers and auditors, each within the province of
their organisation unless they stand at the national federation or audit.
"""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from craftreg.domain.errors import OutsideJurisdiction
from craftreg.http import examples, shapes
from craftreg.http.signatures import Requester
from craftreg.http.views import (
    DEFAULT_LIMIT,
    IDENTITY_ROLES,
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
from craftreg.projections import schema


@get(
    "/v1/organisations/{id:str}/review-queue",
    **read_route(
        shapes.NominationPage,
        examples.NOMINATION,
        "待审核 A body's review queue (Art. 9)",
        paged=True,
    ),
)
def review_queue(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    id: Id,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.NominationPage:
    """Nominations awaiting a review decision by this cultivating body, oldest first."""
    filters = {"body": id, "status": "submitted"}
    order = ("submitted_at", "id")
    found = page(views.fresh(), schema.NOMINATIONS, filters, cursor, limit, order)
    return shapes.NominationPage(shapes_of(found.rows, shapes.Nomination, requester), found.next)


# -- signed: candidacies, cultivation, certificates ----------------------------------------


@get(
    "/v1/nominations",
    **read_route(shapes.NominationPage, examples.NOMINATION, "推荐 Nominations", paged=True),
)
def nominations(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    round: Text = None,
    unit: Text = None,
    body_id: Body = None,
    status: Status = None,
    tier: Tier = None,
    year: Year = None,
    province: Region = None,
    city: Region = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.NominationPage:
    filters = {
        "round": round,
        "unit": unit,
        "body": body_id,
        "status": status,
        "tier": tier,
        "year": year,
        "province": province,
        "city": city,
    }
    found = page(views.fresh(), schema.NOMINATIONS, filters, cursor, limit)
    return shapes.NominationPage(shapes_of(found.rows, shapes.Nomination, requester), found.next)


@get(
    "/v1/nominations/{id:str}",
    **read_route(shapes.Nomination, examples.NOMINATION, "推荐 A nomination"),
)
def nomination(
    views: NamedDependency[FreshViews], requester: NamedDependency[Requester], id: Id
) -> shapes.Nomination:
    row = one(
        views.fresh(), schema.NOMINATIONS, "id", id, "没有推荐 {}。", "there is no nomination {}."
    )
    return shape(row, shapes.Nomination, requester)


def _outside(requester: Requester, province: str) -> OutsideJurisdiction:
    return OutsideJurisdiction(
        f"{requester.name} 所在单位只能查看本省（{province}）人员。",
        f"{requester.name}'s organisation may see people of province {province} only.",
    )


@get(
    "/v1/people",
    **read_route(
        shapes.PersonPage,
        examples.PERSON,
        "人员 People (reviewers, auditors)",
        roles=IDENTITY_ROLES,
        paged=True,
    ),
)
def people(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    province: Region = None,
    city: Region = None,
    status: Status = None,
    tier: Tier = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.PersonPage:
    fresh = views.fresh()
    own = requester.jurisdiction
    if own is not None and province not in (None, own):
        raise _outside(requester, own)
    filters = {"province": own or province, "city": city, "status": status, "tier": tier}
    found = page(fresh, schema.PEOPLE, filters, cursor, limit)
    return shapes.PersonPage(shapes_of(found.rows, shapes.Person, requester), found.next)


@get(
    "/v1/people/{digest:str}",
    **read_route(
        shapes.Person, examples.PERSON, "人员 Where a person stands", roles=IDENTITY_ROLES
    ),
)
def person(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    digest: Annotated[str, Parameter(max_length=64, description="the identity digest")],
) -> shapes.Person:
    fresh = views.fresh()
    row = one(fresh, schema.PEOPLE, "digest", digest, "没有人员 {}。", "there is no person {}.")
    own = requester.jurisdiction
    if own is not None and row["province"] != own:
        raise _outside(requester, own)
    return shape(row, shapes.Person, requester)


@get(
    "/v1/cultivations",
    **read_route(shapes.CultivationPage, examples.CULTIVATION, "培养 Cultivations", paged=True),
)
def cultivations(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    body_id: Body = None,
    status: Status = None,
    tier: Tier = None,
    province: Region = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.CultivationPage:
    filters = {"body": body_id, "status": status, "tier": tier, "province": province}
    found = page(views.fresh(), schema.CULTIVATIONS, filters, cursor, limit)
    return shapes.CultivationPage(shapes_of(found.rows, shapes.Cultivation, requester), found.next)


@get(
    "/v1/cultivations/{id:str}",
    **read_route(
        shapes.Cultivation, examples.CULTIVATION, "培养 A cultivation with its activities"
    ),
)
def cultivation(
    views: NamedDependency[FreshViews], requester: NamedDependency[Requester], id: Id
) -> shapes.Cultivation:
    fresh = views.fresh()
    row = one(
        fresh, schema.CULTIVATIONS, "id", id, "没有培养记录 {}。", "there is no cultivation {}."
    )
    activities = fresh.tables.select(schema.ACTIVITIES, " WHERE cultivation = ?", (id,))
    counts = {a["kind"]: a["count"] for a in activities}
    return shape({**row, "activity_counts": counts}, shapes.Cultivation, requester)


@get(
    "/v1/certificates",
    **read_route(shapes.CertificatePage, examples.CERTIFICATE, "证书 Certificates", paged=True),
)
def certificates(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    tier: Tier = None,
    province: Region = None,
    city: Region = None,
    body_id: Body = None,
    status: Status = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> shapes.CertificatePage:
    filters = {"tier": tier, "province": province, "city": city, "body": body_id, "status": status}
    found = page(views.fresh(), schema.CERTIFICATES, filters, cursor, limit)
    return shapes.CertificatePage(shapes_of(found.rows, shapes.Certificate, requester), found.next)


@get(
    "/v1/certificates/{number:str}/record",
    **read_route(shapes.Certificate, examples.CERTIFICATE, "证书 A certificate's full row"),
)
def certificate_record(
    views: NamedDependency[FreshViews], requester: NamedDependency[Requester], number: Number
) -> shapes.Certificate:
    row = one(
        views.fresh(),
        schema.CERTIFICATES,
        "number",
        number,
        "没有编号为 {} 的证书。",
        "there is no certificate numbered {}.",
    )
    return shape(row, shapes.Certificate, requester)


@get(
    "/v1/certificates/{number:str}/benefits",
    **read_route(
        list[shapes.Benefit], [examples.BENEFIT], "待遇 A certificate's benefits (Art. 18)"
    ),
)
def benefits(views: NamedDependency[FreshViews], number: Number) -> list[shapes.Benefit]:
    fresh = views.fresh()
    row = one(
        fresh,
        schema.CERTIFICATES,
        "number",
        number,
        "没有编号为 {} 的证书。",
        "there is no certificate numbered {}.",
    )
    found = fresh.tables.select(
        schema.BENEFITS, " WHERE certificate = ? ORDER BY benefit", (row["id"],)
    )
    return shapes_of(found, shapes.Benefit)


ROUTES: tuple[HTTPRouteHandler, ...] = (
    review_queue,
    nominations,
    nomination,
    people,
    person,
    cultivations,
    cultivation,
    certificates,
    certificate_record,
    benefits,
)
