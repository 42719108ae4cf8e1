"""Decisions in (决定提交): one resource-shaped route per kind of decision, and /v1/events.

Every route takes the signed event of docs/event-format.md as JSON bytes — the canonical
bytes that were signed are re-derived by :func:`craftreg.domain.envelope.decode_wire` — checks
that the event belongs at this route (its type, and for ``/{record}/…`` routes its stream), and
hands it to the registry, which admits it against the whole log or refuses it unchanged.
``201`` answers where the event now stands: its stream version and its ledger leaf index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import Parameter

from craftreg.application import Registry
from craftreg.domain.catalogue import KINDS
from craftreg.domain.envelope import decode_wire
from craftreg.domain.errors import GenesisError
from craftreg.http.abuse import require_json
from craftreg.http.problems import NotFound, RouteMismatch, error_responses
from craftreg.http.signatures import Requester, signed_by
from craftreg.http.specimens import specimens


@dataclass(frozen=True)
class DecisionRoute:
    """``path`` holds ``{record}`` when the decision is about an existing record."""

    path: str
    types: tuple[str, ...]
    summary: str
    certificate: bool = False  # ``{record}``: a certificate number, or the certificate's id

    @property
    def about_record(self) -> bool:
        return "{record}" in self.path


R = DecisionRoute
DECISION_ROUTES: tuple[DecisionRoute, ...] = (
    R("/v1/organisations", ("OrganisationRegistered",), "单位登记 Register an organisation"),
    R("/v1/actors", ("ActorEnrolled",), "经办人登记 Enrol an actor"),
    R("/v1/actors/{record}/keys", ("ActorKeyRotated",), "密钥更换 Rotate an actor's key"),
    R("/v1/actors/{record}/key-revocations", ("ActorKeyRevoked",), "密钥吊销 Revoke a key"),
    R("/v1/actors/{record}/roles", ("ActorRolesChanged",), "角色调整 Change an actor's roles"),
    R("/v1/policies", ("PolicyAdopted",), "政策采纳 Adopt a policy (Art. 2, 5–7)"),
    R("/v1/rounds", ("RoundAnnounced",), "发布评选通知 Announce a round (Art. 9)"),
    R("/v1/rounds/{record}/quota-adjustments", ("QuotasAdjusted",), "调整名额 Adjust quotas"),
    R("/v1/rounds/{record}/closure", ("RoundClosed",), "推荐截止 Close a round (Art. 9)"),
    R("/v1/rounds/{record}/list", ("ListDetermined",), "名单确定 Determine the list (Art. 9)"),
    R("/v1/nominations", ("NominationSubmitted",), "推荐 Nominate a candidate (Art. 4–9)"),
    R("/v1/nominations/{record}/amendments", ("NominationAmended",), "修改推荐 Amend"),
    R("/v1/nominations/{record}/withdrawal", ("NominationWithdrawn",), "撤回推荐 Withdraw"),
    R("/v1/nominations/{record}/reviews", ("NominationReviewed",), "审核 Review (Art. 9)"),
    R("/v1/nominations/{record}/review-reversals", ("ReviewReversed",), "撤回审核决定"),
    R("/v1/cultivations", ("CultivationStarted",), "开始培养 Start (Art. 10–11)"),
    R("/v1/cultivations/{record}/activities", ("ActivityRecorded",), "培养活动 (Art. 11–14)"),
    R("/v1/cultivations/{record}/activity-retractions", ("ActivityRetracted",), "撤回活动记录"),
    R("/v1/cultivations/{record}/extensions", ("CultivationExtended",), "延长培养期 (Art. 10)"),
    R("/v1/cultivations/{record}/mentors", ("MentorsChanged",), "更换导师 (Art. 11)"),
    R("/v1/cultivations/{record}/end", ("CultivationEnded",), "提前终止培养 End early"),
    R("/v1/cultivations/{record}/assessments", ("CultivationAssessed",), "考核 (Art. 15)"),
    R("/v1/cultivations/{record}/assessment-reversals", ("AssessmentReversed",), "撤回考核"),
    R(
        "/v1/certificates",
        ("CertificateIssued", "PilotCertificateImported"),
        "颁发证书 Issue a certificate (Art. 15), or import a 2024 pilot one (Art. 24)",
    ),
    R("/v1/certificates/{record}/benefits", ("BenefitDelivered",), "落实待遇 (Art. 18)", True),
    R("/v1/certificates/{record}/benefit-retractions", ("BenefitRetracted",), "撤回待遇", True),
    R("/v1/certificates/{record}/corrections", ("CertificateCorrected",), "更正证书文字", True),
    R("/v1/certificates/{record}/revocations", ("CertificateRevoked",), "撤销证书 (Art. 20)", True),
    R("/v1/discipline-cases", ("CaseOpened",), "立案 Open a discipline case (Art. 20)"),
    R("/v1/discipline-cases/{record}/evidence", ("EvidenceAttached",), "附证据 Attach evidence"),
    R("/v1/discipline-cases/{record}/findings", ("FindingRecorded",), "调查结论 Record a finding"),
    R("/v1/discipline-cases/{record}/proposals", ("DecisionProposed",), "提出处理意见 Propose"),
    R("/v1/discipline-cases/{record}/approvals", ("DecisionApproved",), "审批同意 (Art. 20)"),
    R("/v1/discipline-cases/{record}/rejections", ("DecisionRejected",), "审批不同意 Reject"),
    R("/v1/reports", ("ReportSubmitted",), "报送定期报告 Submit a report (Art. 22)"),
    R("/v1/reports/{record}/acknowledgements", ("ReportAcknowledged",), "确认收到 (Art. 22)"),
)
# Genesis is written on the server by `craftreg init`: an unfounded server must not let the
# first caller over the network pin a root key of their own.
ANY_EVENT = DecisionRoute(
    "/v1/events",
    tuple(t for t in KINDS if t != "RegistryFounded"),
    "任意签名事件 Any signed event (tooling)",
)
ROUTE_OF_TYPE: dict[str, DecisionRoute] = {t: r for r in DECISION_ROUTES for t in r.types}


def route_for(type_: str, stream: str) -> str:
    """The resource route an event of ``type_`` about ``stream`` is submitted to."""
    route = ROUTE_OF_TYPE.get(type_, ANY_EVENT)
    return route.path.replace("{record}", stream)


class Accepted(msgspec.Struct, frozen=True):
    """The event is in the log: its record, its version there, and its ledger leaf index."""

    stream: str
    version: int
    type: str
    leaf_index: int


class StreamVersion(msgspec.Struct, frozen=True):
    """Where a record stands: the next decision about it is signed as ``version + 1``."""

    stream: str
    version: int


RecordRef = Annotated[
    str,
    Parameter(
        description="The record's id (UUID); for a certificate, its number (S33-2029-00001) or id."
    ),
]

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
_BASE64_SIGNATURE = r"^[A-Za-z0-9+/]{86}==$"


def _body_schema(types: tuple[str, ...]) -> Schema:
    string = OpenAPIType.STRING
    envelope = Schema(
        type=OpenAPIType.OBJECT,
        required=["stream", "version", "type", "time", "payload", "signer"],
        additional_properties=False,
        properties={
            "stream": Schema(type=string, pattern=_UUID, description="the record (UUID)"),
            "version": Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=2**53 - 1),
            "type": Schema(type=string, enum=list(types)),
            "time": Schema(type=string, pattern=_TIME, description="RFC 3339 UTC, microseconds"),
            "payload": Schema(type=OpenAPIType.OBJECT, description=_payload_fields(types)),
            "signer": Schema(type=string, pattern=r"^[0-9a-f]{32}$", description="key id"),
        },
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["envelope", "signature"],
        additional_properties=False,
        properties={
            "envelope": envelope,
            "signature": Schema(type=string, pattern=_BASE64_SIGNATURE, description="Ed25519"),
        },
    )


def _payload_fields(types: tuple[str, ...]) -> str:
    if len(types) > 3:
        return "the payload of the event's type (docs/event-format.md §5)"
    return "; ".join(f"{t}: {', '.join(KINDS[t].payload.__struct_fields__)}" for t in types)


def _operation(route: DecisionRoute) -> type[Operation]:
    """The request body in OpenAPI: the handler reads raw bytes, so Litestar cannot infer it."""
    examples: dict[str, Example | Reference] = {
        t: Example(summary=t, value=specimens()[t].to_wire()) for t in route.types
    }

    @dataclass
    class DecisionOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description="A signed event (docs/event-format.md §4).",
                content={
                    "application/json": OpenAPIMediaType(
                        schema=_body_schema(route.types), examples=examples
                    )
                },
            )

    return DecisionOperation


async def _accept(
    request: Request[Any, Any, Any], registry: Registry, route: DecisionRoute, record: str | None
) -> Response[Accepted]:
    require_json(request)
    signed = decode_wire(await request.body())
    envelope = signed.envelope
    if envelope.type == "RegistryFounded":
        raise GenesisError(
            "创始事件只能在服务器上由 craftreg init 写入，不能经网络提交。",
            "the genesis event is written on the server by `craftreg init`, never over HTTP.",
        )
    if envelope.type not in route.types and envelope.type in KINDS:
        right = ROUTE_OF_TYPE.get(envelope.type, ANY_EVENT).path
        raise RouteMismatch(
            f"此地址只接受 {'、'.join(route.types)} 事件；{envelope.type} 事件请提交到 {right}。",
            f"this route takes {' or '.join(route.types)} events; submit {envelope.type} to "
            f"{right}.",
        )
    if record is not None:
        stream = record
        if route.certificate and not _is_uuid(record):
            stream = await anyio.to_thread.run_sync(_certificate, registry, record)
        if envelope.stream != stream:
            raise RouteMismatch(
                f"事件所属记录 {envelope.stream} 与地址中的记录 {record} 不符。",
                f"the event is about record {envelope.stream}, not {record} named in the path.",
            )
    appended = await anyio.to_thread.run_sync(registry.submit, signed)
    accepted = Accepted(appended.stream, appended.version, envelope.type, appended.position)
    return Response(accepted, status_code=201)


def _certificate(registry: Registry, number: str) -> str:
    stream = registry.current().lifecycle.numbers.get(number)
    if stream is None:
        raise NotFound(
            f"没有编号为 {number} 的证书。", f"there is no certificate numbered {number}."
        )
    return stream


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _responses(route: DecisionRoute) -> dict[int, ResponseSpec]:
    example = specimens()[route.types[0]].envelope
    accepted = Accepted(example.stream, example.version, example.type, 17)
    return {
        201: ResponseSpec(
            data_container=Accepted,
            description="Admitted and stored: the record's new version and the ledger leaf index.",
            examples=[Example(summary="accepted", value=msgspec.to_builtins(accepted))],
        ),
        **error_responses(400, 401, 403, 409, 413, 415, 422),
    }


def decision_handler(route: DecisionRoute) -> HTTPRouteHandler:
    options: dict[str, Any] = {
        "summary": route.summary,
        "description": (
            f"Takes a signed {' or '.join(route.types)} event. Answers 201 with the record's "
            "new version and the event's ledger leaf index; the problem codes are those of "
            "docs/event-format.md §7."
        ),
        "status_code": 201,
        "operation_class": _operation(route),
        "responses": _responses(route),
        "tags": [route.path.split("/")[2]],
    }
    if route.about_record:

        async def about(
            request: Request[Any, Any, Any], registry: NamedDependency[Registry], record: RecordRef
        ) -> Response[Accepted]:
            return await _accept(request, registry, route, record)

        return post(route.path.replace("{record}", "{record:str}"), **options)(about)

    async def new(
        request: Request[Any, Any, Any], registry: NamedDependency[Registry]
    ) -> Response[Accepted]:
        return await _accept(request, registry, route, None)

    return post(route.path, **options)(new)


@get(
    "/v1/streams/{stream:str}/version",
    guards=[signed_by()],
    sync_to_thread=True,
    summary="记录当前版本 The version a record stands at (signed read)",
    tags=["streams"],
    responses={
        200: ResponseSpec(
            data_container=StreamVersion,
            description="The record's current version.",
            examples=[
                Example(value={"stream": "4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10", "version": 3})
            ],
        ),
        **error_responses(401, 403, 404),
    },
    security=[{"httpSignature": []}],
)
def stream_version(registry: NamedDependency[Registry], stream: RecordRef) -> StreamVersion:
    version = registry.current().versions.get(stream, 0)
    if version == 0:
        raise NotFound(f"没有记录 {stream}。", f"there is no record {stream}.")
    return StreamVersion(stream, version)


class Whoami(msgspec.Struct, frozen=True):
    """The enrolled actor a request signature names, as the chain of authority stands now."""

    key_id: str
    actor: str
    name: str
    organisation: str
    roles: list[str]


@get(
    "/v1/whoami",
    guards=[signed_by()],
    summary="本人身份 The actor whose key signs this request (signed read)",
    tags=["streams"],
    responses={
        200: ResponseSpec(
            data_container=Whoami,
            description="The signer as the registry knows them.",
            examples=[
                Example(
                    value={
                        "key_id": "5f0c3d2e8a9b4c1d7e6f5a4b3c2d1e0f",
                        "actor": "4d6f8a52-2f1c-4a63-9a57-1f3e7c9b2d10",
                        "name": "王芳",
                        "organisation": "0c1f6f3e-6a0b-4c1e-9d3c-2b5a7e8f9a10",
                        "roles": ["registrar"],
                    }
                )
            ],
        ),
        **error_responses(401, 403),
    },
    security=[{"httpSignature": []}],
)
async def whoami(requester: NamedDependency[Requester]) -> Whoami:
    return Whoami(
        requester.key_id,
        requester.actor,
        requester.name,
        requester.organisation,
        sorted(r.value for r in requester.roles),
    )


ROUTES: tuple[HTTPRouteHandler, ...] = (
    *(decision_handler(r) for r in (*DECISION_ROUTES, ANY_EVENT)),
    stream_version,
    whoami,
)
