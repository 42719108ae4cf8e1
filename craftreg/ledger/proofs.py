"""Offline proofs for a discipline file: that an event is in the log, that the log only grew.

* Inclusion (C2SP tlog-proof, ``c2sp.org/tlog-proof@v1``): the ``extra`` line carries the
  stored record itself (base64), then ``index I``, the RFC 9162 §2.1.3 inclusion path one
  base64 hash per line from the leaf's sibling up, an empty line, and the checkpoint of the
  tree, signed and cosigned, verbatim.
* Consistency (``craftreg.org/tlog-consistency-proof@v1``, the same shape): ``old M``, the
  RFC 9162 §2.1.4 consistency proof one hash per line, an empty line, the checkpoint of size
  M verbatim, an empty line, and the checkpoint of size N verbatim. The first checkpoint ends
  at the first empty line after one of its signature lines.

Both verify with nothing but the log's verifier key (docs/ledger-format.md §9).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError
from craftreg.ledger.ledger import Ledger
from craftreg.ledger.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from craftreg.ledger.note import NoteError, open_note, verify_note

INCLUSION_HEADER = "c2sp.org/tlog-proof@v1"
CONSISTENCY_HEADER = "craftreg.org/tlog-consistency-proof@v1"


class ProofBundleError(ValueError):
    """The bundle is malformed, or what it claims does not verify."""


class ProofFailed(ProofBundleError):
    """What the bundle claims does not verify: an alarm, not a malformed file."""


@dataclass(frozen=True)
class Included:
    index: int
    record: bytes
    checkpoint: Checkpoint


def inclusion_bundle(ledger: Ledger, index: int, record: bytes, size: int | None = None) -> str:
    """The tlog-proof of the event at ``index`` under a published checkpoint (the latest)."""
    published = ledger.published(size)
    _, proof = ledger.inclusion_proof(index, published.checkpoint.size)
    lines = [INCLUSION_HEADER, f"extra {_b64(record)}", f"index {index}"]
    lines += [_b64(h) for h in proof]
    return "\n".join(lines) + "\n\n" + ledger.checkpoints.served(published)


def consistency_bundle(ledger: Ledger, first: int, second: int | None = None) -> str:
    """The proof that the published checkpoint of size ``second`` extends that of ``first``."""
    old, new = ledger.published(first), ledger.published(second)
    proof = ledger.consistency_proof(old.checkpoint.size, new.checkpoint.size)
    lines = [CONSISTENCY_HEADER, f"old {old.checkpoint.size}", *(_b64(h) for h in proof)]
    return (
        "\n".join(lines)
        + "\n\n"
        + ledger.checkpoints.served(old)
        + "\n"
        + ledger.checkpoints.served(new)
    )


def verify_inclusion_bundle(bundle: str, log_key: str) -> Included:
    head, note = _split(bundle, INCLUSION_HEADER)
    if len(head) < 2 or not head[0].startswith("extra ") or not head[1].startswith("index "):
        raise ProofBundleError("a craftreg inclusion proof has an extra line and an index line")
    record = _unb64(head[0][len("extra ") :])
    index = _number(head[1][len("index ") :])
    checkpoint = _checkpoint(note, log_key)
    try:
        verify_inclusion(
            leaf_hash(record), index, checkpoint.size, _hashes(head[2:]), checkpoint.root
        )
    except ProofError as exc:
        raise ProofFailed(f"the inclusion proof does not verify: {exc}") from None
    return Included(index, record, checkpoint)


def verify_consistency_bundle(bundle: str, log_key: str) -> tuple[Checkpoint, Checkpoint]:
    head, notes = _split(bundle, CONSISTENCY_HEADER)
    if not head or not head[0].startswith("old "):
        raise ProofBundleError("a consistency proof starts with an old size line")
    at = notes.find("\n\n", notes.find("\n\u2014 ")) if "\n\u2014 " in notes else -1
    if at < 0:
        raise ProofBundleError("the bundle does not hold two signed checkpoints")
    old = _checkpoint(notes[: at + 1], log_key)
    new = _checkpoint(notes[at + 2 :], log_key)
    if old.size != _number(head[0][len("old ") :]) or old.origin != new.origin:
        raise ProofBundleError("the old size line does not match the first checkpoint")
    try:
        verify_consistency(old.size, new.size, _hashes(head[1:]), old.root, new.root)
    except ProofError as exc:
        raise ProofFailed(f"the consistency proof does not verify: {exc}") from None
    return old, new


def _split(bundle: str, header: str) -> tuple[list[str], str]:
    top, sep, rest = bundle.partition("\n\n")
    lines = top.split("\n")
    if not sep or lines[0] != header:
        raise ProofBundleError(f"not a proof bundle: the first line must be {header}")
    return lines[1:], rest


def _checkpoint(note: str, log_key: str) -> Checkpoint:
    try:
        verify_note(note, [log_key])
        return Checkpoint.parse(open_note(note)[0])
    except (NoteError, CheckpointFormatError) as exc:
        raise ProofFailed(f"the checkpoint is not signed by the log key: {exc}") from None


def _hashes(lines: list[str]) -> list[bytes]:
    return [_unb64(line) for line in lines]


def _number(text: str) -> int:
    if not text.isdigit() or (text != "0" and text.startswith("0")):
        raise ProofBundleError(f"{text!r} is not a decimal number without leading zeros")
    return int(text)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = None
    if data is None or _b64(data) != text:
        raise ProofBundleError(f"{text[:20]!r} is not canonical base64")
    return data
