"""The identity number (身份证号) as events carry it: never in clear (see docs/privacy.md).

A nomination holds a keyed hash of the number, for finding the same person twice, and the
number sealed under a key kept for that person outside the events. Erasing that key on a lawful
request (crypto-shredding) makes the number unreadable while every signature still verifies.
"""

from __future__ import annotations

import re

import msgspec

from craftreg.domain.errors import RuleViolation

_HEX64 = re.compile(r"[0-9a-f]{64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


class SealedIdentity(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    digest: str  # lowercase hex HMAC-SHA256 of the normalised number under the registry's key
    sealed: str  # base64 of nonce || AES-256-GCM ciphertext under the person's key
    key: str  # the person's key reference (UUID) in the identity vault

    def check(self) -> None:
        if not (
            _HEX64.fullmatch(self.digest)
            and _UUID.fullmatch(self.key)
            and _B64.fullmatch(self.sealed)
        ):
            raise RuleViolation(
                "身份信息格式不符：须为密钥哈希、密文和个人密钥编号，不得出现明文身份证号。",
                "the identity must be a keyed hash, a ciphertext and a person-key reference; "
                "never the number in clear.",
                code="identity-in-clear",
            )
