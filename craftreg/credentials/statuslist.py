"""Bitstring Status List v1.0 (证书状态列表): one bit per certificate, set on revocation (Art. 20).

* The list has at least 131,072 entries (16 KiB), so that one certificate's bit hides among
  many (herd privacy, §6.1); index 0 is the most significant bit of the first byte (§3.1).
* ``encodedList`` = ``u`` + base64url without padding of the GZIP (RFC 1952) of the bits. The
  GZIP header carries mtime 0, so the same bits always give the same text.
* Indexes are drawn at random among the unused ones (§6.4: sequential indexes would let anyone
  tell the order and time of issue), from a :class:`random.Random` the caller chooses —
  ``secrets.SystemRandom()`` in production, a seeded one in tests.
* The list is served as a ``BitstringStatusListCredential`` signed with ``eddsa-jcs-2022``
  by a registry key named as did:key.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import random
import re
import zlib
from collections.abc import Sequence, Set
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.didkey import did_key, public_key_of, verification_method
from craftreg.credentials.errors import StatusListError, StatusListFull
from craftreg.credentials.integrity import add_proof, is_datetime, verify_proof

MIN_ENTRIES = 131_072
MAX_ENCODED_BYTES = 16 * 1024 * 1024  # a decompression bomb stops here
REVOCATION = "revocation"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
_INDEX = re.compile(r"0|[1-9][0-9]*")
_RANDOM_TRIES = 64


class StatusList:
    """The bits of one status list; ``True`` means revoked."""

    def __init__(self, size: int = MIN_ENTRIES, bits: bytes | None = None) -> None:
        if size < MIN_ENTRIES or size % 8:
            raise StatusListError(
                f"状态列表至少 {MIN_ENTRIES} 项，且为 8 的倍数。",
                f"a status list has at least {MIN_ENTRIES} entries, a multiple of 8.",
            )
        if bits is not None and len(bits) * 8 != size:
            raise StatusListError(
                "状态列表长度不符。", "the status list bits do not match its size."
            )
        self.size = size
        self._bits = bytearray(bits if bits is not None else size // 8)

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise StatusListError(
                f"状态索引 {index} 不在列表范围 0–{self.size - 1} 内。",
                f"status index {index} is outside the list (0–{self.size - 1}).",
            )
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, revoked: bool = True) -> None:
        byte, mask = self._locate(index)
        if revoked:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask

    def revoked(self) -> list[int]:
        return [i for i in range(self.size) if self._bits[i // 8] & (0x80 >> (i % 8))]

    def encode(self) -> str:
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: object) -> StatusList:
        """Read an ``encodedList``, refusing bad encodings, short lists and bombs."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError(
                "encodedList 必须以 u 开头（base64url 多基编码）。",
                "encodedList must be multibase base64url, starting with 'u'.",
            )
        body = encoded[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            compressed = None
        if compressed is None or base64.urlsafe_b64encode(compressed).rstrip(b"=").decode() != body:
            raise StatusListError(
                "encodedList 不是无填充的 base64url。", "encodedList is not unpadded base64url."
            )
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            bits = inflater.decompress(compressed, MAX_ENCODED_BYTES)
        except zlib.error:
            raise StatusListError(
                "encodedList 不是 GZIP 压缩数据。", "encodedList is not GZIP-compressed."
            ) from None
        if inflater.unconsumed_tail or not inflater.eof:
            raise StatusListError(
                "状态列表过大或被截断。", "the status list is too large or truncated."
            )
        if len(bits) * 8 < MIN_ENTRIES:
            raise StatusListError(
                f"状态列表只有 {len(bits) * 8} 项，少于规定的 {MIN_ENTRIES} 项。",
                f"the status list has {len(bits) * 8} entries, fewer than {MIN_ENTRIES}.",
            )
        return cls(len(bits) * 8, bits)


def assign_index(used: Set[int], rng: random.Random, size: int = MIN_ENTRIES) -> int:
    """A random index not in ``used``. Random draws first; once the list is crowded, a
    uniform choice among the free ones, so the call always ends."""
    if len(used) >= size:
        raise StatusListFull(
            "状态列表已满，请启用新的状态列表。",
            "the status list is full; start a new status list.",
        )
    for _ in range(_RANDOM_TRIES):
        index = rng.randrange(size)
        if index not in used:
            return index
    return rng.choice([i for i in range(size) if i not in used])


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a certificate (statusListIndex is a decimal string)."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def entry_index(entry: object) -> tuple[str, int]:
    """Check a status entry's shape; return its list URL and index."""
    if not isinstance(entry, dict) or entry.get("type") != ENTRY_TYPE:
        raise StatusListError(
            f"credentialStatus 必须是 {ENTRY_TYPE} 对象。",
            f"credentialStatus must be a {ENTRY_TYPE} object.",
        )
    if entry.get("statusPurpose") != REVOCATION:
        raise StatusListError(
            "证书状态的用途必须是 revocation（撤销）。",
            "the certificate's status purpose must be 'revocation'.",
        )
    index, url = entry.get("statusListIndex"), entry.get("statusListCredential")
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise StatusListError(
            "statusListIndex 必须是十进制非负整数字符串。",
            "statusListIndex must be a non-negative decimal integer as a string.",
        )
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise StatusListError(
            "statusListCredential 必须是状态列表的网址。",
            "statusListCredential must be the URL of the status list.",
        )
    if "id" in entry and entry["id"] == url:
        raise StatusListError(
            "状态条目的 id 不能是状态列表本身的网址。",
            "the status entry's id must not be the status list's URL.",
        )
    return url, int(index)


def status_list_credential(
    list_url: str, bits: StatusList, issuer: str, valid_from: str
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` for ``bits``."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_TYPE,
            "statusPurpose": REVOCATION,
            "encodedList": bits.encode(),
        },
    }


def signed_status_list(
    list_url: str, bits: StatusList, registry_key: Ed25519PrivateKey, valid_from: str
) -> dict[str, Any]:
    """The status list credential, signed by the registry key (did:key issuer)."""
    public_key = public_key_of(registry_key)
    unsigned = status_list_credential(list_url, bits, did_key(public_key), valid_from)
    return add_proof(
        unsigned,
        registry_key,
        verification_method=verification_method(public_key),
        created=valid_from,
    )


def verified_status_list(
    credential: object, list_url: str, issuers: Sequence[str], now: datetime
) -> StatusList:
    """The bits of a status list credential, once its proof, issuer, URL, purpose and
    validity check out; ``issuers`` are the did:keys trusted to sign status lists."""
    proof = verify_proof(credential)
    assert isinstance(credential, dict)  # verify_proof refuses anything else
    issuer = credential.get("issuer")
    if issuer not in issuers or proof.key.controller != issuer:
        raise StatusListError(
            "状态列表不是由可信的登记处密钥签署的。",
            "the status list is not signed by a trusted registry key.",
        )
    subject = credential.get("credentialSubject")
    types = credential.get("type")
    if (
        credential.get("id") != list_url
        or not isinstance(types, list)
        or CREDENTIAL_TYPE not in types
        or not isinstance(subject, dict)
        or subject.get("type") != LIST_TYPE
        or subject.get("statusPurpose") != REVOCATION
    ):
        raise StatusListError(
            "状态列表凭证与证书所指的列表或用途不符。",
            "the status list credential is not the revocation list the certificate points to.",
        )
    valid_from, valid_until = credential.get("validFrom"), credential.get("validUntil")
    if (valid_from is not None and (not is_datetime(valid_from) or _at(valid_from) > now)) or (
        valid_until is not None and (not is_datetime(valid_until) or _at(valid_until) <= now)
    ):
        raise StatusListError(
            "状态列表不在有效期内。", "the status list is outside its validity period."
        )
    return StatusList.decode(subject.get("encodedList"))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
