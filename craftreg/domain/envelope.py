"""The signed envelope (签名事件信封): the one format in which every decision is recorded.

Layout, byte for byte, is specified in docs/event-format.md:

* envelope = ``{stream, version, type, time, payload, signer}``;
* canonical bytes = RFC 8785 (JCS) of the envelope;
* signature = Ed25519 over ``b"craftreg/event/v1\\n" + canonical bytes``;
* key id = lowercase hex of the first 16 bytes of SHA-256(raw 32-byte public key);
* stored record = JCS of ``{"envelope": ..., "signature": base64}``, built around the signed
  canonical bytes so that they are never re-serialised.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from craftreg.domain.errors import BadSignature, FloatNotAllowed, MalformedEnvelope

SIGNING_CONTEXT = b"craftreg/event/v1\n"
MAX_SAFE_INTEGER = 2**53 - 1
ENVELOPE_FIELDS = ("payload", "signer", "stream", "time", "type", "version")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_ASCII_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_TYPE = re.compile(r"[A-Z][A-Za-z]{2,63}")
_RECORD_HEAD = b'{"envelope":'
_RECORD_MID = b',"signature":"'
_RECORD_TAIL = b'"}'


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """What a signer signs: where the event goes, what it is, when, and who signed it."""

    stream: str
    version: int
    type: str
    time: str
    payload: dict[str, Any]
    signer: str

    def canonical(self) -> bytes:
        return canonical_bytes(msgspec.to_builtins(self))

    @property
    def moment(self) -> datetime:
        if _ASCII_TIME.fullmatch(self.time):
            # The same instant strptime reads, several times faster (an auditor's replay asks
            # for it on most events); strptime stays for the digits other than ASCII it admits.
            return datetime.fromisoformat(self.time[:-1]).replace(tzinfo=UTC)
        return datetime.strptime(self.time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SignedEvent(msgspec.Struct, frozen=True):
    """An envelope, its exact canonical bytes and the signature over them."""

    envelope: Envelope
    canonical: bytes
    signature: bytes

    @property
    def record(self) -> bytes:
        """The stored record: JCS of ``{"envelope", "signature"}`` (see docs/event-format.md)."""
        return b"".join(
            (_RECORD_HEAD, self.canonical, _RECORD_MID, b64encode(self.signature), _RECORD_TAIL)
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "envelope": msgspec.to_builtins(self.envelope),
            "signature": b64encode(self.signature).decode(),
        }

    def verify(self, public_key: bytes) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(
                self.signature, SIGNING_CONTEXT + self.canonical
            )
        except InvalidSignature:
            raise BadSignature(
                "签名无效：事件内容与签名不符，或签名所用密钥不是所声明的密钥。",
                "invalid signature: the event does not match its signature, or it was not "
                "signed by the key it names.",
            ) from None


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).digest()[:16].hex()


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def format_time(moment: datetime) -> str:
    """RFC 3339, UTC, always with microseconds: the only time form an envelope accepts."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of an envelope's JSON value; floats and unsafe integers refused."""
    reject_floats(value)
    return canonical_json(value)


# msgspec's sorted encoding is RFC 8785 for strings, safe integers, booleans, null, lists and
# objects, unless a key holds a character beyond the BMP (JCS orders keys by UTF-16 code
# units, msgspec by code points) or a string holds an escaped lone surrogate. Such a character
# is led by a byte 0xF0–0xF4; looking for each (memchr) is faster than a regular expression.


