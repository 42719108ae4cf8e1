"""The identity vault (身份信息保管库): identity numbers kept out of the events (docs/privacy.md).

An event never carries a resident identity number (居民身份证号码) in clear. It carries a
:class:`~craftreg.domain.identity.SealedIdentity`:

* ``digest`` = lowercase hex HMAC-SHA256(hash key, normalised number), for finding the same
  person twice; the hash key is a file in ``CRAFTREG_KEY_DIR``, never in the database;
* ``sealed`` = base64(nonce(12) || AES-256-GCM(person key, nonce, number, aad)) with
  ``aad = b"craftreg/identity/v1\\n" + key``;
* ``key`` = the reference (UUID) of the person's key in the ``identity_keys`` table, which sits
  in the same database as the events.

Erasing a person's key on a lawful request (crypto-shredding) makes every copy of the number
unreadable, while the events, and so every signature over them, stay exactly as signed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac as std_hmac
import os
import re
import sqlite3
import stat
import threading
import unicodedata
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

from craftreg.domain.envelope import format_time
from craftreg.domain.errors import RegistryError, RuleViolation
from craftreg.domain.identity import SealedIdentity
from craftreg.keys import KeyFileError
from craftreg.settings import backend_of, persistence_env

HASH_KEY_FILE = "identity-hash.key"
KEY_BYTES = 32
NONCE_BYTES = 12
AAD_CONTEXT = b"craftreg/identity/v1\n"
TABLE = "identity_keys"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_CHECK = "10X98765432"  # check character for (sum of weighted digits) mod 11
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


class InvalidIdentityNumber(RegistryError):
    """The text is not a well-formed 18-character resident identity number (GB 11643-1999).

    The message never repeats the number: refusals end up in logs.
    """

    code = "invalid-identity-number"


class IdentityErased(RegistryError):
    """The person's key was erased on a lawful request: the number can no longer be read."""

    code = "identity-erased"

    def __init__(self, ref: str, erased_at: str) -> None:
        super().__init__(
            f"该人员的身份证号已于 {erased_at} 依法删除（个人密钥已销毁），无法再读取或重新封存。",
            f"this person's identity number was erased on {erased_at} (the person key was "
            "destroyed); it can no longer be read or sealed again.",
        )
        self.ref = ref
        self.erased_at = erased_at


class IdentityTampered(RegistryError):
    """The sealed number does not open with its person key: altered, or not from this vault."""

    code = "identity-tampered"


class UnknownIdentityKey(RegistryError):
    """No person key with that reference exists in this vault."""

    code = "unknown-identity-key"


def _invalid(zh: str, en: str) -> InvalidIdentityNumber:
    return InvalidIdentityNumber(
        f"身份证号无效：{zh}请核对证件后重新录入。",
        f"invalid identity number: {en} Check the identity card and enter the number again.",
    )


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_identity_number(number: str, *, today: date | None = None) -> str:
    """The number as hashed and sealed: NFKC (full-width ０-９ and Ｘ become ASCII), without
    any whitespace, upper-case ``X``; refused unless 18 characters, 17 digits and a check
    character that match, with a real birth date between 1800-01-01 and today."""
    if not isinstance(number, str):
        raise _invalid("应为文本。", "it must be text.")
    text = "".join(unicodedata.normalize("NFKC", number).split()).upper()
    if len(text) != 18:
        raise _invalid(
            f"应为 18 位（17 位数字加 1 位校验码），实为 {len(text)} 位；15 位旧号码须先升位。",
            f"it must have 18 characters (17 digits and a check character), not {len(text)}; "
            "a 15-digit first-generation number must first be converted.",
        )
    if not _SHAPE.fullmatch(text):
        raise _invalid(
            "前 17 位须为数字，末位须为数字或 X。",
            "the first 17 characters must be digits and the last a digit or X.",
        )
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    if born is None or not date(1800, 1, 1) <= born <= (today or date.today()):
        raise _invalid(
            "第 7 至 14 位的出生日期不是有效日期。",
            "characters 7 to 14 are not a valid date of birth.",
        )
    if check_digit(text[:17]) != text[17]:
        raise _invalid(
            "末位校验码与前 17 位不符，可能有数字录入错误。",
            "the check character does not match the first 17 digits; a digit may be mistyped.",
        )
    return text


