"""tests/vectors/events.json: the published event vectors of docs/event-format.md."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.domain.envelope import SIGNING_CONTEXT, canonical_bytes, from_record, key_id
from craftreg.domain.errors import BadSignature
from craftreg.keys import Signer

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "events.json").read_text("utf-8")
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"][:40] for c in CASES])
def test_vector_is_reproduced_byte_for_byte(case: dict[str, Any]) -> None:
    signer = Signer(
        Ed25519PrivateKey.from_private_bytes(bytes.fromhex(case["private_key_seed_hex"]))
    )
    assert signer.public_key.hex() == case["public_key_hex"]
    assert key_id(signer.public_key) == case["key_id"] == case["envelope"]["signer"]
    canonical = canonical_bytes(case["envelope"])
    assert canonical.hex() == case["canonical_hex"]
    assert (SIGNING_CONTEXT + canonical).hex() == case["signed_bytes_hex"]
    signature = signer.private_key.sign(SIGNING_CONTEXT + canonical)
    assert base64.b64encode(signature).decode() == case["signature_base64"]
    record = bytes.fromhex(case["record_hex"])
    assert hashlib.sha256(b"\x00" + record).hexdigest() == case["leaf_hash_hex"]
    stored = from_record(record)
    assert stored.canonical == canonical
    stored.verify(signer.public_key)


@pytest.mark.parametrize("case", CASES, ids=[c["description"][:40] for c in CASES])
def test_a_tampered_vector_fails(case: dict[str, Any]) -> None:
    record = bytes.fromhex(case["record_hex"])
    tampered = record.replace(b'"version":', b'"version":1', 1)
    with pytest.raises(BadSignature):
        from_record(tampered).verify(bytes.fromhex(case["public_key_hex"]))
