"""The certificate routes on a real socket, over SQLite and PostgreSQL: the signed receipt,
codes and their limits, the certifier's document round trip, revocation everywhere at once."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from craftreg.certify.receipt import open_receipt
from craftreg.credentials.statuslist import verified_status_list
from craftreg.domain.authority import Role
from craftreg.keys import write_key
from craftreg.ledger.merkle import leaf_hash, verify_inclusion
from craftreg.ledger.note import verify_note
from craftreg.privacy import mask_name
from tests.certify.conftest import Served

CLI = [sys.executable, "-m", "craftreg.cli"]


def keys(served: Served) -> dict[str, list[str]]:
    return httpx.get(f"{served.server.url}/v1/verification-keys").json()


def verification(served: Served, number: str, code: str | None = None) -> httpx.Response:
    params = {"code": code} if code is not None else {}
    return httpx.get(
        f"{served.server.url}/v1/certificates/{number}/verification", params=params, timeout=10
    )


def test_names_are_masked() -> None:
    assert [mask_name(n) for n in ("张三明", "李伟", "欧阳娜娜", "王")] == [
        "张*明",
        "李*",
        "欧**娜",
        "*",
    ]


def test_the_answer_is_a_receipt_signed_by_the_log_key(served: Served) -> None:
    held = served.story.held[1]
    body = verification(served, held.number).json()
    answer = body["answer"]
    assert answer["status"] == "valid" and answer["holderName"] == mask_name(held.name)
    assert "trade" not in answer and "employerAtIssue" not in answer
    assert answer["tierName"] == "省级工匠" and answer["issuer"] == "浙江省总工会"
    [log_key] = keys(served)["log"]
    assert open_receipt(body["receipt"], [log_key]) == answer
    # The receipt's checkpoint is signed by the same key, and the latest event is in it.
    checkpoint = verify_note(answer["checkpoint"], [log_key]).text.split("\n")
    size, root = int(checkpoint[1]), base64.b64decode(checkpoint[2])
    latest = answer["latestEvent"]
    with served.story.registry() as reg:
        record = [s.record for s in reg.store.stream(held.stream)][-1]
    assert base64.b64decode(latest["leafHash"]) == leaf_hash(record)
    proof = [base64.b64decode(h) for h in latest["inclusionProof"]]
    verify_inclusion(leaf_hash(record), latest["leafIndex"], size, proof, root)
    # A receipt altered by one character no longer opens.
    with pytest.raises(ValueError):
        open_receipt(body["receipt"].replace("张", "李", 1).replace("valid", "vaiid"), [log_key])


def test_the_right_code_shows_the_full_name_trade_and_employer(served: Served) -> None:
    held = served.story.held[1]
    answer = verification(served, held.number, held.code).json()["answer"]
    assert answer["holderName"] == held.name and answer["codeChecked"] == "permanent"
    assert answer["trade"] == "数控车工" and answer["employerAtIssue"] == "杭州汽轮机厂"


def test_unknown_numbers_and_wrong_codes_get_clear_answers(served: Served) -> None:
    unknown = verification(served, "S33-2026-99999")
    assert unknown.status_code == 200 and unknown.json()["answer"]["status"] == "not_found"
    assert "holderName" not in unknown.json()["answer"]
    garbage = verification(served, "<script>")
    assert garbage.status_code == 200 and garbage.json()["answer"]["status"] == "not_found"
    held = served.story.held[2]
    wrong = verification(served, held.number, "WRONGCODE")
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong-code"
    assert wrong.json()["zh"] and held.name not in wrong.text


def test_share_codes_open_the_answer_until_withdrawn(served: Served) -> None:
    held = served.story.held[1]
    url = f"{served.server.url}/v1/certificates/{held.number}/share-codes"
    too_long = httpx.post(url, json={"code": held.code, "days": 365})
    assert too_long.status_code == 422 and too_long.json()["code"] == "invalid-share-request"
    made = httpx.post(url, json={"code": held.code, "days": 30})
    assert made.status_code == 201
    share = made.json()
    assert share["code"] != held.code
    assert (
        verification(served, held.number, share["code"]).json()["answer"]["codeChecked"] == "share"
    )
    # A share code cannot make another, nor withdraw one.
    assert httpx.post(url, json={"code": share["code"], "days": 30}).status_code == 422
    gone = httpx.post(f"{url}/{share['id']}/withdrawal", json={"code": held.code})
    assert gone.status_code == 200
    assert verification(served, held.number, share["code"]).status_code == 403


def test_the_certifier_signs_the_document_and_revocation_shows_everywhere(
    served: Served, tmp_path: Path
) -> None:
    story, url = served.story, served.server.url
    held = story.held[0]
    key = tmp_path / "certifier.pem"
    write_key(key, story.keys[Role.CERTIFIER])
    out = tmp_path / "doc.json"
    done = subprocess.run(
        [
            *CLI,
            "cert",
            "issue-document",
            held.number,
            "--key",
            str(key),
            "--server",
            url,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert [e["purpose"] for e in document["evidence"]][-1] == "certificateIssuance"
    # The holder's code fetches the stored document; no code and no signature does not.
    fetched = httpx.get(f"{url}/v1/certificates/{held.number}/document", params={"code": held.code})
    assert fetched.status_code == 200 and fetched.json() == document
    assert httpx.get(f"{url}/v1/certificates/{held.number}/document").status_code == 401
    pdf = httpx.get(f"{url}/v1/certificates/{held.number}/document.pdf", params={"code": held.code})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Another officer's key cannot get a draft to sign.
    other = tmp_path / "assessor.pem"
    write_key(other, story.keys[Role.ASSESSOR])
    refused = subprocess.run(
        [*CLI, "cert", "issue-document", held.number, "--key", str(other), "--server", url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert refused.returncode != 0 and "certifier" in refused.stderr

    [log_key] = keys(served)["log"]
    offline = subprocess.run(
        [*CLI, "cert", "verify", str(out), "--log-key", log_key], capture_output=True, text=True
    )
    assert offline.returncode == 0, offline.stdout
    assert "verdict / 结论: valid" in offline.stdout and "offline" in offline.stdout
    online = subprocess.run(
        [*CLI, "cert", "verify", str(out), "--online", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert online.returncode == 0, online.stdout
    assert "checkpoint-consistency" in online.stdout

    # Tampered: one character of the holder's name.
    forged = json.loads(out.read_text())
    forged["credentialSubject"]["name"] = "陈晶"
    (tmp_path / "forged.json").write_text(json.dumps(forged, ensure_ascii=False))
    bad = subprocess.run(
        [*CLI, "cert", "verify", str(tmp_path / "forged.json"), "--log-key", log_key],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "verdict / 结论: invalid" in bad.stdout

    index = int(document["credentialStatus"]["statusListIndex"])
    list_url = document["credentialStatus"]["statusListCredential"]
    status_key = keys(served)["status"]
    from datetime import UTC, datetime

    def bit() -> bool:
        credential = httpx.get(list_url).json()
        return verified_status_list(credential, list_url, status_key, datetime.now(UTC)).get(index)

    assert bit() is False
    story.revoke(held)
    answer = verification(served, held.number).json()["answer"]
    assert answer["status"] == "revoked"
    assert (
        answer["revocation"]["date"] == "2026-10-01"
        and answer["revocation"]["ground"] == "falsification"
    )
    assert bit() is True
    revoked = subprocess.run(
        [*CLI, "cert", "verify", str(out), "--online", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 1 and "verdict / 结论: revoked" in revoked.stdout
    # The file uploaded on the page: its status list says revoked, the registry when and why.
    page = httpx.post(f"{url}/verify/document", files={"data": ("doc.json", out.read_bytes())})
    assert 'data-verdict="revoked"' in page.text
    assert "撤销日期 Revoked on 2026-10-01" in page.text and "弄虚作假" in page.text
    # Nor is a share code made for it any more.
    share = httpx.post(
        f"{url}/v1/certificates/{held.number}/share-codes", json={"code": held.code, "days": 30}
    )
    assert share.status_code == 422 and share.json()["code"] == "certificate-revoked"


def test_a_document_not_the_draft_is_refused_and_nothing_is_stored(served: Served) -> None:
    from craftreg.client import RegistryClient
    from craftreg.credentials.certificate import sign_credential
    from craftreg.http.signatures import RequestSigner

    held, certifier = served.story.held[2], served.story.keys[Role.CERTIFIER]
    with RegistryClient(served.server.url, certifier) as client:
        draft = client.read(f"/v1/certificates/{held.number}/draft")
        draft["credentialSubject"]["employerAtIssue"] = "另一家公司"  # signed, but not the draft
        body = json.dumps(sign_credential(draft, certifier.private_key, "2026-11-01T00:00:00Z"))
        request = client.http.build_request(
            "PUT",
            f"/v1/certificates/{held.number}/document",
            content=body.encode(),
            headers={"content-type": "application/json"},
        )
        RequestSigner(certifier).sign(request, body.encode())
        refused = client.http.send(request)
    assert refused.status_code == 422 and refused.json()["code"] == "document-refused"
    assert refused.json()["zh"] and refused.json()["en"]
    missing = httpx.get(
        f"{served.server.url}/v1/certificates/{held.number}/document", params={"code": held.code}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not-found"


def test_a_half_used_status_list_gives_way_to_the_next(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Indexes are drawn in the first list not yet half used; each later list is served once
    it holds a certificate, and the one after it is not found."""
    from datetime import UTC, datetime

    from craftreg.certify import statuslists
    from craftreg.certify.service import Certify

    monkeypatch.setattr(statuslists, "LIST_FILL", 2)
    base = served.server.url
    with served.story.registry() as registry:
        certify = Certify(registry, served.story.key_dir)
        try:
            certificates = [str(uuid.uuid4()) for _ in range(5)]
            entries = [statuslists.status_entry_of(certify, c, base) for c in certificates]
            assert [statuslists.status_entry_of(certify, c, base) for c in certificates] == entries
            numbers = sorted({int(url.rsplit("/", 1)[1]) for url, _ in entries})
            assert numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) >= 3
            used = {n: [e for e in entries if e[0].endswith(f"/{n}")] for n in numbers}
            assert all(len(found) <= 2 for found in used.values())
            assert len({index for _, index in used[numbers[-1]]}) == len(used[numbers[-1]])
            last = certify.status_list_url(base, numbers[-1])
        finally:
            certify.close()
    status_key = keys(served)["status"]
    served_list = httpx.get(last)
    assert served_list.status_code == 200
    bits = verified_status_list(served_list.json(), last, status_key, datetime.now(UTC))
    assert not any(bits.get(index) for _, index in used[numbers[-1]])
    beyond = httpx.get(certify.status_list_url(base, numbers[-1] + 1))
    assert beyond.status_code == 404 and beyond.json()["code"] == "not-found"
    assert httpx.get(f"{base}/v1/status-lists/revocation/0").status_code == 400


def test_wrong_codes_at_the_verification_are_counted_per_client(served: Served) -> None:
    """The public answer reads the counts with the certificate, in its one query."""
    from craftreg.certify.codes import CLIENT_LIMIT, TooManyWrongCodes, WrongCode
    from craftreg.certify.service import Certify

    held = served.story.held[1]
    client = f"10.{uuid.uuid4().int % 250}.7.7"
    with served.story.registry() as registry:
        certify = Certify(registry, served.story.key_dir)
        try:
            for _ in range(CLIENT_LIMIT):
                with pytest.raises(WrongCode):
                    certify.verify(held.number, "NOT-THE-CODE", client)
            with pytest.raises(TooManyWrongCodes):
                certify.verify(held.number, held.code, client)
            opened = certify.verify(held.number, held.code, "10.250.0.1")["answer"]
        finally:
            certify.close()
    assert opened["codeChecked"] == "permanent" and opened["holderName"] == held.name
