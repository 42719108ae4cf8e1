"""The revocation status list the registry keeps (撤销状态列表, Art. 20).

Each certificate that has a document holds an index drawn at random among the unused ones
(``certify_status``). The bits are those indexes whose certificate the views show revoked; the
signed ``BitstringStatusListCredential`` is kept in ``certify_status_lists`` with the revoked
indexes it was signed for, and signed again, by the registry status key, as soon as they
differ — that is, on the first read after every revocation.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from craftreg.credentials.statuslist import StatusList, assign_index, signed_status_list
from craftreg.projections.schema import CERTIFICATES

if TYPE_CHECKING:
    from craftreg.certify.service import Certify


def status_index(certify: Certify, certificate: str, url: str) -> int:
    """The certificate's index in the list at ``url``, drawn at random on first asking."""
    db = certify.db
    found = db.query("SELECT idx FROM {certify_status} WHERE certificate = ?", (certificate,))
    if found:
        return int(found[0][0])
    with db.transaction() as sql:
        used = {
            int(row[0])
            for row in sql.run(
                db.names("SELECT idx FROM {certify_status} WHERE list_url = ?"), (url,)
            )
        }
        index = assign_index(used, secrets.SystemRandom())
        sql.run(
            db.names(
                "INSERT INTO {certify_status} (certificate, list_url, idx) VALUES (?, ?, ?)"
                " ON CONFLICT (certificate) DO NOTHING"
            ),
            (certificate, url, index),
        )
    return int(
        db.query("SELECT idx FROM {certify_status} WHERE certificate = ?", (certificate,))[0][0]
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
