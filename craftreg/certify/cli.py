"""``craftreg cert``: the certifier signs a certificate document; anyone checks one.

* ``craftreg cert issue-document NUMBER --key FILE --server URL`` — fetch the draft with a
  signed request, sign it with the certifier's key on this machine (the server never sees the
  key), hand it back, and write it to ``NUMBER.json``;
* ``craftreg cert verify FILE [--online URL] [--log-key KEY] [--status-key DID]`` — offline:
  proof, issuer key, its authority at issue and the issuance in the ledger (inclusion proofs
  against the embedded checkpoints), validity dates; online also the status list and that the
  registry's current checkpoint is consistent with the embedded one (RFC 9162 §2.1.4).
"""

from __future__ import annotations

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import httpx
import msgspec

from craftreg.client import Refused, RegistryClient
from craftreg.credentials.certificate import sign_credential
from craftreg.credentials.evidence import parse_evidence
from craftreg.credentials.verify import Outcome, Trust, load_document, verify_certificate
from craftreg.domain.errors import RegistryError
from craftreg.http.signatures import RequestSigner
from craftreg.keys import read_key
from craftreg.ledger.merkle import ProofError, verify_consistency
from craftreg.ledger.note import NoteError, open_note


@click.group()
def cert() -> None:
    """Certificate documents (证书文件): sign as the certifier, verify anywhere."""


@cert.command("issue-document")
@click.argument("number")
@click.option("--key", "key_file", type=click.Path(path_type=Path), required=True)
@click.option("--server", default="http://127.0.0.1:8000", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
def issue_document(number: str, key_file: Path, server: str, out: Path | None) -> None:
    """Sign certificate NUMBER's document with the certifier's key and hand it back."""
    signer = read_key(key_file)
    with RegistryClient(server, signer) as client:
        try:
            unsigned = client.read(f"/v1/certificates/{number}/draft")
            created = datetime.now(UTC).isoformat(timespec="seconds")
            signed = sign_credential(unsigned, signer.private_key, created)
            body = msgspec.json.encode(signed)
            request = client.http.build_request(
                "PUT",
                f"/v1/certificates/{number}/document",
                content=body,
                headers={"content-type": "application/json"},
            )
            RequestSigner(signer).sign(request, body)
            response = client.http.send(request)
            if not response.is_success:
                problem = response.json()
                raise Refused(response.status_code, problem if isinstance(problem, dict) else {})
        except RegistryError as exc:
            raise click.ClickException(f"{exc.en} / {exc.zh}") from None
    path = out or Path(f"{number}.json")
    path.write_bytes(body)
    click.echo(f"certificate document of {number} signed and stored; written to {path}")


def consistency(document: Any, server: str) -> tuple[bool, str]:
    """Whether the registry's current checkpoint extends the document's (RFC 9162 §2.1.4)."""
    try:
        items = parse_evidence(document.get("evidence", []))
        origin, size, root = _unsigned_checkpoint(items[-1].checkpoint)
        with httpx.Client(base_url=server, timeout=10) as http:
            note = http.get("/v1/ledger/checkpoint").text
            now_origin, now_size, now_root = _unsigned_checkpoint(note)
            if now_origin != origin:
                return False, f"the registry's log is {now_origin}, not {origin}"
            proof: list[bytes] = []
            if size < now_size:
                answer = http.get(
                    "/v1/ledger/proofs/consistency", params={"first": size, "second": now_size}
                ).json()
                proof = [base64.b64decode(h) for h in answer["proof"]]
        verify_consistency(size, now_size, proof, root, now_root)
    except (RegistryError, ProofError, NoteError, ValueError, KeyError, IndexError) as exc:
        return False, f"not consistent: {exc}"
    except httpx.HTTPError as exc:
        return False, f"the registry did not answer: {exc}"
    return True, f"the registry's checkpoint of size {now_size} extends the document's ({size})"


def _unsigned_checkpoint(note: str) -> tuple[str, int, bytes]:
    text, _ = open_note(note)
    origin, size, root, _end = text.split("\n")
    return origin, int(size), base64.b64decode(root)


@cert.command("verify")
@click.argument("file", type=click.Path(path_type=Path, exists=True))
@click.option("--online", "server", default=None, help="Registry URL: status list, checkpoint.")
@click.option("--log-key", "log_keys", multiple=True, help="Trusted log verifier key(s).")
@click.option("--status-key", "status_keys", multiple=True, help="Trusted status list did:key.")
def verify(
    file: Path, server: str | None, log_keys: tuple[str, ...], status_keys: tuple[str, ...]
) -> None:
    """Check a certificate document; exit 0 if valid, 1 otherwise."""
    try:
        document = load_document(file.read_bytes())
    except RegistryError as exc:
        click.echo(f"invalid / 无效: {exc.en} / {exc.zh}")
        sys.exit(1)
    status_list = None
    extra: list[tuple[str, bool, str]] = []
    if server is not None:
        with httpx.Client(base_url=server, timeout=10) as http:
            if not log_keys or not status_keys:
                # Not pinned: take the registry's word for its keys, and say so.
                keys = http.get("/v1/verification-keys").json()
                log_keys = log_keys or tuple(keys.get("log", ()))
                status_keys = status_keys or tuple(keys.get("status", ()))
                click.echo("note: keys taken from the registry, not pinned (--log-key).")
            entry = document.get("credentialStatus") if isinstance(document, dict) else None
            url = entry.get("statusListCredential") if isinstance(entry, dict) else None
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                try:
                    status_list = httpx.get(url, timeout=10).json()
                except (httpx.HTTPError, ValueError):
                    status_list = None
        if isinstance(document, dict):
            extra.append(("checkpoint-consistency", *consistency(document, server)))
    trust = Trust(log_keys=log_keys, status_issuers=status_keys)
    report = verify_certificate(
        document, trust=trust, now=datetime.now(UTC), status_list=status_list
    )
    for step in report.steps:
        mark = {"passed": "✔", "failed": "✘", "not_checked": "–"}[step.outcome.value]
        click.echo(f"{mark} {step.title_en} / {step.title_zh}: {step.en}")
    for name, ok, message in extra:
        click.echo(f"{'✔' if ok else '✘'} {name}: {message}")
    verdict = report.verdict.value
    if any(not ok for _, ok, _ in extra) and verdict == "valid":
        verdict = "invalid"
    click.echo(f"verdict / 结论: {verdict}")
    sys.exit(
        0
        if verdict == "valid" and all(s.outcome is not Outcome.FAILED for s in report.steps)
        else 1
    )
