"""Witness cosignatures (C2SP tlog-cosignature, Ed25519 ``cosignature/v1``).

A cosignature is one more signature line on a checkpoint's note:

* key ID = SHA-256(name || "\\n" || 0x04 || 32-byte public key)[:4] (§Format);
* signature = the ``timestamped_signature`` u64 big-endian POSIX timestamp || 64-byte Ed25519
  signature (§Format), base64 after the key ID as in every note signature;
* signed message = ``cosignature/v1\\n`` ``time <timestamp>\\n`` then the whole checkpoint text
  (§Ed25519 signed message).

A witness of this registry is an enrolled actor with the witness role; it cosigns with its
enrolled key under the name ``<origin>/witness/<key id>``, so the registry finds the key from
the name alone and checks it as enrolled at the current head of the log. An auditor's replay
runs the same checks on every stored cosignature, at the states of the log in which the
registry could have accepted it (craftreg/ledger/vouchers.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from craftreg.domain.authority import Role
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer
from craftreg.ledger.errors import (
    BadCosignature,
    NotAWitness,
    UnknownWitness,
    WitnessKeyRevoked,
)
from craftreg.ledger.note import Signature

COSIGNATURE_V1 = 0x04
"""Signature type byte of Ed25519 cosignature/v1 (tlog-cosignature §Format)."""

MAX_CLOCK_SKEW = 300
"""Seconds a cosignature's timestamp may lie in the future (tlog-cosignature lets verifiers refuse)."""

_KEY_ID = re.compile(r"[0-9a-f]{32}")
_RAW_SIZE = 4 + 8 + 64


def witness_name(origin: str, key_id: str) -> str:
    return f"{origin}/witness/{key_id}"


def cosigner_key_hash(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, key: Signer, timestamp: int | None = None) -> str:
    """The cosignature line (without its newline) by ``key`` on a checkpoint text."""
    moment = int(time.time()) if timestamp is None else timestamp
    signature = key.private_key.sign(cosigned_message(text, moment))
    raw = cosigner_key_hash(name, key.public_key).to_bytes(4, "big")
    raw += moment.to_bytes(8, "big") + signature
    return f"\u2014 {name} {base64.b64encode(raw).decode()}"


def verify_cosignature(
    text: str, signature: Signature, public_key: bytes, *, now: int | None = None
) -> int:
    """Check one cosignature line on ``text`` with a public key; return its timestamp."""
    if signature.key_hash != cosigner_key_hash(signature.name, public_key):
        raise BadCosignature(
            f"{signature.name} 的签名密钥标识与其登记的密钥不符。",
            f"the key ID of {signature.name}'s signature does not belong to its enrolled key "
            "(cosignature/v1, key type 0x04).",
        )
    if len(signature.raw) != _RAW_SIZE:
        raise BadCosignature(
            f"{signature.name} 的副署长度不对。",
            f"{signature.name}'s cosignature is {len(signature.raw) - 4} bytes, not the 72 of a "
            "timestamped Ed25519 signature.",
        )
    timestamp = int.from_bytes(signature.raw[4:12], "big")
    limit = (int(time.time()) if now is None else now) + MAX_CLOCK_SKEW
    if timestamp >= 2**63 or timestamp > limit:
        raise BadCosignature(
            f"{signature.name} 的副署时间在未来。",
            f"{signature.name}'s cosignature is dated in the future ({timestamp}).",
        )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature.raw[12:], cosigned_message(text, timestamp)
        )
    except InvalidSignature:
        raise BadCosignature(
            f"{signature.name} 的副署无效：检查点或签名已被改动。",
            f"{signature.name}'s cosignature does not verify: the checkpoint or the signature "
            "was altered.",
        ) from None
    return timestamp


def witness_key(state: RegistryState, signature: Signature) -> tuple[str, bytes]:
    """The enrolled witness key (key id, public key) a cosignature line names, as ``state``
    stands: the registry passes its head, an auditor's replay each state it judges."""
    prefix = witness_name(state.chain.origin, "")
    key_id = signature.name[len(prefix) :] if signature.name.startswith(prefix) else ""
    key = state.chain.keys.get(key_id) if _KEY_ID.fullmatch(key_id) else None
    if key is None:
        raise UnknownWitness(
            f"{signature.name} 不是本登记处登记的见证人密钥。",
            f"{signature.name} is not a key enrolled in this registry; a witness cosigns as "
            f"{prefix}<key id>.",
        )
    actor = state.chain.actors[key.actor]
    if Role.WITNESS not in actor.roles:
        raise NotAWitness(
            f"{actor.name} 不具有见证人角色，不能副署检查点。",
            f"{actor.name} does not hold the witness role and cannot cosign checkpoints.",
        )
    if key.retired_at is not None:
        raise WitnessKeyRevoked(
            f"见证人密钥 {key_id} 已于日志位置 {key.retired_at} 停用。",
            f"witness key {key_id} was retired at log position {key.retired_at}.",
        )
    return key_id, key.public_key