def load_or_create_hash_key(key_dir: Path) -> bytes:
    """The registry's identity-hash key, ``<key_dir>/identity-hash.key``: 32 random bytes,
    mode 0600, created on first use. A key that others may read, or of the wrong size, is
    refused rather than used."""
    path = Path(key_dir) / HASH_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{HASH_KEY_FILE}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(KEY_BYTES))
                out.flush()
                os.fsync(out.fileno())
            # link() publishes the complete file or fails: a concurrent creator's key wins.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink()
    try:
        info = path.stat()
        key = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read identity-hash key {path}: {exc.strerror}") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"identity-hash key {path} is accessible to others (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); chmod 600 it"
        )
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"identity-hash key {path} must hold exactly {KEY_BYTES} bytes")
    return key


class IdentityVault:
    """Person keys in ``identity_keys``, beside the events, on SQLite or PostgreSQL."""

    def __init__(self, database_url: str, hash_key: bytes) -> None:
        if len(hash_key) != KEY_BYTES:
            raise ValueError(f"the identity-hash key must be {KEY_BYTES} bytes")
        self._hash_key = bytes(hash_key)
        self.backend = backend_of(database_url)
        self._lock = threading.Lock()
        env = persistence_env(database_url)
        self._schema = ""
        self._table: Any = TABLE
        if self.backend == "sqlite":
            name = env["SQLITE_DBNAME"]
            self._conninfo = name
        else:
            self._conninfo = psycopg.conninfo.make_conninfo(
                dbname=env["POSTGRES_DBNAME"],
                host=env["POSTGRES_HOST"],
                port=env["POSTGRES_PORT"],
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
            )
            self._schema = env["POSTGRES_SCHEMA"]
            self._table = sql.Identifier(*filter(None, (self._schema, TABLE)))
        self._conn: Any = None
        self._create_table()

    def _connection(self) -> Any:
        """The vault's own connection, autocommit; reopened if PostgreSQL dropped it."""
        if self.backend == "sqlite":
            if self._conn is None:
                name = self._conninfo
                self._conn = sqlite3.connect(
                    name,
                    uri=name.startswith("file:"),
                    timeout=30,
                    isolation_level=None,
                    check_same_thread=False,
                )
                # Erased keys are overwritten with zeros in the file, not merely unlinked.
                self._conn.execute("PRAGMA secure_delete = ON")
        elif self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> IdentityVault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the operations ------------------------------------------------------------

    def digest(self, number: str) -> str:
        """The keyed hash events carry: equal for the same person, whoever sealed it."""
        mac = hmac.HMAC(self._hash_key, hashes.SHA256())
        mac.update(normalise_identity_number(number).encode("ascii"))
        return mac.finalize().hex()

    def lookup(self, number: str) -> str | None:
        """The person key reference for this number, erased or not; None if never sealed."""
        row = self._one("SELECT ref FROM {t} WHERE digest = ?", (self.digest(number),))
        return None if row is None else str(row[0])

    def seal(self, number: str) -> SealedIdentity:
        """The number as an event may carry it, under the person's key (created if new)."""
        normalised = normalise_identity_number(number)
        digest = self.digest(normalised)
        self._run(
            "INSERT INTO {t} (ref, digest, key, created) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (digest) DO NOTHING",
            (str(uuid.uuid4()), digest, AESGCM.generate_key(256), _now()),
        )
        row = self._one("SELECT ref, key, erased_at FROM {t} WHERE digest = ?", (digest,))
        assert row is not None, "the row was just inserted or already there"
        ref, key, erased_at = row
        if key is None:
            raise IdentityErased(ref, erased_at)
        nonce = os.urandom(NONCE_BYTES)
        box = AESGCM(bytes(key)).encrypt(nonce, normalised.encode("ascii"), _aad(ref))
        sealed = SealedIdentity(
            digest=digest, sealed=base64.b64encode(nonce + box).decode("ascii"), key=ref
        )
        sealed.check()
        return sealed

    def reveal(self, identity: SealedIdentity) -> str:
        """The number in clear; :class:`IdentityErased` once its key is erased."""
        identity.check()
        row = self._one("SELECT digest, key, erased_at FROM {t} WHERE ref = ?", (identity.key,))
        if row is None:
            raise _unknown(identity.key)
        digest, key, erased_at = row
        if not std_hmac.compare_digest(digest, identity.digest):
            raise _tampered("密钥哈希与个人密钥不对应", "its digest is not that person key's")
        if key is None:
            raise IdentityErased(identity.key, erased_at)
        try:
            blob = base64.b64decode(identity.sealed, validate=True)
        except (binascii.Error, ValueError):
            raise _tampered("密文不是有效的 base64", "the ciphertext is not base64") from None
        if len(blob) < NONCE_BYTES + 16:
            raise _tampered("密文过短", "the ciphertext is too short")
        try:
            plain = AESGCM(bytes(key)).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(identity.key)
            )
            number = normalise_identity_number(plain.decode("ascii"))
        except (InvalidTag, UnicodeDecodeError, InvalidIdentityNumber):
            raise _tampered(
                "密文无法用个人密钥解开", "it does not open with the person key"
            ) from None
        if not std_hmac.compare_digest(self.digest(number), identity.digest):
            raise _tampered("解密结果与密钥哈希不符", "the number does not match its digest")
        return number

    def erase(self, ref: str, reason: str) -> None:
        """Crypto-shred the person key: NULL it, record when and why. Idempotent: erasing an
        erased key changes nothing. The digest stays, so the person is still recognised."""
        if not reason.strip():
            raise RuleViolation(
                "删除个人身份信息须写明依据（如申请编号、法律依据）。",
                "an erasure needs a reason (the request reference, the legal basis).",
                code="missing-field",
            )
        changed = self._run(
            "UPDATE {t} SET key = NULL, erased_at = ?, erasure_reason = ? "
            "WHERE ref = ? AND erased_at IS NULL",
            (_now(), reason, ref),
        )
        if changed == 0 and self._one("SELECT 1 FROM {t} WHERE ref = ?", (ref,)) is None:
            raise _unknown(ref)
        if changed and self.backend == "sqlite":
            # Move the page out of the write-ahead log, where the old key bytes still are.
            self._run("PRAGMA wal_checkpoint(TRUNCATE)", ())

    # -- storage ------------------------------------------------------------------------

    def _create_table(self) -> None:
        kind, size = ("BLOB", "length") if self.backend == "sqlite" else ("BYTEA", "octet_length")
        ddl = (
            "CREATE TABLE IF NOT EXISTS {t} ("
            "ref TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
            f"key {kind}, created TEXT NOT NULL, erased_at TEXT, erasure_reason TEXT, "
            "CHECK ((key IS NULL) = (erased_at IS NOT NULL)), "
            f"CHECK (key IS NULL OR {size}(key) = {KEY_BYTES}))"
        )
        if self.backend == "sqlite":
            self._run(ddl, ())
            return
        lock = int.from_bytes(
            hashlib.sha256(f"craftreg-vault:{self._schema}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                # Concurrent CREATE ... IF NOT EXISTS can still collide in PostgreSQL's catalogue.
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
                if self._schema:
                    conn.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                            sql.Identifier(self._schema)
                        )
                    )
                conn.execute(self._query(ddl))

    def _query(self, text: str) -> Any:
        if self.backend == "sqlite":
            return text.format(t=self._table)
        return sql.SQL(text.replace("?", "%s")).format(t=self._table)

    def _run(self, text: str, params: tuple[Any, ...]) -> int:
        with self._lock:
            return int(self._connection().execute(self._query(text), params).rowcount)

    def _one(self, text: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row = self._connection().execute(self._query(text), params).fetchone()
        return None if row is None else tuple(row)


def _aad(ref: str) -> bytes:
    return AAD_CONTEXT + ref.encode("ascii")


def _now() -> str:
    return format_time(datetime.now(UTC))


def _unknown(ref: str) -> UnknownIdentityKey:
    return UnknownIdentityKey(
        f"身份信息保管库中没有编号为 {ref} 的个人密钥。",
        f"the identity vault holds no person key {ref}.",
    )


def _tampered(zh: str, en: str) -> IdentityTampered:
    return IdentityTampered(
        f"身份信息密文无法打开：{zh}。该记录可能被篡改，或并非来自本登记系统。",
        f"the sealed identity cannot be opened: {en}. It may have been altered, or it does "
        "not come from this registry.",
    )


def mask_name(name: str) -> str:
    """张*明: the first and last character kept, the middle hidden; a two-character name
    keeps the first (李*), so no answer without the code gives a whole name."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
