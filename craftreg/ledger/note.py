"""Signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a UTF-8 text ending in a newline, a blank line, and one or more
signature lines ``— <key name> <base64(key ID || signature)>``. This is the
format of Go's ``golang.org/x/mod/sumdb/note``, whose key strings are used too:

* signer key: ``PRIVATE+KEY+<name>+<key ID as 8 hex digits>+<base64(0x01 || seed)>``
* verifier key: ``<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>``

Section names in the docstrings refer to the C2SP signed-note specification.
Only signature type 0x01 (Ed25519) is supported. Every failure raises
:class:`NoteError` with a message meant for the person reading the log.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALGORITHM_ED25519 = 0x01
"""Signature type identifier byte of Ed25519 (§Signature types)."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in a note; §Format asks for a limit of at least 16."""

_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_KEY_ID_SIZE = 4
_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A note, signature or key string is malformed, or a signature does not verify."""


@dataclass(frozen=True)
class Signature:
    """One signature line of a note (§Signatures).

    ``raw`` is the whole decoded base64 value, the 4-byte key ID included, so
    it can be written back unchanged, e.g. when cosignatures are added.
    """

    name: str
    key_hash: int
    raw: bytes


@dataclass(frozen=True)
class Note:
    """A note whose text is vouched for by at least one trusted key."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


@dataclass(frozen=True)
class _Verifier:
    name: str
    key_hash: int
    public_key: bytes


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair for ``name``, as (signer key, verifier key) strings."""
    seed = secrets.token_bytes(_KEY_SIZE)
    public_key = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    return signer_from_seed(name, seed), verifier_from_public(name, public_key)


@functools.lru_cache(maxsize=16)  # a log signs every receipt with the same key
def signer_from_seed(name: str, seed: bytes) -> str:
    """The signer key string for an Ed25519 private key given as its 32-byte seed (RFC 8032)."""
    _check_name(name)
    if len(seed) != _KEY_SIZE:
        raise NoteError(f"an Ed25519 seed is {_KEY_SIZE} bytes, got {len(seed)}")
    public_key = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    key_id = _key_hash(name, public_key)
    return f"PRIVATE+KEY+{name}+{key_id:08x}+{_encode_key(seed)}"


def verifier_from_public(name: str, public_key: bytes) -> str:
    """The verifier key string for a raw 32-byte Ed25519 public key."""
    _check_name(name)
    if len(public_key) != _KEY_SIZE:
        raise NoteError(f"an Ed25519 public key is {_KEY_SIZE} bytes, got {len(public_key)}")
    return f"{name}+{_key_hash(name, public_key):08x}+{_encode_key(public_key)}"


def sign_note(text: str, signer_key: str) -> str:
    """Sign ``text`` and return the signed note: text, blank line, signature line (§Format).

    The text must be non-empty, end with a newline and contain no ASCII
    control characters other than newline. The Ed25519 signature covers the
    UTF-8 bytes of the text (§Ed25519 signatures) and is deterministic.
    """
    if not text:
        raise NoteError("the note text is empty")
    if not text.endswith("\n"):
        raise NoteError("the note text must end with a newline")
    _check_characters(text, "the note text")
    name, key_id, private_key = _parse_signer(signer_key)
    signature = private_key.sign(text.encode())
    encoded = base64.b64encode(key_id.to_bytes(_KEY_ID_SIZE, "big") + signature).decode()
    return f"{text}\n{_SIGNATURE_PREFIX}{name} {encoded}\n"


def open_note(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and signature lines without verifying anything.

    Follows §Format: the text ends at the last blank line and keeps its final
    newline; after it come 1 to :data:`MAX_SIGNATURES` well-formed signature
    lines, each ending in a newline. Two lines for the same key name and key
    ID are refused, as one key has no reason to sign a text twice.
    """
    _check_characters(note, "the signed note")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the signed note has no blank line between its text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("the signed note has no signature lines after its blank line")
    if not block.endswith("\n"):
        raise NoteError("the last signature line of the note does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(
            f"the note has {len(lines)} signature lines, more than the {MAX_SIGNATURES} accepted"
        )
    signatures: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for number, line in enumerate(lines, start=1):
        signature = _parse_signature_line(line, number)
        identity = (signature.name, signature.key_hash)
        if identity in seen:
            raise NoteError(
                f"signature line {number} repeats a signature by {signature.name} "
                f"(key ID {signature.key_hash:08x})"
            )
        seen.add(identity)
        signatures.append(signature)
    return text, signatures


