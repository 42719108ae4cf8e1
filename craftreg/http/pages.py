"""The verification page (证书核验页面): ``/verify`` and ``/verify/{number}``, for employers.

Server-rendered HTML in Chinese and English, no script at all: a form for the number and the
code (a scanned QR code opens ``/verify/{number}?code=…`` directly), a form to upload a
certificate JSON, and a large verdict — valid, revoked (with date and ground), not found,
could not check, or a code that does not match — above the facts and the steps that were
checked. Refusals of the page's input come back as a page too (:func:`on_page_error`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body, PathParameter, QueryParameter
from litestar.types import ExceptionHandlersMap

from craftreg.certify.codes import TooManyWrongCodes, WrongCode
from craftreg.certify.documents import stored_document
from craftreg.certify.service import Certify
from craftreg.credentials.errors import CredentialError
from craftreg.credentials.statuslist import entry_index
from craftreg.credentials.verify import Trust, load_document, verify_certificate
from craftreg.http import page_parts as parts
from craftreg.http.abuse import PUBLIC
from craftreg.http.certificates import base_url, certify_of, client_of
from craftreg.http.problems import refusal, status_of

Code = Annotated[str | None, QueryParameter(name="code", max_length=parts.MAX_CODE)]
Number = Annotated[str, PathParameter(max_length=parts.MAX_NUMBER)]
MAX_UPLOAD = 48 * 1024


def _trust(certify: Certify) -> Trust:
    verifier = certify.log_verifier()
    return Trust(log_keys=(verifier,) if verifier else (), status_issuers=(certify.status_did,))


def _report_steps(report: Any) -> list[tuple[str, str, str, str, str]]:
    return [
        (s.name, f"{s.title_zh} {s.title_en}", s.outcome.value, f"{s.zh} {s.en}", "")
        for s in report.steps
    ]


def check_document(certify: Certify, document: Any, root: str) -> tuple[str, str]:
    """Verdict and page body for a certificate document, with the registry's status list."""
    status_list = None
    try:
        url, _ = entry_index(
            document.get("credentialStatus") if isinstance(document, dict) else None
        )
        if certify.served_status_list(url, root):
            status_list = msgspec.json.decode(certify.status_list(url))
    except CredentialError:
        pass
    report = verify_certificate(
        document, trust=_trust(certify), now=datetime.now(UTC), status_list=status_list
    )
    kind = {"valid": "valid", "revoked": "revoked", "invalid": "invalid"}.get(
        report.verdict.value, "cannot_check"
    )
    facts, detail = "", ""
    if report.summary is not None and kind != "invalid":
        s = report.summary
        if kind == "revoked":  # the status list holds one bit: the registry tells when and why
            detail = parts.esc(_revocation(certify.verify(s.number, None, "")["answer"]))
        facts = parts.facts(
            [
                ("证书编号", "Number", s.number),
                ("持证人", "Holder", s.holder_name),
                ("层级", "Tier", s.tier_name),
                ("签发单位", "Issued by", s.issuer_name),
                ("颁发日期", "Issue date", s.issue_date),
            ]
        )
    return kind, parts.verdict(kind, detail) + facts + parts.steps(_report_steps(report))


def _revocation(answer: dict[str, Any]) -> str:
    """When and why the certificate was revoked, as plain text; "" while it is valid."""
    found = answer.get("revocation")
    if not found:
        return ""
    return f" 撤销日期 Revoked on {found['date']}；事由 Ground: {found['zh']} / {found['en']}"


