"""eddsa-jcs-2022 against the W3C vc-di-eddsa v1.0 published vectors, byte for byte, and the
ways a tampered document must fail."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from craftreg.credentials.didkey import (
    ResolvedKey,
    decode_base58btc,
    encode_base58btc,
    private_key_from_multikey,
    public_key_of,
    public_multikey,
    verification_method,
)
from craftreg.credentials.errors import (
    CredentialError,
    InvalidProof,
    MalformedCredential,
    MalformedKey,
    MalformedProofValue,
    ProofContextMismatch,
    UnsupportedProof,
    WrongProofPurpose,
)
from craftreg.credentials.integrity import (
    add_proof,
    canonicalize,
    configure,
    hash_data,
    transform,
    verify_proof,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "public" / "vc-di-eddsa"
JCS = VECTORS / "eddsa-jcs-2022"


def text(name: str) -> str:
    return (JCS / name).read_text(encoding="utf-8")


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


KEY_PAIR = load(VECTORS / "keyPair.json")
UNSIGNED = load(VECTORS / "unsigned.json")
PROOF_CONFIG = load(JCS / "proofConfigJCS.json")
SIGNED = load(JCS / "signedJCS.json")
SECRET = private_key_from_multikey(KEY_PAIR["privateKeyMultibase"])


def sign_vector() -> dict[str, Any]:
    return add_proof(
        UNSIGNED,
        SECRET,
        verification_method=PROOF_CONFIG["verificationMethod"],
        created=PROOF_CONFIG["created"],
    )


# -- the published vectors ----------------------------------------------------------------


def test_the_key_pair_decodes_to_matching_ed25519_keys() -> None:
    assert public_multikey(public_key_of(SECRET)) == KEY_PAIR["publicKeyMultibase"]
    assert PROOF_CONFIG["verificationMethod"] == verification_method(public_key_of(SECRET))


def test_canonical_document_and_proof_configuration_are_byte_for_byte() -> None:
    assert transform(UNSIGNED, PROOF_CONFIG) == text("canonDocJCS.txt").encode()
    assert configure(UNSIGNED, PROOF_CONFIG) == text("proofCanonJCS.txt").encode()


def test_hashes_are_byte_for_byte() -> None:
    document = transform(UNSIGNED, PROOF_CONFIG)
    config = configure(UNSIGNED, PROOF_CONFIG)
    assert hashlib.sha256(document).hexdigest() == text("docHashJCS.txt").strip()
    assert hashlib.sha256(config).hexdigest() == text("proofHashJCS.txt").strip()
    assert hash_data(document, config).hex() == text("combinedHashJCS.txt").strip()


def test_signature_is_byte_for_byte() -> None:
    proof_value = sign_vector()["proof"]["proofValue"]
    assert proof_value == text("sigBTC58JCS.txt").strip()
    assert decode_base58btc(proof_value, "proofValue").hex() == text("sigHexJCS.txt").strip()


def test_signed_credential_equals_the_published_one_member_for_member_and_in_order() -> None:
    signed = sign_vector()
    assert signed == SIGNED
    assert json.dumps(signed, indent=2) == json.dumps(SIGNED, indent=2)
    assert "proof" not in UNSIGNED  # the input is left as it was


def test_the_published_signed_credential_verifies() -> None:
    verified = verify_proof(SIGNED)
    assert verified.key.public_key == public_key_of(SECRET)
    assert verified.key.controller == "did:key:" + KEY_PAIR["publicKeyMultibase"]
    assert verified.created == "2023-02-24T23:36:38Z"


# -- tampered variants ----------------------------------------------------------------------


def tampered(change: Any) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(SIGNED)
    change(document)
    return document


def other_key_method() -> str:
    return verification_method(public_key_of(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)))


CASES: list[tuple[str, Any, type[CredentialError]]] = [
    ("document member changed", lambda d: d.update(name="Alumni Credentia1"), InvalidProof),
    (
        "subject changed",
        lambda d: d["credentialSubject"].update(alumniOf="The School of Forgery"),
        InvalidProof,
    ),
    ("member added", lambda d: d.update(validUntil="2099-01-01T00:00:00Z"), InvalidProof),
    ("member removed", lambda d: d.pop("description"), InvalidProof),
    (
        "proof created changed",
        lambda d: d["proof"].update(created="2023-02-24T23:36:39Z"),
        InvalidProof,
    ),
    ("proof option added", lambda d: d["proof"].update(nonce="1234"), InvalidProof),
    (
        "verification method swapped for another key",
        lambda d: d["proof"].update(verificationMethod=other_key_method()),
        InvalidProof,
    ),
    (
        "proof purpose changed",
        lambda d: d["proof"].update(proofPurpose="authentication"),
        WrongProofPurpose,
    ),
    (
        "cryptosuite changed",
        lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"),
        UnsupportedProof,
    ),
    (
        "proof type changed",
        lambda d: d["proof"].update(type="Ed25519Signature2020"),
        UnsupportedProof,
    ),
    (
        "proofValue not multibase base58btc",
        lambda d: d["proof"].update(proofValue="u" + d["proof"]["proofValue"][1:]),
        MalformedProofValue,
    ),
    (
        "proofValue outside the alphabet",
        lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-1] + "0"),
        MalformedProofValue,
    ),
    (
        "proofValue one byte short",
        lambda d: d["proof"].update(proofValue=encode_base58btc(b"\x07" * 63)),
        MalformedProofValue,
    ),
    ("proofValue not a string", lambda d: d["proof"].update(proofValue=42), MalformedProofValue),
    (
        "proof @context not the document's",
        lambda d: (
            d["proof"].update(**{"@context": ["https://www.w3.org/ns/credentials/v2"]})
            or d.update(**{"@context": ["https://example.org/other"]})
        ),
        ProofContextMismatch,
    ),
    ("proof removed", lambda d: d.pop("proof"), MalformedCredential),
    ("proof set", lambda d: d.update(proof=[d["proof"]]), UnsupportedProof),
    (
        "created not a date-time",
        lambda d: d["proof"].update(created="24 February 2023"),
        MalformedCredential,
    ),
    (
        "verification method not a did:key",
        lambda d: d["proof"].update(verificationMethod="https://vc.example/issuers/5678#key-1"),
        MalformedKey,
    ),
    (
        "verification method fragment names another key",
        lambda d: d["proof"].update(
            verificationMethod=d["proof"]["verificationMethod"].split("#")[0]
            + "#"
            + other_key_method().split("#")[1]
        ),
        MalformedKey,
    ),
]


@pytest.mark.parametrize(("label", "change", "error"), CASES, ids=[c[0] for c in CASES])
def test_a_tampered_document_fails_with_a_specific_error(
    label: str, change: Any, error: type[CredentialError]
) -> None:
    with pytest.raises(error) as raised:
        verify_proof(tampered(change))
    assert type(raised.value) is error
    assert raised.value.zh and raised.value.en and raised.value.code == error.code


def test_a_document_context_that_extends_the_proofs_verifies_as_the_spec_says() -> None:
    # §3.3.2 step 4: the document need only begin with the proof's @context, which replaces
    # it before hashing. A certificate's shape check pins its @context exactly (test_verify).
    extended = tampered(lambda d: d["@context"].append({"@vocab": "urn:example:"}))
    verify_proof(extended)


def test_the_right_signature_under_the_wrong_key_fails() -> None:
    def wrong(_method: object) -> ResolvedKey:
        other = public_key_of(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
        return ResolvedKey(id="x", controller="did:key:x", public_key=other)

    with pytest.raises(InvalidProof):
        verify_proof(SIGNED, resolve=wrong)


def test_signing_a_document_that_already_has_a_proof_is_refused() -> None:
    with pytest.raises(MalformedCredential):
        add_proof(SIGNED, SECRET, verification_method="x", created="2023-02-24T23:36:38Z")


def test_values_without_a_canonical_form_are_refused() -> None:
    with pytest.raises(MalformedCredential):
        canonicalize({"n": 2**60})
    with pytest.raises(MalformedCredential):
        canonicalize({"n": float("nan")})
    assert canonicalize({"b": 1.5, "a": 1e21}) == b'{"a":1e+21,"b":1.5}'


# -- any document: a signature holds, and any change breaks it -------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    document=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "proof"), JSON, max_size=5),
    key=st.text(min_size=1, max_size=6).filter(lambda k: k != "proof"),
    value=JSON,
)
def test_any_document_signs_and_any_change_to_a_member_breaks_it(
    document: dict[str, Any], key: str, value: Any
) -> None:
    signed = add_proof(
        document,
        SECRET,
        verification_method=PROOF_CONFIG["verificationMethod"],
        created="2024-01-01T00:00:00Z",
    )
    verify_proof(signed)
    changed = {**signed, key: value}
    if key in signed and canonicalize(signed[key]) == canonicalize(value):
        verify_proof(changed)
    else:
        with pytest.raises(InvalidProof):
            verify_proof(changed)
