"""The revocation status list the registry keeps (撤销状态列表, Art. 20).

Each certificate that has a document holds an index drawn at random among the unused ones of
a list (``certify_status``); a list that is half used gives way to the next
(``/v1/status-lists/revocation/1``, ``…/2``, …). The bits are those indexes whose certificate the views show revoked; the
signed ``BitstringStatusListCredential`` is kept in ``certify_status_lists`` with the revoked
indexes it was signed for, and signed again, by the registry status key, as soon as they
differ — that is, on the first read after every revocation.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from craftreg.credentials.statuslist import (
    MIN_ENTRIES,
    StatusList,
    assign_index,
    signed_status_list,
)
from craftreg.projections.schema import CERTIFICATES

if TYPE_CHECKING:
    from craftreg.certify.service import Certify

# A list takes new certificates until half its entries are used, then the next list opens: a
# revoked bit always hides among 131,072, and a random draw finds a free index at once.
LIST_FILL = MIN_ENTRIES // 2


def status_entry_of(certify: Certify, certificate: str, base_url: str) -> tuple[str, int]:
    """The certificate's status list URL and index, drawn on first asking: at random among the
    unused indexes of the first list that is not yet half used (:data:`LIST_FILL`)."""
    db = certify.db
    found = db.query(
        "SELECT list_url, idx FROM {certify_status} WHERE certificate = ?", (certificate,)
    )
    if not found:
        with db.transaction() as sql:
            filled = dict(
                sql.run(
                    db.names("SELECT list_url, COUNT(*) FROM {certify_status} GROUP BY list_url")
                )
            )
            number = 1
            while filled.get(certify.status_list_url(base_url, number), 0) >= LIST_FILL:
                number += 1
            url = certify.status_list_url(base_url, number)
            used = {
                int(row[0])
                for row in sql.run(
                    db.names("SELECT idx FROM {certify_status} WHERE list_url = ?"), (url,)
                )
            }
            sql.run(
                db.names(
                    "INSERT INTO {certify_status} (certificate, list_url, idx) VALUES (?, ?, ?)"
                    " ON CONFLICT (certificate) DO NOTHING"
                ),
                (certificate, url, assign_index(used, secrets.SystemRandom())),
            )
        found = db.query(
            "SELECT list_url, idx FROM {certify_status} WHERE certificate = ?", (certificate,)
        )
    return str(found[0][0]), int(found[0][1])


def in_use(certify: Certify, url: str) -> bool:
    """Whether any certificate has been given an index in the list at ``url``."""
    return bool(
        certify.db.query("SELECT 1 FROM {certify_status} WHERE list_url = ? LIMIT 1", (url,))
    )


def revoked_indexes(certify: Certify, url: str) -> list[int]:
    tables = certify.views.tables
    statement = (
        f"SELECT s.idx FROM {certify.db.table('certify_status')} s"
        f" JOIN {{{CERTIFICATES.table}}} c ON c.id = s.certificate"
        " WHERE s.list_url = ? AND c.status = 'revoked' ORDER BY s.idx"
    )
    return [int(row[0]) for row in tables.query(statement, (url,))]


def current_status_list(certify: Certify, url: str) -> str:
    revoked = revoked_indexes(certify, url)
    marker = ",".join(map(str, revoked))
    kept = certify.db.query(
        "SELECT revoked, credential FROM {certify_status_lists} WHERE url = ?", (url,)
    )
    if kept and kept[0][0] == marker:
        return str(kept[0][1])
    bits = StatusList()
    for index in revoked:
        bits.set(index)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    credential = signed_status_list(url, bits, certify.status_key.private_key, now)
    text = msgspec.json.encode(credential).decode()
    certify.db.run(
        "INSERT INTO {certify_status_lists} (url, revoked, credential) VALUES (?, ?, ?)"
        " ON CONFLICT (url) DO UPDATE SET revoked = excluded.revoked,"
        " credential = excluded.credential",
        (url, marker, text),
    )
    return text