def check_number(
    certify: Certify, number: str, code: str | None, client: str, root: str
) -> tuple[str, str, int]:
    mismatch, status = "", 200
    try:
        result = certify.verify(number, code, client)
    except (WrongCode, TooManyWrongCodes) as exc:
        mismatch = "locked" if isinstance(exc, TooManyWrongCodes) else "wrong_code"
        status = status_of(exc)
        result = certify.verify(number, None, client)
    answer = result["answer"]
    kind = answer["status"]
    if kind in ("not_found", "cannot_check"):
        return kind, parts.verdict(kind), status
    detail = _revocation(answer)
    own: list[tuple[str, str, object]] = []
    if mismatch:
        zh, en = parts.VERDICTS[kind][:2]
        own = [("证书本身", "The certificate itself", f"{zh} {en}{detail}")]
    facts = parts.facts(
        [
            *own,
            ("证书编号", "Number", answer["number"]),
            ("持证人", "Holder", answer["holderName"]),
            ("层级", "Tier", answer["tierName"]),
            ("签发单位", "Issued by", answer["issuer"]),
            ("颁发日期", "Issue date", answer["issueDate"]),
            ("工种", "Trade", answer.get("trade")),
            ("颁发时工作单位", "Employer at issue", answer.get("employerAtIssue")),
        ]
    )
    steps: list[tuple[str, str, str, str, str]] = []
    document = stored_document(certify, number) if code and not mismatch else None
    if document is not None:
        _, body = check_document(certify, document, root)
        steps_html = body[body.index('<table id="steps"') :]
    else:
        steps = [
            (
                "registry",
                "登记簿记录 Registry record",
                "passed",
                f"登记处在检查点（大小 {answer['treeSize']}）核验。 Checked by the registry at checkpoint size {answer['treeSize']}.",
                "",
            ),
            (
                "ledger-inclusion",
                "账本包含 Ledger inclusion",
                "passed",
                f"最新事件位于日志位置 {answer['latestEvent']['leafIndex']}，附包含证明。 Latest event at log position {answer['latestEvent']['leafIndex']}, with its inclusion proof.",
                "",
            ),
            (
                "revocation",
                "撤销状态 Revocation status",
                "failed" if kind == "revoked" else "passed",
                "已撤销。 Revoked." if kind == "revoked" else "未撤销。 Not revoked.",
                "",
            ),
        ]
        steps_html = parts.steps(steps)
    receipt = f"<details><summary>登记处签名回执 Signed receipt</summary><pre>{parts.esc(result.get('receipt', ''))}</pre></details>"
    headline = parts.verdict(mismatch) if mismatch else parts.verdict(kind, parts.esc(detail))
    return mismatch or kind, headline + facts + steps_html + receipt, status


def on_page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A refusal on the page (a code too long, too many requests …) as a page, not as the
    API's problem details, with the same code, status and bilingual message."""
    error, headers = refusal(request, exc)
    body = parts.verdict("refused", f"{parts.esc(error.zh)} {parts.esc(error.en)}")
    return parts.page("未能核验 Not checked", body + parts.forms(), status_of(error), headers)


PAGE_ERRORS: ExceptionHandlersMap = {Exception: on_page_error}


@get(
    "/verify",
    opt=PUBLIC,
    include_in_schema=False,
    media_type=MediaType.HTML,
    exception_handlers=PAGE_ERRORS,
)
async def verify_form() -> Response[str]:
    return parts.page("证书核验 Certificate check", parts.forms())


@get("/verify/page.css", opt=PUBLIC, include_in_schema=False, media_type="text/css")
async def page_css() -> Response[str]:
    return Response(parts.CSS, media_type="text/css")


@get(
    "/verify/lookup",
    opt=PUBLIC,
    include_in_schema=False,
    media_type=MediaType.HTML,
    exception_handlers=PAGE_ERRORS,
)
async def verify_lookup(
    number: Annotated[str, QueryParameter(max_length=parts.MAX_NUMBER)], code: Code
) -> Response[str]:
    target = f"/verify/{quote(number.strip(), safe='')}"
    if code and code.strip():
        target += f"?code={quote(code.strip(), safe='')}"
    return Response("", status_code=303, headers={"location": target})


@get(
    "/verify/{number:str}",
    opt=PUBLIC,
    include_in_schema=False,
    media_type=MediaType.HTML,
    exception_handlers=PAGE_ERRORS,
)
async def verify_number(
    request: Request[Any, Any, Any], number: Number, code: Code
) -> Response[str]:
    certify = certify_of(request)
    client, root = client_of(request), base_url(request)
    kind, body, status = await anyio.to_thread.run_sync(
        lambda: check_number(certify, number, code or None, client, root)
    )
    return parts.page(f"{parts.VERDICTS[kind][0]} {number}", body + parts.forms(number), status)


@post(
    "/verify/document",
    opt=PUBLIC,
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=200,
    exception_handlers=PAGE_ERRORS,
)
async def verify_upload(
    request: Request[Any, Any, Any],
    data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[str]:
    certify = certify_of(request)
    raw = await data.read(MAX_UPLOAD + 1)
    root = base_url(request)

    def check() -> tuple[str, str]:
        if len(raw) > MAX_UPLOAD:
            return "invalid", parts.verdict("invalid", " 文件过大。 The file is too large.")
        try:
            document = load_document(raw)
        except CredentialError as exc:
            return "invalid", parts.verdict("invalid", f" {parts.esc(exc.zh)} {parts.esc(exc.en)}")
        return check_document(certify, document, root)

    kind, body = await anyio.to_thread.run_sync(check)
    return parts.page(f"{parts.VERDICTS[kind][0]} Certificate file", body + parts.forms())


ROUTES: tuple[HTTPRouteHandler, ...] = (
    verify_form,
    page_css,
    verify_lookup,
    verify_number,
    verify_upload,
)
