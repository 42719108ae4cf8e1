"""Ed25519 keys as Multikey and did:key (公钥标识), resolved offline.

* multibase base58btc: ``z`` + base58 (Bitcoin alphabet) of the bytes;
* Multikey public key: multicodec ``ed25519-pub`` (0xed, varint ``0xed 0x01``) + 32 bytes, so
  every Ed25519 public key encodes as ``z6Mk…``; the secret key multicodec ``ed25519-priv``
  (0x1300, varint ``0x80 0x26``) + 32-byte seed gives ``z3u2…``;
* did:key: ``did:key:<Multikey>``; its one verification method is
  ``did:key:<Multikey>#<Multikey>`` (W3C did:key method v0.7, Ed25519 only).

A did:key is its own DID document: resolving it needs no network, which is why a certificate
names its signing key this way (docs/certificate-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.errors import MalformedKey

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
KEY_SIZE = 32
DID_KEY = "did:key:"


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: object, what: str) -> bytes:
    """Strict: the ``z`` prefix, the Bitcoin alphabet, and the one encoding of the bytes."""
    if not isinstance(text, str) or not text.startswith("z") or len(text) < 2:
        raise MalformedKey(
            f"{what} 必须是以 z 开头的 base58btc 多基编码。",
            f"{what} must be multibase base58btc, starting with 'z'.",
        )
    try:
        data = base58.b58decode(text[1:])
    except ValueError:
        data = None
    if data is None or encode_base58btc(data) != text:
        raise MalformedKey(
            f"{what} 含有 base58btc 字母表之外的字符。",
            f"{what} has characters outside the base58btc alphabet.",
        )
    return data


def public_multikey(public_key: bytes) -> str:
    if len(public_key) != KEY_SIZE:
        raise MalformedKey("Ed25519 公钥为 32 字节。", "an Ed25519 public key is 32 bytes.")
    return encode_base58btc(ED25519_PUB + public_key)


def public_key_from_multikey(multikey: str) -> bytes:
    raw = decode_base58btc(multikey, "publicKeyMultibase")
    if raw[:2] != ED25519_PUB or len(raw) != 2 + KEY_SIZE:
        raise MalformedKey(
            "公钥不是 Ed25519 Multikey（须为 0xed01 前缀加 32 字节）。",
            "the public key is not an Ed25519 Multikey (0xed01 followed by 32 bytes).",
        )
    return raw[2:]


def secret_multikey(private_key: Ed25519PrivateKey) -> str:
    return encode_base58btc(ED25519_PRIV + private_key.private_bytes_raw())


def private_key_from_multikey(multikey: str) -> Ed25519PrivateKey:
    raw = decode_base58btc(multikey, "secretKeyMultibase")
    if raw[:2] != ED25519_PRIV or len(raw) != 2 + KEY_SIZE:
        raise MalformedKey(
            "私钥不是 Ed25519 Multikey（须为 0x8026 前缀加 32 字节种子）。",
            "the secret key is not an Ed25519 Multikey (0x8026 followed by a 32-byte seed).",
        )
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def did_key(public_key: bytes) -> str:
    return DID_KEY + public_multikey(public_key)


def verification_method(public_key: bytes) -> str:
    multikey = public_multikey(public_key)
    return f"{DID_KEY}{multikey}#{multikey}"


def public_key_of(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method resolved: the DID that controls it and the raw public key."""

    id: str
    controller: str
    public_key: bytes

    @property
    def multikey(self) -> str:
        return public_multikey(self.public_key)


def resolve_did(did: object) -> bytes:
    """The public key a did:key names."""
    if not isinstance(did, str) or not did.startswith(DID_KEY) or "#" in did:
        raise MalformedKey(
            "签发者标识必须是 did:key。", f"the issuer must be a did:key, not {did!r}."
        )
    return public_key_from_multikey(did[len(DID_KEY) :])


def resolve_verification_method(method: object) -> ResolvedKey:
    """``did:key:z6Mk…#z6Mk…`` to its key, offline. Any other form is refused: a did:key has
    exactly one verification method, whose fragment repeats the key."""
    if not isinstance(method, str):
        raise MalformedKey(
            "verificationMethod 必须是字符串。", "verificationMethod must be a string."
        )
    did, hash_, fragment = method.partition("#")
    public_key = resolve_did(did)
    if not hash_ or fragment != did[len(DID_KEY) :]:
        raise MalformedKey(
            "verificationMethod 必须是 did:key:<公钥>#<同一公钥>。",
            "verificationMethod must be did:key:<key>#<the same key>.",
        )
    return ResolvedKey(id=method, controller=did, public_key=public_key)