def _plain(encoded: bytes) -> bool:
    """Whether msgspec's sorted ``encoded`` bytes are certainly RFC 8785 already."""
    return not (
        b"\\ud" in encoded
        or b"\xf0" in encoded
        or b"\xf1" in encoded
        or b"\xf2" in encoded
        or b"\xf3" in encoded
        or b"\xf4" in encoded
    )


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value without floats (the caller has ruled them out): msgspec
    where its bytes are the same, rfc8785 where they might not be."""
    fast = msgspec.json.encode(value, order="sorted")
    return fast if _plain(fast) else bytes(rfc8785.dumps(value))


_SORTED = msgspec.json.Encoder(order="sorted")


def canonical_lines(values: Sequence[Any]) -> bytes:
    """``canonical_json`` of each value, each followed by a newline; checked all at once."""
    fast = _SORTED.encode_lines(values)
    return fast if _plain(fast) else b"".join(canonical_json(v) + b"\n" for v in values)


def reject_floats(value: Any, path: str = "$") -> None:
    """Refuse non-integral and unsafe numbers: they have no single canonical form."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, float):
        raise FloatNotAllowed(
            f"{path} 是小数；信封中不允许小数（分数用整数，金额用十进制字符串）。",
            f"{path} is a fractional number; envelopes carry no floats (scores as integers, "
            "amounts as decimal strings).",
        )
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise FloatNotAllowed(
                f"{path} 超出 ±(2^53-1) 的整数范围。",
                f"{path} is outside the integer range ±(2^53-1).",
            )
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise MalformedEnvelope(
                    f"{path} 的键必须是字符串。", f"keys of {path} must be strings."
                )
            reject_floats(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            reject_floats(item, f"{path}[{index}]")
        return
    raise MalformedEnvelope(
        f"{path} 不是 JSON 值。", f"{path} is not a JSON value ({type(value).__name__})."
    )


def sign(envelope: Envelope, private_key: Ed25519PrivateKey) -> SignedEvent:
    check_envelope_shape(msgspec.to_builtins(envelope))
    canonical = envelope.canonical()
    return SignedEvent(envelope, canonical, private_key.sign(SIGNING_CONTEXT + canonical))


def b64encode(data: bytes) -> bytes:
    return base64.b64encode(data)


def b64decode(text: str, *, what: str) -> bytes:
    """Strict standard base64: one encoding per value, so records cannot be varied."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = None
    if data is None or base64.b64encode(data).decode() != text:
        raise MalformedEnvelope(f"{what} 不是规范的 base64。", f"{what} is not canonical base64.")
    return data


def check_envelope_shape(raw: Any) -> Envelope:
    """Validate a decoded envelope object field by field, with a message per fault."""
    if not isinstance(raw, dict):
        raise MalformedEnvelope("信封必须是 JSON 对象。", "the envelope must be a JSON object.")
    if set(raw) != set(ENVELOPE_FIELDS):
        missing = sorted(set(ENVELOPE_FIELDS) - set(raw))
        extra = sorted(set(raw) - set(ENVELOPE_FIELDS))
        raise MalformedEnvelope(
            f"信封字段不符：缺少 {missing}，多余 {extra}。",
            f"envelope fields are wrong: missing {missing}, unexpected {extra}.",
        )
    reject_floats(raw)
    stream, version, type_, time, payload, signer = (
        raw["stream"],
        raw["version"],
        raw["type"],
        raw["time"],
        raw["payload"],
        raw["signer"],
    )
    if not isinstance(stream, str) or not _is_canonical_uuid(stream):
        raise MalformedEnvelope(
            "stream 必须是小写的标准 UUID 字符串。",
            "stream must be a lowercase canonical UUID string.",
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise MalformedEnvelope(
            "version 必须是从 1 开始的整数。", "version must be an integer from 1."
        )
    if not isinstance(type_, str) or not _TYPE.fullmatch(type_):
        raise MalformedEnvelope(
            "type 必须是已登记的事件名称。", "type must be a registered event name."
        )
    if not isinstance(time, str) or not is_timestamp(time):
        raise MalformedEnvelope(
            "time 必须是带微秒的 UTC 时间，例如 2026-01-02T03:04:05.000006Z。",
            "time must be RFC 3339 UTC with microseconds, e.g. 2026-01-02T03:04:05.000006Z.",
        )
    if not isinstance(payload, dict):
        raise MalformedEnvelope("payload 必须是 JSON 对象。", "payload must be a JSON object.")
    if not isinstance(signer, str) or not _KEY_ID.fullmatch(signer):
        raise MalformedEnvelope(
            "signer 必须是 32 位小写十六进制密钥标识。",
            "signer must be a 32-digit lowercase hex key id.",
        )
    return Envelope(
        stream=stream, version=version, type=type_, time=time, payload=payload, signer=signer
    )


def from_wire(raw: Any) -> SignedEvent:
    """A signed event as submitted: ``{"envelope": {...}, "signature": "<base64>"}``."""
    if not isinstance(raw, dict) or set(raw) != {"envelope", "signature"}:
        raise MalformedEnvelope(
            "签名事件必须是只含 envelope 和 signature 的 JSON 对象。",
            "a signed event is a JSON object with exactly 'envelope' and 'signature'.",
        )
    envelope = check_envelope_shape(raw["envelope"])
    if not isinstance(raw["signature"], str):
        raise MalformedEnvelope("signature 必须是字符串。", "signature must be a string.")
    signature = b64decode(raw["signature"], what="signature")
    if len(signature) != 64:
        raise MalformedEnvelope("Ed25519 签名必须为 64 字节。", "an Ed25519 signature is 64 bytes.")
    return SignedEvent(envelope, envelope.canonical(), signature)


def decode_wire(data: bytes) -> SignedEvent:
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise MalformedEnvelope("不是有效的 JSON。", f"not valid JSON: {exc}") from None
    return from_wire(raw)


def from_record(record: bytes) -> SignedEvent:
    """Read a stored record back, slicing out the exact bytes that were signed."""
    if not (record.startswith(_RECORD_HEAD) and record.endswith(_RECORD_TAIL)):
        raise MalformedEnvelope(
            "存储记录格式不符。", "the stored record is not of the documented form."
        )
    mid = record.rfind(_RECORD_MID)
    if mid < 0:
        raise MalformedEnvelope("存储记录缺少签名。", "the stored record has no signature.")
    canonical = record[len(_RECORD_HEAD) : mid]
    signed = from_wire(
        {
            "envelope": _decode_json(canonical),
            "signature": record[mid + len(_RECORD_MID) : -len(_RECORD_TAIL)].decode(
                "ascii", "replace"
            ),
        }
    )
    if signed.canonical != canonical:
        raise MalformedEnvelope(
            "存储的信封不是规范字节（RFC 8785）。",
            "the stored envelope is not in canonical (RFC 8785) form.",
        )
    return signed


def _decode_json(data: bytes) -> Any:
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise MalformedEnvelope(
            "存储记录不是有效的 JSON。", f"the stored record is not JSON: {exc}"
        ) from None


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def is_timestamp(text: str) -> bool:
    return bool(_TIME.fullmatch(text)) and _valid_time(text)


def _valid_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True
