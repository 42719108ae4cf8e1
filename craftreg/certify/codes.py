"""Holders' codes (核验码与分享码): the permanent verification code, time-limited share codes,
and the limit on wrong guesses.

* The permanent code's digest is in the issuance event (``code_digest``, Art. 15); the registry
  never holds the code itself.
* A share code (分享码, as 学信网 gives) is made by the holder, who proves the permanent code;
  it lasts 30 to 180 days and can be withdrawn. Only its digest is kept.
* Wrong codes are counted per client address and per certificate in the database, so every
  worker sees them: :data:`CLIENT_LIMIT` per client and :data:`CERTIFICATE_LIMIT` per
  certificate within :data:`WINDOW_SECONDS`. Past either, the code is not even compared.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

from craftreg.casework import as_typed, new_verification_code
from craftreg.certify.db import CertifyDB
from craftreg.domain.certificates import code_digest
from craftreg.domain.errors import RegistryError

SHARE_DAYS = (30, 180)
WINDOW_SECONDS = 15 * 60
CLIENT_LIMIT = 10
CERTIFICATE_LIMIT = 20


class WrongCode(RegistryError):
    """The code given is neither the holder's verification code nor a live share code."""

    code = "wrong-code"
    status = 403


class TooManyWrongCodes(RegistryError):
    code = "rate-limited"
    status = 429
    retry_after = WINDOW_SECONDS  # at most: the oldest wrong code of the window may go sooner


class BadShareRequest(RegistryError):
    code = "invalid-share-request"
    status = 422


def share_digest(number: str, code: str) -> str:
    return hashlib.sha256(f"craftreg/share/v1\n{number}\n{code}".encode()).hexdigest()


# The wrong codes of the window, by client and by certificate, as two columns; parameters:
# client, window start, [certificate,] window start.
COUNTS = (
    "(SELECT COUNT(*) FROM {{certify_code_failures}} WHERE client = ? AND at > ?),"
    " (SELECT COUNT(*) FROM {{certify_code_failures}} WHERE certificate = {certificate}"
    " AND at > ?)"
)


def window_start() -> float:
    return time.time() - WINDOW_SECONDS


class Codes:
    def __init__(self, db: CertifyDB) -> None:
        self.db = db

    def check(
        self,
        row: dict[str, object],
        code: str,
        client: str,
        counted: tuple[int, int] | None = None,
    ) -> str:
        """``permanent`` or ``share`` when ``code`` opens the certificate; else count the
        failure and raise :class:`WrongCode` (or :class:`TooManyWrongCodes` when over).
        ``counted``: the wrong codes of the window by client and by certificate, when the
        caller has read them already (:data:`COUNTS`)."""
        certificate, number = str(row["id"]), str(row["number"])
        self._refuse_if_over(certificate, client, counted)
        code = as_typed(code)
        if secrets.compare_digest(code_digest(number, code), str(row["code_digest"])):
            return "permanent"
        now = datetime.now(UTC).isoformat()
        live = self.db.query(
            "SELECT id FROM {certify_share_codes}"
            " WHERE digest = ? AND certificate = ? AND revoked = 0 AND expires > ?",
            (share_digest(number, code), certificate, now),
        )
        if live:
            return "share"
        with self.db.transaction() as sql:
            # Only the window counts: older failures go as new ones come, so the table stays
            # as small as the wrong codes of the last quarter of an hour.
            sql.run(
                self.db.names("DELETE FROM {certify_code_failures} WHERE at <= ?"),
                (window_start(),),
            )
            sql.run(
                self.db.names(
                    "INSERT INTO {certify_code_failures} (certificate, client, at) VALUES (?, ?, ?)"
                ),
                (certificate, client, time.time()),
            )
        raise WrongCode(
            "核验码不正确。请核对持证人提供的核验码或分享码。",
            "the code is not right: check the verification or share code the holder gave you.",
        )

    def _refuse_if_over(
        self, certificate: str, client: str, counted: tuple[int, int] | None
    ) -> None:
        if counted is None:
            [counted] = self.db.query(
                f"SELECT {COUNTS.format(certificate='?')}",
                (client, window_start(), certificate, window_start()),
            )
        by_client, by_certificate = counted
        if by_client >= CLIENT_LIMIT or by_certificate >= CERTIFICATE_LIMIT:
            raise TooManyWrongCodes(
                "核验码错误次数过多，请 15 分钟后再试。",
                "too many wrong codes; try again in 15 minutes.",
            )

    def new_share_code(self, row: dict[str, object], days: int) -> tuple[str, str, str]:
        """(id, code, expiry) of a new share code; the caller has checked the permanent code."""
        if not SHARE_DAYS[0] <= days <= SHARE_DAYS[1]:
            raise BadShareRequest(
                "分享码有效期须为 30 至 180 天。", "a share code lasts 30 to 180 days."
            )
        share_id, code = str(uuid.uuid4()), new_verification_code()
        expires = (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")
        self.db.run(
            "INSERT INTO {certify_share_codes} (id, certificate, digest, expires, revoked)"
            " VALUES (?, ?, ?, ?, 0)",
            (share_id, str(row["id"]), share_digest(str(row["number"]), code), expires),
        )
        return share_id, code, expires

    def withdraw(self, row: dict[str, object], share_id: str) -> bool:
        found = self.db.run(
            "UPDATE {certify_share_codes} SET revoked = 1"
            " WHERE id = ? AND certificate = ? AND revoked = 0 RETURNING id",
            (share_id, str(row["id"])),
        )
        return bool(found)
