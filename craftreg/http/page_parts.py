"""The pieces of the verification page's HTML: verdicts, facts, the steps checked, the forms.

No script at all; text and colours keep WCAG AA contrast, every field has a label, and the
verdict is announced (``role="status"``).
"""

from __future__ import annotations

import html

from litestar import MediaType, Response

MAX_NUMBER, MAX_CODE = 40, 64  # the longest certificate number and code a form accepts

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
    # A code that does not open the certificate: whoever gave it may not be its holder, so
    # the certificate's own status is shown below, never as the verdict.
    "wrong_code": (
        "核验码不符",
        "The code does not match",
        "有这个编号的证书，但所给的核验码或分享码与它不符：请向持证人重新索取。",
        "A certificate with this number exists, but the code given does not match it: ask "
        "the holder for the code again.",
    ),
    "locked": (
        "暂停核验码",
        "Too many wrong codes",
        "错误的核验码过多，15 分钟内不再比对核验码；不带核验码的查询仍可使用。",
        "Too many wrong codes: for 15 minutes no code is compared; a check without a code "
        "still works.",
    ),
    "refused": ("未能核验", "Not checked", "", ""),  # the refusal's own message follows
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
.revoked,.invalid,.wrong_code{background:#fde8e8;color:#8a1010;border-color:#8a1010}
.not_found,.cannot_check,.locked,.refused{background:#fff4e0;color:#6b3d00;border-color:#6b3d00}
.verdict small{display:block;font-size:1rem;font-weight:400}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{overflow-wrap:anywhere}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #999;vertical-align:top}
.passed{color:#0b5d1e}.failed{color:#8a1010}.not_checked{color:#6b3d00}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(
    title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response[str]:
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><link rel="stylesheet" href="/verify/page.css"></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return Response(text, media_type=MediaType.HTML, status_code=status, headers=headers)


def forms(number: str = "") -> str:
    return (
        '<h1>工匠人才证书核验 <span lang="en">Craftsman certificate check</span></h1>'
        '<form method="get" action="/verify/lookup">'
        '<label for="number">证书编号 Certificate number</label>'
        f'<input type="text" id="number" name="number" required value="{esc(number)}"'
        f' maxlength="{MAX_NUMBER}" autocomplete="off" placeholder="S33-2029-00001">'
        '<label for="code">核验码或分享码（可选） Verification or share code (optional)</label>'
        f'<input type="text" id="code" name="code" maxlength="{MAX_CODE}" autocomplete="off">'
        "<button type=submit>核验 Check</button></form>"
        '<form method="post" action="/verify/document" enctype="multipart/form-data">'
        '<label for="file">或上传证书文件（JSON） Or upload the certificate file (JSON)</label>'
        '<input type="file" id="file" name="data" accept=".json,application/json" required>'
        "<button type=submit>核验文件 Check the file</button></form>"
    )


def verdict(kind: str, detail: str = "") -> str:
    zh, en, zh_text, en_text = VERDICTS[kind]
    text = f"{esc(zh_text)} {esc(en_text)}" if zh_text else ""
    return (
        f'<div class="verdict {kind}" role="status" id="verdict" data-verdict="{kind}">'
        f'{zh} <span lang="en">{en}</span><small>{text}{detail}</small></div>'
    )


def facts(rows: list[tuple[str, str, object]]) -> str:
    cells = "".join(
        f"<tr><th>{zh} <span lang=en>{en}</span></th><td>{esc(value)}</td></tr>"
        for zh, en, value in rows
        if value not in (None, "")
    )
    return f'<table id="facts"><caption>证书信息 Certificate</caption>{cells}</table>'


def steps(steps: list[tuple[str, str, str, str, str]]) -> str:
    rows = "".join(
        f'<tr class="step" data-step="{esc(name)}"><th>{esc(title)}</th>'
        f'<td class="{outcome}">{OUTCOMES[outcome][0]} {OUTCOMES[outcome][1]}</td>'
        f"<td>{esc(message)}</td></tr>"
        for name, title, outcome, message, _ in steps
    )
    return (
        '<table id="steps"><caption>核验步骤 Steps checked</caption>'
        "<tr><th>步骤 Step</th><th>结果 Result</th><th>说明 Detail</th></tr>"
        f"{rows}</table>"
    )
