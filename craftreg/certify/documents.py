"""The certificate document (证书文件): assembled by the registry, signed by the certifier.

The registry does not hold certifiers' private keys, and a credential signed by any other key
would not be "signed by the certifier's key of the cultivating body" (Art. 15). So:

1. the certifier asks for the **draft** of a certificate they issued (a signed request): the
   unsigned credential with the facts from the views, a status list index drawn at random, and
   the ledger evidence — the certifier's actor events up to the issuance and the issuance
   event itself, each with its inclusion proof in a checkpoint that covers the issuance;
2. ``craftreg cert issue-document`` signs it with the certifier's key on their own machine;
3. the signed document is handed back; the registry keeps it only if it verifies against the
   registry's own log key and is exactly the draft plus the proof, and serves it from then on.
"""

from __future__ import annotations

import base64
import copy
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from craftreg.certify.statuslists import status_entry_of
from craftreg.credentials.certificate import CertificateFacts, CultivationPeriod, build_credential
from craftreg.credentials.evidence import ENROLMENT, ISSUANCE, LedgerEvidence
from craftreg.credentials.verify import Trust, Verdict, verify_certificate
from craftreg.domain.envelope import from_record
from craftreg.domain.errors import RegistryError, WrongRole
from craftreg.domain.tiers import Tier
from craftreg.projections.schema import KEYS

if TYPE_CHECKING:
    from craftreg.certify.service import Certify

ACTOR_EVENTS = ("ActorEnrolled", "ActorKeyRotated", "ActorRolesChanged", "ActorKeyRevoked")


class CertificateNotFound(RegistryError):
    code = "not-found"
    status = 404


class CertificateIsRevoked(RegistryError):
    code = "certificate-revoked"
    status = 422


class DocumentRefused(RegistryError):
    code = "document-refused"
    status = 422


def stream_records(certify: Certify, stream: str) -> list[tuple[int, bytes]]:
    """(log position, stored record) of every event of ``stream``, in version order."""
    db = certify.db.ledger
    key: Any = uuid.UUID(stream) if db.backend == "postgres" else uuid.UUID(stream).hex
    rows = db.query(
        f"SELECT l.position, e.state FROM {{stored_events}} e JOIN {{ledger_leaves}} l"
        f" ON l.notification_id = e.{db.events_id}"
        " WHERE e.originator_id = ? ORDER BY e.originator_version",
        (key,),
    )
    return [(int(position), bytes(state)) for position, state in rows]


def draft(certify: Certify, number: str, key_id: str, base_url: str) -> dict[str, Any]:
    """The unsigned credential of certificate ``number`` for the certifier of key ``key_id``."""
    certify.position()  # the views at least as far as the latest checkpoint, as every read
    found = certify.q.certificate_and_issuer(number)
    if found is None:
        raise CertificateNotFound(
            f"没有编号为 {number} 的证书。", f"there is no certificate numbered {number}."
        )
    row, issuer = found
    if row["status"] == "revoked":
        raise CertificateIsRevoked(
            "证书已撤销，不再签发证书文件（第二十条）。",
            "the certificate is revoked; no document is issued for it (Art. 20).",
        )
    certificate = str(row["id"])
    [(issued_at, issuance), *_] = stream_records(certify, certificate)
    issued = from_record(issuance).envelope
    if issued.signer != key_id:
        raise WrongRole(
            "证书文件须由签发该证书的发证人用同一密钥签署。",
            "the document must be signed by the certifier who issued the certificate, with "
            "the same key.",
        )
    actor = _actor_of(certify, key_id)
    enrolment = [
        (position, record)
        for position, record in stream_records(certify, actor)
        if position < issued_at and from_record(record).envelope.type in ACTOR_EVENTS
    ]
    public_key = _key_at_issue(enrolment)
    at = certify.position(issued_at)
    if at is None:
        raise DocumentRefused(
            "尚无覆盖颁发事件的检查点，请稍后再试。",
            "no checkpoint covers the issuance yet; try again in a moment.",
        )
    size, note = at.published.checkpoint.size, at.published.note
    ledger = certify.registry.store.ledger

    def item(purpose: str, position: int, record: bytes) -> LedgerEvidence:
        _leaf, proof = ledger.inclusion_proof(position, size)
        return LedgerEvidence.of_record(purpose, record, position, proof, note)

    evidence = [item(ENROLMENT, p, r) for p, r in enrolment]
    evidence.append(item(ISSUANCE, issued_at, issuance))
    url, index = status_entry_of(certify, certificate, base_url)
    cultivation = None
    if row["cultivation"]:
        cultivated = certify.q.cultivation(str(row["cultivation"]))
        if cultivated is not None:
            cultivation = CultivationPeriod(
                start=str(cultivated["start_date"]), end=str(cultivated["end_date"])
            )
    facts = CertificateFacts(
        certificate=certificate,
        number=number,
        holder_name=str(row["holder_name"]),
        tier=Tier(str(row["tier"])),
        trade=str(row["trade"]),
        employer=str(row["employer"]),
        issue_date=str(row["issue_date"]),
        cultivation=cultivation,
        body=str(row["body"]),
        body_name=issuer,
        status_list=url,
        status_index=index,
        pilot=bool(row["pilot"]),
    )
    return build_credential(facts, public_key, evidence)