def verify_note(note: str, verifier_keys: Sequence[str]) -> Note:
    """Open a signed note and verify it against trusted verifier keys (§Signatures).

    A signature whose key name and key ID both match a trusted key must verify,
    or the whole note is refused. Signatures by other keys are returned as
    unverified. At least one signature must verify.
    """
    if isinstance(verifier_keys, str):
        raise TypeError("verifier_keys must be a sequence of key strings, not one string")
    trusted: dict[tuple[str, int], _Verifier] = {}
    for key in verifier_keys:
        verifier = _parse_verifier(key)
        known = trusted.setdefault((verifier.name, verifier.key_hash), verifier)
        if known.public_key != verifier.public_key:
            raise NoteError(
                f"two different verifier keys are named {verifier.name} with key ID "
                f"{verifier.key_hash:08x}; signatures by them could not be told apart"
            )
    text, signatures = open_note(note)
    message = text.encode()
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for signature in signatures:
        signer = trusted.get((signature.name, signature.key_hash))
        if signer is None:
            unverified.append(signature)
            continue
        try:
            Ed25519PublicKey.from_public_bytes(signer.public_key).verify(
                signature.raw[_KEY_ID_SIZE:], message
            )
        except InvalidSignature:
            raise NoteError(
                f"the signature by {signature.name} (key ID {signature.key_hash:08x}) does not "
                "verify: the note text or the signature has been altered"
            ) from None
        verified.append(signature)
    if not verified:
        signers = ", ".join(f"{s.name} ({s.key_hash:08x})" for s in signatures)
        raise NoteError(
            f"no known signature on the note: it is signed by {signers}, "
            "none of which is a trusted verifier key"
        )
    return Note(text=text, verified=tuple(verified), unverified=tuple(unverified))


def _key_hash(name: str, public_key: bytes) -> int:
    """Key ID of §Ed25519 signatures: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    digest = hashlib.sha256(
        name.encode() + b"\n" + bytes([ALGORITHM_ED25519]) + public_key
    ).digest()
    return int.from_bytes(digest[:_KEY_ID_SIZE], "big")


def _encode_key(key: bytes) -> str:
    return base64.b64encode(bytes([ALGORITHM_ED25519]) + key).decode()


@functools.lru_cache(maxsize=16)
def _parse_signer(signer_key: str) -> tuple[str, int, Ed25519PrivateKey]:
    # Messages here never quote the key string: it holds the private key.
    parts = signer_key.split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("the signer key is not of the form PRIVATE+KEY+<name>+<key ID>+<key>")
    name, key_id_hex, encoded = parts[2:]
    _check_name(name)
    what = f"the signer key for {name}"
    key_id = _parse_key_id(key_id_hex, what)
    seed = _decode_key(encoded, what)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if _key_hash(name, private_key.public_key().public_bytes_raw()) != key_id:
        raise NoteError(f"{what} has key ID {key_id:08x}, which does not belong to its key")
    return name, key_id, private_key


def _parse_verifier(verifier_key: str) -> _Verifier:
    parts = verifier_key.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"verifier key {verifier_key!r} is not of the form <name>+<key ID>+<key>")
    name, key_id_hex, encoded = parts
    _check_name(name)
    what = f"verifier key {verifier_key!r}"
    key_id = _parse_key_id(key_id_hex, what)
    public_key = _decode_key(encoded, what)
    if _key_hash(name, public_key) != key_id:
        raise NoteError(f"{what} has key ID {key_id:08x}, which does not belong to its key")
    return _Verifier(name=name, key_hash=key_id, public_key=public_key)


def _parse_key_id(text: str, what: str) -> int:
    if not _KEY_ID_HEX.fullmatch(text):
        raise NoteError(f"{what} needs a key ID of 8 hex digits, got {text!r}")
    return int(text, 16)


def _decode_key(encoded: str, what: str) -> bytes:
    """The 32 key bytes of base64(0x01 || key), after checking type and length."""
    decoded = _decode_base64(encoded, what)
    if not decoded or decoded[0] != ALGORITHM_ED25519:
        found = f"0x{decoded[0]:02x}" if decoded else "nothing"
        raise NoteError(f"{what} has signature type {found}; only 0x01 (Ed25519) is supported")
    if len(decoded) != 1 + _KEY_SIZE:
        raise NoteError(
            f"{what} holds {len(decoded) - 1} key bytes, an Ed25519 key has {_KEY_SIZE}"
        )
    return decoded[1:]


def _decode_base64(encoded: str, what: str) -> bytes:
    """Standard padded base64 (RFC 4648 §4), refusing any other spelling of the same bytes.

    Accepting non-canonical padding bits would let anyone rewrite a signed note
    into a different string that still verifies.
    """
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(decoded).decode() != encoded:
        raise NoteError(f"{what} is not in canonical base64")
    return decoded


def _parse_signature_line(line: str, number: int) -> Signature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError(
            f"signature line {number} does not start with an em dash (U+2014) and a space: {line!r}"
        )
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise NoteError(f"signature line {number} has no space between key name and signature")
    _check_name(name)
    raw = _decode_base64(encoded, f"the signature on line {number}")
    if len(raw) <= _KEY_ID_SIZE:
        raise NoteError(
            f"the signature on line {number} is {len(raw)} bytes, too short to hold a key ID "
            "and a signature"
        )
    return Signature(name=name, key_hash=int.from_bytes(raw[:_KEY_ID_SIZE], "big"), raw=raw)


def _check_name(name: str) -> None:
    """Key names are non-empty, without '+' or Unicode spaces (§Format)."""
    if not name:
        raise NoteError("a key name must not be empty")
    if "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"key name {name!r} must not contain '+' or spaces")
    # Control characters and unpaired surrogates could never appear in a valid
    # note, so a key named with them could only produce unreadable notes.
    _check_characters(name, f"key name {name!r}")


def _check_characters(text: str, what: str) -> None:
    """Signed notes are valid UTF-8 without ASCII control characters except newline (§Format)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not valid UTF-8") from None
    control = _CONTROL_CHARACTER.search(text)
    if control:
        raise NoteError(
            f"{what} contains the control character U+{ord(control.group()):04X} "
            f"at position {control.start()}"
        )
