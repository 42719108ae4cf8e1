"""Checkpoints (C2SP tlog-checkpoint) signed by the log key, and where they are kept.

A checkpoint's note text is three lines — the origin, the tree size in decimal, the base64
root hash (RFC 9162 §2.1.1 MTH) — and craftreg writes no extension lines. It is a C2SP signed
note signed by the log key, an Ed25519 key whose note key name is the origin
(signed-note §Ed25519 signatures: key type 0x01). Witness cosignatures (tlog-cosignature) are
further signature lines on the same text; a checkpoint is served with every one kept.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from craftreg.keys import Signer
from craftreg.ledger.db import LedgerDB, Sql
from craftreg.ledger.errors import CheckpointInconsistent
from craftreg.ledger.merkle import HASH_SIZE
from craftreg.ledger.note import NoteError, signer_from_seed, verifier_from_public, verify_note

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_PAGE = 1000


class CheckpointFormatError(ValueError):
    """A note text is not a checkpoint (tlog-checkpoint §Note text)."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint in a note text; extension lines are refused, as craftreg signs none."""
        lines = text.split("\n")
        if len(lines) != 4 or lines[3] != "":
            raise CheckpointFormatError(
                "a checkpoint is exactly three lines (origin, size, root hash), each ending in "
                "a newline"
            )
        origin, size, root = lines[:3]
        if not origin:
            raise CheckpointFormatError("the checkpoint's origin line is empty")
        if not _SIZE.fullmatch(size):
            raise CheckpointFormatError(f"the tree size {size!r} is not a plain decimal number")
        try:
            digest = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointFormatError("the root hash is not base64") from None
        if len(digest) != HASH_SIZE or base64.b64encode(digest).decode() != root:
            raise CheckpointFormatError("the root hash is not 32 bytes in canonical base64")
        return cls(origin, int(size), digest)


def check_commitment(
    note: str, checkpoint: Checkpoint, *, origin: str, log_key: str, root: bytes
) -> None:
    """That the signed ``note`` of ``checkpoint`` commits to a log prefix of its size whose
    genesis named ``origin``, whose log key is ``log_key`` (the one published last in it, a
    verifier key; "" when none is) and whose records hash to ``root`` — as an auditor's replay
    checks every checkpoint it reaches (docs/ledger-format.md §8, step 4)."""
    size = checkpoint.size
    if checkpoint.origin != origin:
        raise CheckpointInconsistent(
            f"它属于日志“{checkpoint.origin}”，而本登记处的日志是“{origin}”。",
            f"it is a checkpoint of the log '{checkpoint.origin}', not of '{origin}'.",
        )
    if not log_key:
        raise CheckpointInconsistent(
            f"前 {size} 个事件中没有公布日志密钥，无法验证其签名。",
            f"no log key is published in the first {size} events to verify it by.",
        )
    try:
        verify_note(note, [log_key])
    except NoteError as exc:
        raise CheckpointInconsistent(
            f"它没有日志密钥的有效签名（{exc}）。",
            f"it does not carry a valid signature of the log key ({exc}).",
        ) from None
    if checkpoint.root != root:
        ours, theirs = root.hex()[:16], checkpoint.root.hex()[:16]
        raise CheckpointInconsistent(
            f"日志前 {size} 个事件的根哈希为 {ours}…，与检查点的 {theirs}… 不符："
            "日志已被改动，或检查点不属于它。",
            f"the first {size} events hash to {ours}…, not to its root {theirs}…: the log was "
            "changed, or the checkpoint is not one of its own.",
        )


