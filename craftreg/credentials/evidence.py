"""Ledger evidence in a certificate (账本证据): events of the log with their inclusion proofs.

Each item is one stored event record (the exact bytes of its log leaf, written as the JSON
object they are the RFC 8785 form of), its leaf index, its RFC 9162 inclusion proof and the
checkpoint (a C2SP signed note by the registry's log key) the proof leads to. A verifier that
trusts the log key checks it with no network:

* ``certifierEnrolment``: the events of the certifier's actor record (enrolment, and any key
  rotation or role change) show the signing key held the certifier role at the issuing body;
* ``certificateIssuance``: the issuance event was admitted by the registry — which checked the
  signer's authority at that moment (Art. 15) — signed by the same key, with the same facts.

The log only holds admitted events, so the registrar signatures inside them need no check
here: inclusion under a trusted checkpoint is the registry's word that they were admitted.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from craftreg.credentials.errors import LedgerEvidenceError, MalformedCredential
from craftreg.credentials.integrity import canonicalize
from craftreg.domain.authority import Role
from craftreg.domain.envelope import SignedEvent, b64encode, from_record, key_id
from craftreg.domain.errors import MalformedEnvelope
from craftreg.ledger.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion
from craftreg.ledger.note import NoteError, verify_note

EVIDENCE_TYPE = "LedgerInclusionProof"
ENROLMENT = "certifierEnrolment"
ISSUANCE = "certificateIssuance"
ISSUANCE_EVENTS = ("CertificateIssued", "PilotCertificateImported")
_ISSUED_FACTS: tuple[str, ...] = ("number", "holder_name", "trade", "employer", "issue_date")
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_FIELDS = {"type", "purpose", "event", "leafIndex", "inclusionProof", "checkpoint"}


class LedgerEvidence(msgspec.Struct, frozen=True, kw_only=True):
    purpose: str
    event: dict[str, Any]  # {"envelope": {...}, "signature": "<base64>"}
    leaf_index: int
    inclusion_proof: tuple[str, ...]  # base64 hashes, nearest sibling first
    checkpoint: str  # the signed note

    @classmethod
    def of_record(
        cls, purpose: str, record: bytes, leaf_index: int, proof: Sequence[bytes], checkpoint: str
    ) -> LedgerEvidence:
        return cls(
            purpose=purpose,
            event=msgspec.json.decode(record),
            leaf_index=leaf_index,
            inclusion_proof=tuple(b64encode(node).decode() for node in proof),
            checkpoint=checkpoint,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": EVIDENCE_TYPE,
            "purpose": self.purpose,
            "event": self.event,
            "leafIndex": self.leaf_index,
            "inclusionProof": list(self.inclusion_proof),
            "checkpoint": self.checkpoint,
        }


def parse_evidence(raw: object) -> list[LedgerEvidence]:
    """The ``evidence`` member of a credential, shape-checked item by item."""
    items = raw if isinstance(raw, list) else [raw]
    parsed: list[LedgerEvidence] = []
    for number, item in enumerate(items, 1):
        if (
            not isinstance(item, dict)
            or set(item) != _FIELDS
            or item["type"] != EVIDENCE_TYPE
            or item["purpose"] not in (ENROLMENT, ISSUANCE)
            or not isinstance(item["event"], dict)
            or isinstance(item["leafIndex"], bool)
            or not isinstance(item["leafIndex"], int)
            or not isinstance(item["inclusionProof"], list)
            or not all(isinstance(node, str) for node in item["inclusionProof"])
            or not isinstance(item["checkpoint"], str)
        ):
            raise MalformedCredential(
                f"第 {number} 项账本证据的格式不符。",
                f"ledger evidence item {number} is not of the documented form.",
            )
        parsed.append(
            LedgerEvidence(
                purpose=item["purpose"],
                event=item["event"],
                leaf_index=item["leafIndex"],
                inclusion_proof=tuple(item["inclusionProof"]),
                checkpoint=item["checkpoint"],
            )
        )
    return parsed


def checkpoint_root(note: str, log_keys: Sequence[str]) -> tuple[str, int, bytes]:
    """Origin, size and root of a checkpoint signed by a trusted log key."""
    try:
        verified = verify_note(note, log_keys)
    except NoteError as exc:
        raise LedgerEvidenceError(
            "检查点不是由可信的登记处日志密钥签署的。",
            f"the checkpoint is not signed by a trusted registry log key: {exc}",
        ) from None
    lines = verified.text.split("\n")
    root = _decode_hash(lines[2]) if len(lines) == 4 and _SIZE.fullmatch(lines[1]) else None
    if root is None or lines[0] not in {s.name for s in verified.verified}:
        raise LedgerEvidenceError(
            "检查点的格式不符（来源、树大小、根哈希三行）。",
            "the checkpoint is not three lines of origin, tree size and root hash, "
            "signed under its origin's name.",
        )
    return lines[0], int(lines[1]), root


def included_event(item: LedgerEvidence, log_keys: Sequence[str]) -> SignedEvent:
    """The event an item proves to be in the log, or :class:`LedgerEvidenceError`."""
    _origin, size, root = checkpoint_root(item.checkpoint, log_keys)
    record = canonicalize(item.event)
    try:
        event = from_record(record)
    except MalformedEnvelope as exc:
        raise LedgerEvidenceError(
            f"账本证据中的事件格式不符：{exc.zh}", f"the evidence's event is malformed: {exc.en}"
        ) from None
    proof = [node for node in map(_decode_hash, item.inclusion_proof) if node is not None]
    try:
        if len(proof) != len(item.inclusion_proof):
            raise ProofError("a proof hash is not 32 bytes in canonical base64")
        verify_inclusion(leaf_hash(record), item.leaf_index, size, proof, root)
    except ProofError as exc:
        raise LedgerEvidenceError(
            f"事件（日志位置 {item.leaf_index}）不在检查点所示的账本中。",
            f"the event at log position {item.leaf_index} is not proven to be in the "
            f"checkpointed log: {exc}",
        ) from None
    return event


@dataclass(frozen=True)
class Certifier:
    """The certifier an enrolment proves: their record, name, organisation and position."""

    actor: str
    name: str
    organisation: str
    enrolled_at: int


def certifier_authority(
    items: Sequence[LedgerEvidence], log_keys: Sequence[str], public_key: bytes, organisation: str
) -> Certifier:
    """Fold the certifier's actor events: the key must end as theirs, with the role, at the
    issuing organisation (a bare organisation UUID)."""
    ordered = sorted(items, key=lambda item: item.leaf_index)
    events = [included_event(item, log_keys) for item in ordered]
    if not events or events[0].envelope.type != "ActorEnrolled":
        raise _authority("证据中没有发证人的登记事件。", "no enrolment event of the certifier.")
    stream = events[0].envelope.stream
    first = events[0].envelope.payload
    name, org = str(first.get("name")), first.get("organisation")
    roles, key = set(first.get("roles", ())), first.get("public_key")
    for event in events[1:]:
        payload = event.envelope.payload
        if event.envelope.stream != stream:
            raise _authority("登记证据涉及多个经办人。", "the enrolment evidence mixes actors.")
        if event.envelope.type == "ActorKeyRotated":
            key = payload.get("public_key")
        elif event.envelope.type == "ActorRolesChanged":
            roles = set(payload.get("roles", ()))
        elif event.envelope.type == "ActorKeyRevoked":
            if key is not None and payload.get("key") == key_id(base64.b64decode(key)):
                key = None
        else:
            raise _authority(
                f"登记证据中不应有 {event.envelope.type} 事件。",
                f"a {event.envelope.type} event does not belong in enrolment evidence.",
            )
    if key != b64encode(public_key).decode():
        raise _authority(
            "签名密钥不是该发证人当前登记的密钥。",
            "the signing key is not the key the certifier has enrolled.",
        )
    if Role.CERTIFIER.value not in roles:
        raise _authority(
            "该经办人不具有发证人角色。", "the actor does not hold the certifier role."
        )
    if org != organisation:
        raise _authority(
            "发证人不属于证书所写的培育单位。",
            "the certifier does not belong to the body the certificate names.",
        )
    return Certifier(stream, name, organisation, ordered[0].leaf_index)


def issuance_event(
    item: LedgerEvidence,
    log_keys: Sequence[str],
    public_key: bytes,
    certificate: str,
    facts: dict[str, str],
) -> SignedEvent:
    """The issuance event, admitted by the registry, signed by the credential's key, stating
    the facts the credential states (``facts`` uses the event's payload field names)."""
    event = included_event(item, log_keys)
    if event.envelope.type not in ISSUANCE_EVENTS or event.envelope.stream != certificate:
        raise LedgerEvidenceError(
            "账本证据中的事件不是本证书的颁发事件。",
            "the evidence's event is not the issuance of this certificate.",
        )
    if event.envelope.signer != key_id(public_key):
        raise LedgerEvidenceError(
            "颁发事件与证书不是由同一密钥签署的。",
            "the issuance event and the certificate were not signed by the same key.",
        )
    payload = event.envelope.payload
    compared = _ISSUED_FACTS
    if event.envelope.type == "PilotCertificateImported":
        compared += ("body", "tier")  # a pilot record names its body and tier itself
    differing = [field for field in compared if payload.get(field) != facts.get(field)]
    if differing:
        raise LedgerEvidenceError(
            f"证书内容与账本中的颁发事件不一致：{', '.join(differing)}。",
            f"the certificate differs from the issuance event in the ledger: "
            f"{', '.join(differing)}.",
        )
    return event


def _authority(zh: str, en: str) -> LedgerEvidenceError:
    return LedgerEvidenceError(f"发证人权限不成立：{zh}", f"certifier authority not shown: {en}")


def _decode_hash(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == HASH_SIZE and base64.b64encode(raw).decode() == text else None
