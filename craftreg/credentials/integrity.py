"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa v1.0 §3.3).

* transformation (§3.3.3): the document without ``proof``, canonicalised with RFC 8785 (JCS);
* proof configuration (§3.3.5): the proof options without ``proofValue``, with the document's
  ``@context`` when it has one, canonicalised the same way;
* hashing (§3.3.4): SHA-256(canonical proof configuration) || SHA-256(canonical document);
* proof serialisation (§3.3.6): Ed25519 (RFC 8032) over those 64 bytes, written as
  multibase base58btc in ``proofValue``.

Numbers: the suite signs whatever JSON the issuer wrote, and RFC 8785 gives every IEEE double
exactly one form, so fractional numbers are canonicalised here (other issuers' credentials may
carry them). The certificates craftreg writes carry none: dates and indexes are strings.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from craftreg.credentials.didkey import (
    ResolvedKey,
    decode_base58btc,
    encode_base58btc,
    resolve_verification_method,
)
from craftreg.credentials.errors import (
    InvalidProof,
    MalformedCredential,
    MalformedKey,
    MalformedProofValue,
    ProofContextMismatch,
    UnsupportedProof,
    WrongProofPurpose,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION = "assertionMethod"
SIGNATURE_SIZE = 64
_DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")

Resolver = Callable[[object], ResolvedKey]


def canonicalize(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value; values JCS cannot express are refused."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise MalformedCredential(
            "文件含有无法规范化的值（如超出范围的数字）。",
            f"the document holds a value with no canonical JSON form: {exc}",
        ) from None


def is_datetime(text: object) -> TypeGuard[str]:
    """An XML Schema ``dateTimeStamp``: a date, a time and an explicit offset."""
    if not isinstance(text, str) or not _DATETIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_suite(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedProof(
            f"证明类型须为 {PROOF_TYPE}，算法套件须为 {CRYPTOSUITE}；"
            f"此文件为 {options.get('type')!r} / {options.get('cryptosuite')!r}。",
            f"the proof must be a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}; this one is "
            f"{options.get('type')!r} / {options.get('cryptosuite')!r}.",
        )
    for field in ("created", "expires"):
        if field in options and not is_datetime(options[field]):
            raise MalformedCredential(
                f"证明的 {field} 不是带时区的日期时间。",
                f"the proof's {field} is not a date-time with a time zone.",
            )


def transform(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """§3.3.3: the canonical document (``proof`` already removed by the caller)."""
    _check_suite(options)
    return canonicalize(dict(document))


def configure(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """§3.3.5: the canonical proof configuration."""
    _check_suite(options)
    config = {key: value for key, value in options.items() if key != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return canonicalize(config)


def hash_data(transformed: bytes, proof_config: bytes) -> bytes:
    """§3.3.4: the 64 bytes that are signed."""
    return hashlib.sha256(proof_config).digest() + hashlib.sha256(transformed).digest()


def add_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
    proof_purpose: str = ASSERTION,
) -> dict[str, Any]:
    """Sign ``document`` (§3.3.1): a copy with a ``proof`` member; the input is unchanged."""
    if "proof" in document:
        raise MalformedCredential(
            "文件已带有证明；本系统每份文件只签一个证明。",
            "the document already has a proof; craftreg signs one proof per document.",
        )
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in document:
        options["@context"] = copy.deepcopy(document["@context"])
    signature = private_key.sign(
        hash_data(transform(document, options), configure(document, options))
    )
    options["proofValue"] = encode_base58btc(signature)
    return {**document, "proof": options}


@dataclass(frozen=True)
class VerifiedProof:
    """What a valid proof tells: who signed (the resolved key), when, and for what purpose."""

    key: ResolvedKey
    created: str | None
    purpose: str


def proof_of(secured: Any) -> dict[str, Any]:
    """The one proof object of a secured document, or a clear refusal."""
    if not isinstance(secured, dict):
        raise MalformedCredential("文件必须是 JSON 对象。", "the document must be a JSON object.")
    proof = secured.get("proof")
    if isinstance(proof, list):
        raise UnsupportedProof(
            "文件带有多个证明；本系统只接受一个证明。",
            "the document carries a set of proofs; craftreg accepts exactly one.",
        )
    if not isinstance(proof, dict):
        raise MalformedCredential("文件没有证明（proof）。", "the document has no proof.")
    return proof


def verify_proof(
    secured: Any,
    *,
    resolve: Resolver = resolve_verification_method,
    expected_purpose: str = ASSERTION,
) -> VerifiedProof:
    """Verify the proof of a secured document (§3.3.2), raising a specific error on failure."""
    proof = proof_of(secured)
    _check_suite(proof)
    proof_bytes = _proof_bytes(proof.get("proofValue"))
    if proof.get("proofPurpose") != expected_purpose:
        raise WrongProofPurpose(
            f"证明用途须为 {expected_purpose}。",
            f"the proof purpose must be {expected_purpose}, not {proof.get('proofPurpose')!r}.",
        )
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        _check_context(secured.get("@context"), options["@context"])
        unsecured["@context"] = options["@context"]
    key = resolve(options.get("verificationMethod"))
    data = hash_data(transform(unsecured, options), configure(unsecured, options))
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(proof_bytes, data)
    except InvalidSignature:
        raise InvalidProof(
            "签名无效：文件内容或证明参数被改动过，或并非由所声明的密钥签署。",
            "the signature is invalid: the document or its proof options were altered, or it "
            "was not signed by the key it names.",
        ) from None
    return VerifiedProof(key=key, created=options.get("created"), purpose=expected_purpose)


def _proof_bytes(value: object) -> bytes:
    try:
        raw = decode_base58btc(value, "proofValue")
    except MalformedKey as exc:
        raise MalformedProofValue(exc.zh, exc.en) from None
    if len(raw) != SIGNATURE_SIZE:
        raise MalformedProofValue(
            f"proofValue 应为 64 字节的 Ed25519 签名，此处为 {len(raw)} 字节。",
            f"proofValue must be a 64-byte Ed25519 signature, this one has {len(raw)} bytes.",
        )
    return raw


def _check_context(document_context: object, proof_context: object) -> None:
    """§3.3.2 step 4.1: the document's @context must begin with the proof's, in order."""
    doc = document_context if isinstance(document_context, list) else [document_context]
    mine = proof_context if isinstance(proof_context, list) else [proof_context]
    if document_context is None or doc[: len(mine)] != mine:
        raise ProofContextMismatch(
            "证明的 @context 与文件的 @context 开头不一致。",
            "the proof's @context is not where the document's @context begins.",
        )
