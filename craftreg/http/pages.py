"""The verification page (证书核验页面): ``/verify`` and ``/verify/{number}``, for employers.

Server-rendered HTML in Chinese and English, no script at all: a form for the number and the
code (a scanned QR code opens ``/verify/{number}?code=…`` directly), a form to upload a
certificate JSON, and a large verdict — valid, revoked (with date and ground), not found or
could not check — above the steps that were checked and their results. Text and colours keep
WCAG AA contrast, every field has a label, and the verdict is announced (``role="status"``).
"""

from __future__ import annotations

import html
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

from craftreg.certify.codes import TooManyWrongCodes, WrongCode
from craftreg.certify.documents import stored_document
from craftreg.certify.service import Certify
from craftreg.credentials.errors import CredentialError
from craftreg.credentials.statuslist import entry_index
from craftreg.credentials.verify import Trust, load_document, verify_certificate
from craftreg.http.abuse import PUBLIC
from craftreg.http.certificates import base_url, certify_of, client_of

Code = Annotated[str | None, QueryParameter(name="code", max_length=64)]
Number = Annotated[str, PathParameter(max_length=40)]
MAX_UPLOAD = 48 * 1024

VERDICTS = {
    "valid": ("有效", "Valid", "证书真实且有效。", "The certificate is genuine and in force."),
    "revoked": (
        "已撤销",
        "Revoked",
        "证书已被撤销（第二十条）。",
        "The certificate was revoked (Art. 20).",
    ),
    "not_found": (
        "未找到",
        "Not found",
        "登记簿中没有这个编号的证书。",
        "The registry holds no certificate with this number.",
    ),
    "invalid": (
        "无效",
        "Not valid",
        "证书文件未通过核验：可能被伪造或篡改。",
        "The document does not verify: it may be forged or altered.",
    ),
    "cannot_check": (
        "无法核验",
        "Could not check",
        "暂时无法完成核验，请稍后再试。",
        "The check could not be completed; try again later.",
    ),
}
OUTCOMES = {
    "passed": ("通过", "passed"),
    "failed": ("未通过", "failed"),
    "not_checked": ("未检查", "not checked"),
}
CSS = """
body{font:16px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#111;background:#fff}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}label{display:block;font-weight:600;margin-top:.75rem}
input[type=text]{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #444}
input[type=file]{margin-top:.5rem}
button{margin-top:1rem;font-size:1.1rem;padding:.6rem 1.2rem;background:#0b4f9c;color:#fff;border:0}
button:focus,input:focus{outline:3px solid #d97706;outline-offset:2px}
.verdict{font-size:2rem;font-weight:700;padding:1rem;margin:1rem 0;border:4px solid}
.valid{background:#e6f4ea;color:#0b5d1e;border-color:#0b5d1e}
.revoked,.invalid{background:#fde8e8;color:#8a1010;border-color:#8a1010}
.not_found,.cannot_check{background:#fff4e0;color:#6b3d00;border-color:#6b3d00}
.verdict small{display:block;font-size:1rem;font-weight:400}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{overflow-wrap:anywhere}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #999;vertical-align:top}
.passed{color:#0b5d1e}.failed{color:#8a1010}.not_checked{color:#6b3d00}
.note{background:#f3f3f3;padding:.5rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)}</title><link rel="stylesheet" href="/verify/page.css"></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return Response(text, media_type=MediaType.HTML, status_code=status)


def _forms(number: str = "") -> str:
    return (
        '<h1>工匠人才证书核验 <span lang="en">Craftsman certificate check</span></h1>'
        '<form method="get" action="/verify/lookup">'
        '<label for="number">证书编号 Certificate number</label>'
        f'<input type="text" id="number" name="number" required value="{_e(number)}"'
        ' autocomplete="off" placeholder="S33-2029-00001">'
        '<label for="code">核验码或分享码（可选） Verification or share code (optional)</label>'
        '<input type="text" id="code" name="code" autocomplete="off">'
        "<button type=submit>核验 Check</button></form>"
        '<form method="post" action="/verify/document" enctype="multipart/form-data">'
        '<label for="file">或上传证书文件（JSON） Or upload the certificate file (JSON)</label>'
        '<input type="file" id="file" name="data" accept=".json,application/json" required>'
        "<button type=submit>核验文件 Check the file</button></form>"
    )


def _verdict(kind: str, detail: str = "") -> str:
    zh, en, zh_text, en_text = VERDICTS[kind]
    return (
        f'<div class="verdict {kind}" role="status" id="verdict" data-verdict="{kind}">'
        f'{zh} <span lang="en">{en}</span><small>{_e(zh_text)} {_e(en_text)}{detail}</small></div>'
    )


def _facts(rows: list[tuple[str, str, object]]) -> str:
    cells = "".join(
        f"<tr><th>{zh} <span lang=en>{en}</span></th><td>{_e(value)}</td></tr>"
        for zh, en, value in rows
        if value not in (None, "")
    )
    return f'<table id="facts"><caption>证书信息 Certificate</caption>{cells}</table>'


def _steps(steps: list[tuple[str, str, str, str, str]]) -> str:
    rows = "".join(
        f'<tr class="step" data-step="{_e(name)}"><th>{_e(title)}</th>'
        f'<td class="{outcome}">{OUTCOMES[outcome][0]} {OUTCOMES[outcome][1]}</td>'
        f"<td>{_e(message)}</td></tr>"
        for name, title, outcome, message, _ in steps
    )
    return (
        '<table id="steps"><caption>核验步骤 Steps checked</caption>'
        "<tr><th>步骤 Step</th><th>结果 Result</th><th>说明 Detail</th></tr>"
        f"{rows}</table>"
    )


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
    facts = ""
    if report.summary is not None and kind != "invalid":
        s = report.summary
        facts = _facts(
            [
                ("证书编号", "Number", s.number),
                ("持证人", "Holder", s.holder_name),
                ("层级", "Tier", s.tier_name),
                ("签发单位", "Issued by", s.issuer_name),
                ("颁发日期", "Issue date", s.issue_date),
            ]
        )
    return kind, _verdict(kind) + facts + _steps(_report_steps(report))


def check_number(
    certify: Certify, number: str, code: str | None, client: str, root: str
) -> tuple[str, str, int]:
    warning, status = "", 200
    try:
        result = certify.verify(number, code, client)
    except (WrongCode, TooManyWrongCodes) as exc:
        warning = f'<p class="note" role="alert">{_e(exc.zh)} {_e(exc.en)}</p>'
        status = 429 if isinstance(exc, TooManyWrongCodes) else 403
        result = certify.verify(number, None, client)
    answer = result["answer"]
    kind = answer["status"]
    if kind in ("not_found", "cannot_check"):
        return kind, _verdict(kind) + warning, status
    detail = ""
    revocation = answer.get("revocation")
    if revocation:
        detail = f" 撤销日期 Revoked on {_e(revocation['date'])}；事由 Ground: {_e(revocation['zh'])} / {_e(revocation['en'])}"
    facts = _facts(
        [
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
    document = stored_document(certify, number) if code else None
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
        steps_html = _steps(steps)
    receipt = f"<details><summary>登记处签名回执 Signed receipt</summary><pre>{_e(result.get('receipt', ''))}</pre></details>"
    return kind, _verdict(kind, detail) + warning + facts + steps_html + receipt, status


@get("/verify", opt=PUBLIC, include_in_schema=False, media_type=MediaType.HTML)
async def verify_form() -> Response[str]:
    return _page("证书核验 Certificate check", _forms())


@get("/verify/page.css", opt=PUBLIC, include_in_schema=False, media_type="text/css")
async def page_css() -> Response[str]:
    return Response(CSS, media_type="text/css")


@get("/verify/lookup", opt=PUBLIC, include_in_schema=False, media_type=MediaType.HTML)
async def verify_lookup(
    number: Annotated[str, QueryParameter(max_length=40)], code: Code
) -> Response[str]:
    target = f"/verify/{quote(number.strip(), safe='')}"
    if code and code.strip():
        target += f"?code={quote(code.strip(), safe='')}"
    return Response("", status_code=303, headers={"location": target})


@get("/verify/{number:str}", opt=PUBLIC, include_in_schema=False, media_type=MediaType.HTML)
async def verify_number(
    request: Request[Any, Any, Any], number: Number, code: Code
) -> Response[str]:
    certify = certify_of(request)
    client, root = client_of(request), base_url(request)
    kind, body, status = await anyio.to_thread.run_sync(
        lambda: check_number(certify, number, code or None, client, root)
    )
    return _page(f"{VERDICTS[kind][0]} {number}", body + _forms(number), status)


@post(
    "/verify/document",
    opt=PUBLIC,
    include_in_schema=False,
    media_type=MediaType.HTML,
    status_code=200,
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
            return "invalid", _verdict("invalid", " 文件过大。 The file is too large.")
        try:
            document = load_document(raw)
        except CredentialError as exc:
            return "invalid", _verdict("invalid", f" {_e(exc.zh)} {_e(exc.en)}")
        return check_document(certify, document, root)

    kind, body = await anyio.to_thread.run_sync(check)
    return _page(f"{VERDICTS[kind][0]} Certificate file", body + _forms())


ROUTES: tuple[HTTPRouteHandler, ...] = (
    verify_form,
    page_css,
    verify_lookup,
    verify_number,
    verify_upload,
)
