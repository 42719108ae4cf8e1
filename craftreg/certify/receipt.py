"""The verification receipt (核验回执): the registry's signed answer about one certificate.

The answer is a JSON object; the receipt is a C2SP signed note whose text is two lines —
``craftreg/verification-receipt/v1`` and the RFC 8785 (JCS) form of the answer — signed by the
registry's log key under the log's origin, the same key that signs checkpoints. A checkpoint's
second line is a decimal tree size, a receipt's is a JSON object, so neither can be passed off
as the other. The answer names the checkpoint it was computed at and carries the inclusion
proof of the certificate's latest event in that checkpoint's tree, so an employer who keeps the
receipt can later show what the registry told it, and that the registry's log held it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from craftreg.credentials.integrity import canonicalize
from craftreg.domain.envelope import canonical_json
from craftreg.keys import Signer
from craftreg.ledger.checkpoints import log_signer_key
from craftreg.ledger.note import NoteError, sign_note, verify_note

HEADER = "craftreg/verification-receipt/v1"


class ReceiptError(ValueError):
    """A receipt that is not signed by a trusted log key or not of the receipt form."""


def sign_receipt(answer: dict[str, Any], origin: str, log_key: Signer) -> str:
    # The answer is made here of strings and integers: no float needs rfc8785's numbers.
    text = f"{HEADER}\n{canonical_json(answer).decode()}\n"
    return sign_note(text, log_signer_key(origin, log_key))


def open_receipt(note: str, log_keys: Sequence[str]) -> dict[str, Any]:
    """The answer a receipt signed by one of ``log_keys`` states."""
    try:
        text = verify_note(note, log_keys).text
    except NoteError as exc:
        raise ReceiptError(f"the receipt is not signed by a trusted log key: {exc}") from None
    lines = text.split("\n")
    if len(lines) != 3 or lines[0] != HEADER or lines[2] != "":
        raise ReceiptError("the note is not a verification receipt")
    answer = json.loads(lines[1])
    if not isinstance(answer, dict) or canonicalize(answer).decode() != lines[1]:
        raise ReceiptError("the receipt's answer is not a canonical JSON object")
    return answer
