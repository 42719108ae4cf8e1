"""Certification services (证书核验与发放): what the routes, the page and the CLI ask of the
registry about one certificate.

* :meth:`Certify.verify` — the public verification answer, signed as a receipt (receipt.py);
* :meth:`Certify.draft` / :meth:`Certify.store_document` — the unsigned credential the
  certifier signs on their own machine, and the signed document they hand back (documents.py);
* :meth:`Certify.status_list` — the revocation list, re-signed whenever its bits change.

The answer is read from the registry views brought up to at least the latest checkpoint, so a
revocation shows in the very next answer, page and status list after it is appended (Art. 20).
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from craftreg.application import Registry
from craftreg.certify.codes import COUNTS, Codes, window_start
from craftreg.certify.db import CertifyDB
from craftreg.certify.receipt import sign_receipt
from craftreg.certify.statuskeys import read_or_create_status_key
from craftreg.certify.statuslists import current_status_list, in_use
from craftreg.credentials.didkey import did_key
from craftreg.domain.discipline import Ground
from craftreg.domain.tiers import TIER_NAMES, Tier
from craftreg.ledger.checkpoints import CheckpointStore, Published, log_verifier_key
from craftreg.privacy import mask_name
from craftreg.projections.codec import decode_row
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.schema import CERTIFICATES
from craftreg.projections.working import Row

STATUS_LISTS = "/v1/status-lists/revocation/"  # then the list's number: 1, 2, …
_LIST_NUMBER = re.compile(r"[1-9][0-9]{0,6}")
GROUNDS = {
    Ground.FALSIFICATION.value: ("弄虚作假", "falsification"),
    Ground.VIOLATION.value: ("违纪违法", "violation of discipline or law"),
    Ground.UNSUITABILITY.value: ("其他不适宜情形", "other unsuitability"),
}


@dataclass(frozen=True)
class Position:
    published: Published
    views_at: int


# Where the answer stands, the certificate and its issuer's name, the wrong codes counted.
Read = tuple[Position, tuple[Row, str] | None, tuple[int, int] | None]


class Certify:
    def __init__(self, registry: Registry, key_dir: Path, public_url: str = "") -> None:
        self.registry = registry
        self.views = RegistryViews.open(registry.store.database_url)
        self.q = Views(self.views.tables)
        self.db = CertifyDB(registry.store.ledger.db)
        self.codes = Codes(self.db)
        self.status_key = read_or_create_status_key(key_dir)
        self.status_did = did_key(self.status_key.public_key)
        self.public_url = public_url.rstrip("/")
        self._views_lock = threading.Lock()
        self._sign_lock = threading.Lock()
        self._origin = ""
        ledger = registry.store.ledger.db
        columns = ", ".join(f"c.{name}" for name in CERTIFICATES.names)
        # {counts}: the wrong codes counted (codes.COUNTS), when the reader gave a code.
        self._read_sql = (
            f"SELECT cp.note, cp.published_at, vc.position, {{counts}}o.name, {columns}"
            f" FROM (SELECT note, published_at FROM {ledger.table('ledger_checkpoints')}"
            " ORDER BY size DESC LIMIT 1) cp"
            " LEFT JOIN {{view_cursor}} vc ON vc.name = ?"
            " LEFT JOIN {{view_certificates}} c ON c.number = ?"
            " LEFT JOIN {{view_organisations}} o ON o.id = c.body"
        )

    def close(self) -> None:
        self.views.close()

    # -- reading at a checkpoint ----------------------------------------------------------

    def position(self, covering: int = -1) -> Position | None:
        """The latest checkpoint, one covering log position ``covering`` (signed now if
        needed), with the views brought at least to it; None: nothing can be proven."""
        ledger = self.registry.store.ledger
        published = ledger.checkpoints.latest()
        if published is None or published.checkpoint.size <= covering:
            self.registry.store.publish_checkpoint()
            published = ledger.checkpoints.latest()
            if published is None or published.checkpoint.size <= covering:
                return None
        views_at = self.views.position
        if views_at < published.checkpoint.size:
            with self._views_lock:
                self.views.catch_up()
            views_at = self.views.position
        return Position(published, views_at)

    def certificate(self, number: str) -> dict[str, Any] | None:
        return self.q.certificate(number)

    @property
    def origin(self) -> str:
        """The log's origin, fixed at genesis; read once this process's state has it."""
        if not self._origin:
            self._origin = self.registry.current().chain.origin
        return self._origin

    def log_verifier(self) -> str | None:
        key = self.registry.store.ledger.log_key
        return None if key is None else log_verifier_key(self.origin, key.public_key)

    # -- the public verification ----------------------------------------------------------

    def verify(self, number: str, code: str | None, client: str) -> dict[str, Any]:
        """The answer and its receipt: ``{"answer": {...}, "receipt": "<signed note>"}``;
        ``receipt`` is absent when the registry cannot check (no checkpoint or log key)."""
        checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        number = number.strip().upper()  # as printed: S33-2029-00001
        if self.registry.store.ledger.log_key is None:
            return {"answer": _cannot_check(number, checked_at)}
        read = self._read(number, client if code else None)
        if read is None:
            return {"answer": _cannot_check(number, checked_at)}
        at, found, counted = read
        if found is None:
            answer: dict[str, Any] = {
                "type": "CertificateVerification",
                "number": number,
                "status": "not_found",
                "checkedAt": checked_at,
                **_checkpoint(at),
            }
            return self._signed(answer)
        row, issuer = found
        opened = self.codes.check(row, code, client, counted) if code else None
        latest = int(row["last_position"])
        leaf, proof = self.registry.store.ledger.inclusion_proof(
            latest, at.published.checkpoint.size
        )
        tier = Tier(str(row["tier"]))
        answer = {
            "type": "CertificateVerification",
            "number": number,
            "status": "revoked" if row["status"] == "revoked" else "valid",
            "tier": tier.value,
            "tierName": TIER_NAMES[tier],
            "issuer": issuer,
            "issueDate": row["issue_date"],
            "holderName": row["holder_name"] if opened else mask_name(str(row["holder_name"])),
            "codeChecked": opened or "none",
            "checkedAt": checked_at,
            **_checkpoint(at),
            "latestEvent": {
                "leafIndex": latest,
                "leafHash": _b64(leaf),
                "inclusionProof": [_b64(node) for node in proof],
            },
        }
        if opened:
            answer["trade"] = row["trade"]
            answer["employerAtIssue"] = row["employer"]
        if row["status"] == "revoked":
            ground = str(row["revocation_ground"])
            zh, en = GROUNDS.get(ground, (ground, ground))
            answer["revocation"] = {"date": row["revoked_on"], "ground": ground, "zh": zh, "en": en}
        return self._signed(answer)

    def _read(self, number: str, client: str | None) -> Read | None:
        """The latest checkpoint, the certificate and its issuer, and (for a client giving a
        code) the wrong codes counted, in one round trip when the views have reached the
        checkpoint and it covers the certificate's latest event; else step by step."""
        counts = (
            self.db.names(COUNTS.format(certificate="c.id")) + ", " if client is not None else ""
        )
        now = window_start()
        rows = self.views.tables.query(
            self._read_sql.format(counts=counts),
            (*((client, now, now) if client is not None else ()), self.views.name, number),
        )
        if rows:
            note, published_at, views_at, *values = rows[0]
            counted = (int(values.pop(0)), int(values.pop(0))) if client is not None else None
            issuer, *columns = values
            at = Position(CheckpointStore.published_of((note, published_at)), int(views_at or 0))
            size = at.published.checkpoint.size
            row = decode_row(CERTIFICATES, columns) if columns[0] is not None else None
            if at.views_at >= size and (row is None or int(row["last_position"]) < size):
                return at, None if row is None else (row, issuer or ""), counted
        return self._read_in_steps(number)

    def _read_in_steps(self, number: str) -> Read | None:
        at = self.position()
        if at is None:
            return None
        found = self.q.certificate_and_issuer(number)
        if found is not None and int(found[0]["last_position"]) >= at.published.checkpoint.size:
            at = self.position(int(found[0]["last_position"]))
            if at is None:
                return None
        return at, found, None

    def _signed(self, answer: dict[str, Any]) -> dict[str, Any]:
        store = self.registry.store
        assert store.ledger.log_key is not None
        receipt = sign_receipt(answer, self.origin, store.ledger.log_key)
        return {"answer": answer, "receipt": receipt}

    # -- the status list ------------------------------------------------------------------

    def status_list_url(self, base_url: str, number: int) -> str:
        return f"{self._status_lists(base_url)}{number}"

    def served_status_list(self, url: str, base_url: str) -> bool:
        """Whether ``url`` names a status list this registry serves: the first, or a later one
        that holds a certificate (never a list a stranger's URL would make it sign)."""
        prefix = self._status_lists(base_url)
        number = url.removeprefix(prefix)
        if not url.startswith(prefix) or not _LIST_NUMBER.fullmatch(number):
            return False
        return number == "1" or in_use(self, url)

    def _status_lists(self, base_url: str) -> str:
        return (self.public_url or base_url.rstrip("/")) + STATUS_LISTS

    def status_list(self, url: str) -> str:
        """The signed status list credential as JSON text, re-signed when a bit changed."""
        self.position()
        with self._sign_lock:
            return current_status_list(self, url)


def _checkpoint(at: Position) -> dict[str, Any]:
    return {
        "checkpoint": at.published.note,
        "treeSize": at.published.checkpoint.size,
        "asOfPosition": at.views_at,
    }


def _cannot_check(number: str, checked_at: str) -> dict[str, Any]:
    return {
        "type": "CertificateVerification",
        "number": number,
        "status": "cannot_check",
        "checkedAt": checked_at,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
