"""The printable certificate (可打印证书): an A4 PDF in Chinese and English.

CJK text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1), which every PDF
reader maps to a system Song typeface, so no font file is shipped or embedded. The QR code
opens the verification page for this certificate — ``/verify/{number}?code=…`` — and never
holds the credential itself: the printed sheet is a pointer to the registry's answer.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def verification_url(base_url: str, number: str, code: str | None) -> str:
    url = f"{base_url.rstrip('/')}/verify/{quote(number, safe='')}"
    return f"{url}?code={quote(code, safe='')}" if code else url


def certificate_pdf(document: dict[str, Any], base_url: str, code: str | None) -> bytes:
    subject = document["credentialSubject"]
    tier = subject["tier"]
    number = subject["certificateNumber"]
    out = io.BytesIO()
    page = Canvas(out, pagesize=A4, invariant=True)
    page.setTitle(f"{document.get('name', '工匠证书')} {number}")
    page.setAuthor(document["issuer"]["name"])
    width, height = A4
    page.setLineWidth(3)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    def centred(y: float, text: str, size: float, font: str = CJK_FONT) -> None:
        page.setFont(font, size)
        page.drawCentredString(width / 2, y, text)

    centred(height - 50 * mm, f"{tier['name']}证书", 32)
    centred(height - 62 * mm, f"Certificate of {tier['nameEn']}", 16, LATIN_FONT)
    rows = [
        ("持证人", "Holder", subject["name"]),
        ("工种", "Trade", subject["trade"]),
        ("颁发时工作单位", "Employer at issue", subject["employerAtIssue"]),
        ("证书编号", "Certificate number", number),
        ("颁发日期", "Issue date", subject["issueDate"]),
        ("签发单位", "Issued by", document["issuer"]["name"]),
    ]
    period = subject.get("cultivationPeriod")
    if period:
        rows.append(("培育期", "Cultivation period", f"{period['start']} – {period['end']}"))
    y = height - 90 * mm
    for zh, en, value in rows:
        page.setFont(CJK_FONT, 13)
        page.drawString(30 * mm, y, zh)
        page.setFont(LATIN_FONT, 9)
        page.drawString(30 * mm, y - 5 * mm, en)
        text = str(value)
        # STSong's Latin glyphs set hyphens and digits loosely; numbers and dates read better in Helvetica.
        page.setFont(LATIN_FONT if _latin(text) else CJK_FONT, 14)
        page.drawString(85 * mm, y, text)
        y -= 16 * mm
    url = verification_url(base_url, number, code)
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    side = 45 * mm
    drawing = Drawing(
        side, side, transform=[side / (right - left), 0, 0, side / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, page, width - 30 * mm - side, 30 * mm)
    page.setFont(CJK_FONT, 10)
    page.drawString(30 * mm, 60 * mm, "扫描二维码或访问以下网址核验本证书：")
    page.setFont(LATIN_FONT, 9)
    page.drawString(30 * mm, 55 * mm, "Scan the code or open this address to verify:")
    page.drawString(30 * mm, 50 * mm, url[:90])
    page.setFont(CJK_FONT, 9)
    page.drawString(
        30 * mm, 35 * mm, f"依据 {subject.get('scheme', '')}。本证书另有可验证电子文件。"
    )
    page.showPage()
    page.save()
    return out.getvalue()


def _latin(text: str) -> bool:
    """Whether Helvetica (WinAnsi) has every character of ``text``."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