def store_document(
    certify: Certify, number: str, key_id: str, base_url: str, document: Any
) -> dict[str, Any]:
    """Keep the certifier's signed document if it is the draft, signed, and verifies."""
    expected = draft(certify, number, key_id, base_url)
    unsigned = copy.deepcopy(document) if isinstance(document, dict) else None
    if unsigned is not None:
        unsigned.pop("proof", None)
    if unsigned != _without_evidence_checkpoints(expected, unsigned):
        raise DocumentRefused(
            "上传的证书文件与登记处的草稿不一致。",
            "the document is not the registry's draft with the certifier's proof.",
        )
    verifier = certify.log_verifier()
    trust = Trust(log_keys=(verifier,) if verifier else (), status_issuers=(certify.status_did,))
    report = verify_certificate(document, trust=trust, now=_now())
    if report.verdict is not Verdict.VALID:
        failed = next(s for s in report.steps if s.outcome != "passed")
        raise DocumentRefused(
            f"证书文件未通过核验：{failed.title_zh}：{failed.zh}",
            f"the document does not verify: {failed.title_en}: {failed.en}",
        )
    text = msgspec.json.encode(document).decode()
    certify.db.run(
        "INSERT INTO {certify_documents} (certificate, number, document, stored_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (certificate) DO UPDATE"
        " SET document = excluded.document, stored_at = excluded.stored_at",
        (document["id"].removeprefix("urn:uuid:"), number, text, _now().isoformat()),
    )
    return {"number": number, "stored": True}


def stored_document(certify: Certify, number: str) -> dict[str, Any] | None:
    rows = certify.db.query("SELECT document FROM {certify_documents} WHERE number = ?", (number,))
    return msgspec.json.decode(rows[0][0]) if rows else None


def _without_evidence_checkpoints(expected: dict[str, Any], given: Any) -> dict[str, Any]:
    """The draft as the certifier may have received it: a later checkpoint may have been
    signed between their draft and this check, so the evidence is compared by its events."""
    if not isinstance(given, dict) or not isinstance(given.get("evidence"), list):
        return expected
    ours = [(e["purpose"], e["leafIndex"], e["event"]) for e in expected.get("evidence", [])]
    theirs = [
        (e.get("purpose"), e.get("leafIndex"), e.get("event"))
        for e in given["evidence"]
        if isinstance(e, dict)
    ]
    if ours != theirs:
        return expected
    return {**expected, "evidence": given["evidence"]}


def _actor_of(certify: Certify, key_id: str) -> str:
    rows = certify.views.tables.select(KEYS, " WHERE key = ?", (key_id,))
    if not rows:
        raise WrongRole("密钥未登记。", "the key is not enrolled.")
    return str(rows[0]["actor"])


def _key_at_issue(enrolment: list[tuple[int, bytes]]) -> bytes:
    key = None
    for _, record in enrolment:
        payload = from_record(record).envelope.payload
        if "public_key" in payload:
            key = payload["public_key"]
    if not isinstance(key, str):
        raise DocumentRefused("找不到发证人的登记密钥。", "the certifier's key was not found.")
    return base64.b64decode(key)


def _now() -> datetime:
    return datetime.now(UTC)
