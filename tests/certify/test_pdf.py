"""The printable certificate: A4, the CJK font, the QR code pointing at the page (never the
credential)."""

from __future__ import annotations

import json
from pathlib import Path

from craftreg.certify.pdf import certificate_pdf, verification_url

SAMPLE = Path(__file__).resolve().parents[1] / "vectors" / "certificates" / "certificate.json"


def test_the_pdf_is_a4_with_the_cjk_font_and_the_verification_address() -> None:
    document = json.loads(SAMPLE.read_text())
    number = document["credentialSubject"]["certificateNumber"]
    pdf = certificate_pdf(document, "https://registry.example/", "ABCDEFGH2345")
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    assert b"/BaseFont /STSong-Light" in pdf and b"UniGB-UCS2-H" in pdf
    url = verification_url("https://registry.example/", number, "ABCDEFGH2345")
    assert url == f"https://registry.example/verify/{number}?code=ABCDEFGH2345"
    # The same document gives the same bytes (invariant): the sheet depends on nothing else.
    assert certificate_pdf(document, "https://registry.example/", "ABCDEFGH2345") == pdf
    assert document["proof"]["proofValue"].encode() not in pdf


def test_without_a_code_the_qr_code_opens_the_masked_page() -> None:
    assert verification_url("http://h", "S33-2026-00001", None) == "http://h/verify/S33-2026-00001"