def note_text(note: str) -> str:
    """The text of a signed note: everything up to and including the newline before the
    blank line that precedes the signatures."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the signed note has no blank line between its text and its signatures")
    return note[: split + 1]


def log_signer_key(origin: str, key: Signer) -> str:
    """The note signer key string of the log key, named after the origin."""
    seed = key.private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return signer_from_seed(origin, seed)


def log_verifier_key(origin: str, public_key: bytes) -> str:
    return verifier_from_public(origin, public_key)


@dataclass(frozen=True)
class Published:
    """A checkpoint as kept: the note signed by the log (no cosignatures) and when."""

    checkpoint: Checkpoint
    note: str
    published_at: str


@dataclass(frozen=True)
class ListedCheckpoint:
    """A published checkpoint in a list: its size, when, and how many witnesses cosigned it."""

    size: int
    published_at: str
    cosignatures: int


class CheckpointStore:
    """``ledger_checkpoints`` and ``ledger_cosignatures``."""

    def __init__(self, db: LedgerDB) -> None:
        self.db = db

    def add(self, sql: Sql, published: Published) -> None:
        c = published.checkpoint
        sql.run(
            "INSERT INTO {ledger_checkpoints} (size, note, published_at) VALUES (?, ?, ?)",
            (c.size, published.note, published.published_at),
        )

    def latest(self, sql: Sql | None = None) -> Published | None:
        query = "SELECT note, published_at FROM {ledger_checkpoints} ORDER BY size DESC LIMIT 1"
        rows = sql.run(query) if sql is not None else self.db.query(query)
        return self.published_of(rows[0]) if rows else None

    def at(self, size: int) -> Published | None:
        rows = self.db.query(
            "SELECT note, published_at FROM {ledger_checkpoints} WHERE size = ?",
            (size,),
        )
        return self.published_of(rows[0]) if rows else None

    def all(self) -> Iterator[Published]:
        """Every published checkpoint, smallest first, read page by page."""
        for page in self._pages():
            yield from page

    def all_served(self) -> Iterator[tuple[int, str]]:
        """Every published checkpoint's size and note as :meth:`served` gives it, smallest
        first: the cosignature lines of a whole page of checkpoints in one query."""
        for page in self._pages():
            lines: dict[int, list[str]] = {}
            sizes = [published.checkpoint.size for published in page]  # as the notes say
            for size, line in self.db.query(
                "SELECT size, line FROM {ledger_cosignatures}"
                " WHERE size >= ? AND size <= ? ORDER BY size, witness",
                (min(sizes), max(sizes)),
            ):
                lines.setdefault(int(size), []).append(str(line))
            for published in page:
                extra = "".join(f"{line}\n" for line in lines.get(published.checkpoint.size, ()))
                yield published.checkpoint.size, published.note + extra

    def _pages(self) -> Iterator[list[Published]]:
        after = -1
        while True:
            rows = self.db.query(
                "SELECT note, published_at FROM {ledger_checkpoints}"
                " WHERE size > ? ORDER BY size LIMIT ?",
                (after, _PAGE),
            )
            published = [self.published_of(row) for row in rows]
            if published:
                yield published
            if len(rows) < _PAGE:
                return
            after = published[-1].checkpoint.size

    def listed(
        self, below: int | None, limit: int, cosigned: bool = False
    ) -> list[ListedCheckpoint]:
        """Up to ``limit`` checkpoints smaller than ``below`` (any when None), largest first —
        the newest is what a client looks for — each with its count of kept cosignatures;
        ``cosigned``: only those at least one witness cosigned."""
        clauses = [] if below is None else ["c.size < ?"]
        params = [] if below is None else [below]
        if cosigned:
            clauses.append("EXISTS (SELECT 1 FROM {ledger_cosignatures} w WHERE w.size = c.size)")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(
            "SELECT c.size, c.published_at,"
            " (SELECT count(*) FROM {ledger_cosignatures} w WHERE w.size = c.size)"
            f" FROM {{ledger_checkpoints}} c{where} ORDER BY c.size DESC LIMIT ?",
            (*params, limit),
        )
        return [ListedCheckpoint(int(size), str(at), int(count)) for size, at, count in rows]

    def cosignature_lines(self, size: int) -> list[str]:
        rows = self.db.query(
            "SELECT line FROM {ledger_cosignatures} WHERE size = ? ORDER BY witness", (size,)
        )
        return [row[0] for row in rows]

    def add_cosignatures(self, size: int, lines: dict[str, tuple[int, str]]) -> None:
        """Keep verified cosignatures (witness key id → (timestamp, line)), the newest each."""
        with self.db.transaction() as sql:
            for witness, (timestamp, line) in sorted(lines.items()):
                sql.run(
                    "DELETE FROM {ledger_cosignatures} WHERE size = ? AND witness = ?",
                    (size, witness),
                )
                sql.run(
                    "INSERT INTO {ledger_cosignatures} (size, witness, timestamp, line)"
                    " VALUES (?, ?, ?, ?)",
                    (size, witness, timestamp, line),
                )

    def served(self, published: Published) -> str:
        """The note with every kept cosignature line appended (signed-note §Format)."""
        extra = "".join(f"{line}\n" for line in self.cosignature_lines(published.checkpoint.size))
        return published.note + extra

    @staticmethod
    def published_of(row: tuple[object, ...]) -> Published:
        note, published_at = str(row[0]), str(row[1])
        return Published(Checkpoint.parse(note_text(note)), note, published_at)
