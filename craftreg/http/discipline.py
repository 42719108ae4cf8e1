"""Discipline support out (纪律追溯, Art. 20): the whole reach of a falsified input.

``GET /v1/discipline/reach`` names exactly one input — an evidence hash, a recommending unit, an
assessor or a signing key — and answers every candidacy it entered with each decision that
depends on it there (craftreg/projections/reach.py). Like the discipline cases, it is a signed
read for discipline officers, discipline approvers and auditors; the person's identity digest
goes to auditors only, as everywhere (docs/http.md).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from craftreg.http import examples, shapes
from craftreg.http.problems import EXAMPLE_ERRORS, problem_spec
from craftreg.http.signatures import Requester
from craftreg.http.views import DISCIPLINE_ROLES, FreshViews, read_route, shape
from craftreg.projections import reach
from craftreg.projections.errors import (
    MalformedEvidenceHash,
    MalformedKeyId,
    NoReachCriterion,
    SeveralReachCriteria,
)

Evidence = Annotated[
    str | None, Parameter(max_length=64, description="an evidence document's SHA-256 (hex)")
]
Unit = Annotated[str | None, Parameter(max_length=64, description="a recommending unit's id")]
Assessor = Annotated[
    str | None, Parameter(max_length=64, description="an assessor: actor id or key id")
]
SignerKey = Annotated[
    str | None,
    Parameter(
        max_length=64,
        description="a key id: with every key it enrolled and every key of an actor whose"
        " roles it changed (from that change on), at any remove",
    ),
]

_OPTIONS = read_route(
    shapes.DisciplineReach,
    examples.REACH,
    "纪律追溯 Everything that rests on an input (Art. 20)",
    roles=DISCIPLINE_ROLES,
)
_OPTIONS["responses"][400] = problem_spec(
    "Not exactly one input, or one of the wrong form.",
    NoReachCriterion(),
    SeveralReachCriteria(["unit", "signer"]),
    MalformedEvidenceHash(),
    MalformedKeyId(),
    *EXAMPLE_ERRORS[400][1],  # a value longer than 64 characters
)


@get("/v1/discipline/reach", **_OPTIONS)
def discipline_reach(
    views: NamedDependency[FreshViews],
    requester: NamedDependency[Requester],
    evidence: Evidence = None,
    unit: Unit = None,
    assessor: Assessor = None,
    signer: SignerKey = None,
) -> shapes.DisciplineReach:
    criterion, value = reach.criterion(
        evidence=evidence, unit=unit, assessor=assessor, signer=signer
    )
    found = reach.of(views.fresh().tables, criterion, value)
    return shapes.DisciplineReach(
        criterion=found.criterion,
        value=found.value,
        decision_count=found.decision_count,
        keys=found.keys,
        pipelines=[
            shape(msgspec.to_builtins(p), shapes.ReachPipeline, requester) for p in found.pipelines
        ],
        cases=found.cases,
    )


ROUTES: tuple[HTTPRouteHandler, ...] = (discipline_reach,)
