"""Tests of craftreg.ledger.note against the Go sumdb/note vector and the C2SP rules."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from craftreg.ledger import note as note_module
from craftreg.ledger.note import (
    MAX_SIGNATURES,
    Note,
    NoteError,
    Signature,
    generate_key,
    open_note,
    sign_note,
    signer_from_seed,
    verifier_from_public,
    verify_note,
)

VECTOR = json.loads(
    (Path(__file__).parent.parent / "vectors/public/signed-note/sumdb-note.json").read_text()
)
SIGNED: str = VECTOR["signed_note"]
TEXT: str = VECTOR["text"]
VERIFIER: str = VECTOR["verifier_key"]
SIGNER: str = VECTOR["signer_key"]


def _seed_of(signer_key: str) -> bytes:
    return base64.b64decode(signer_key.split("+", 4)[4])[1:]


def test_sign_reproduces_vector_byte_for_byte() -> None:
    assert sign_note(TEXT, SIGNER) == SIGNED


def test_verify_vector() -> None:
    note = verify_note(SIGNED, [VERIFIER])
    assert note.text == TEXT
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    assert note.verified[0].key_hash == int(VERIFIER.split("+")[1], 16)
    assert note.unverified == ()


def test_key_strings_are_derived_from_raw_keys() -> None:
    seed = _seed_of(SIGNER)
    public_key = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert signer_from_seed("PeterNeumann", seed) == SIGNER
    assert verifier_from_public("PeterNeumann", public_key) == VERIFIER


@pytest.mark.parametrize("bad_key", VECTOR["bad_verifier_keys"])
def test_vector_bad_verifier_keys_are_refused(bad_key: str) -> None:
    with pytest.raises(NoteError, match="verifier key"):
        verify_note(SIGNED, [bad_key])


def _other_key_named(name: str) -> str:
    return generate_key(name)[1]


@pytest.mark.parametrize(
    ("verifier_key", "message"),
    [
        ("PeterNeumann+c74f20a3", "not of the form"),
        ("+c74f20a3+" + VERIFIER.split("+", 2)[2], "must not be empty"),
        ("Peter Neumann+c74f20a3+" + VERIFIER.split("+", 2)[2], "must not contain"),
        ("Peter\u2003Neumann+c74f20a3+" + VERIFIER.split("+", 2)[2], "must not contain"),
        ("PeterNeumann+c74f20a+" + VERIFIER.split("+", 2)[2], "8 hex digits"),
        ("PeterNeumann+c74f20a4+" + VERIFIER.split("+", 2)[2], "does not belong"),
        ("PeterNeumann+c74f20a3+AQ==", "key bytes"),
        ("PeterNeumann+c74f20a3+not!base64", "not valid base64"),
    ],
)
def test_malformed_verifier_keys_are_refused(verifier_key: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        verify_note(SIGNED, [verifier_key])


def test_verifier_key_of_other_algorithm_is_refused() -> None:
    public_key = base64.b64decode(VERIFIER.split("+", 2)[2])[1:]
    ecdsa_like = base64.b64encode(b"\x02" + public_key).decode()
    with pytest.raises(NoteError, match="only 0x01"):
        verify_note(SIGNED, [f"PeterNeumann+c74f20a3+{ecdsa_like}"])


@pytest.mark.parametrize(
    ("signer_key", "message"),
    [
        (SIGNER.replace("PRIVATE+KEY", "PRIVATE+KEYS"), "not of the form"),
        (SIGNER.replace("c74f20a3", "c74f20a4"), "does not belong"),
        (SIGNER.replace("PeterNeumann", "PeterNeumann2"), "does not belong"),
        (SIGNER[:-1], "not valid base64"),
    ],
)
def test_malformed_signer_keys_are_refused_without_leaking(signer_key: str, message: str) -> None:
    with pytest.raises(NoteError, match=message) as failure:
        sign_note(TEXT, signer_key)
    assert signer_key.split("+", 4)[4] not in str(failure.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("no newline", "end with a newline"), ("tab\there\n", "U\\+0009")],
)
def test_unsignable_texts_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        sign_note(text, SIGNER)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (SIGNED.replace("cryptography", "cryptografy"), "does not verify"),
        (SIGNED.replace("S9UG", "S9UH"), "does not verify"),
        (SIGNED.replace("\n\n", "\n"), "no blank line"),
        (SIGNED[:-1], "does not end with a newline"),
        (TEXT + "\n", "no signature lines"),
        (SIGNED + SIGNED.split("\n\n")[1], "repeats a signature"),
        (SIGNED.replace("\u2014", "-"), "em dash"),
        (SIGNED.replace("PeterNeumann ", "PeterNeumann"), "no space"),
        (SIGNED.replace("KE6RyyBwJnAM=", "KE6RyyBwJnAN="), "canonical base64"),
        (SIGNED.replace("\n\n", "\n\r\n"), "control character"),
        (TEXT + "\n\u2014 PeterNeumann AAAAAA==\n", "too short"),
        (TEXT + "\n\u2014 Peter+Neumann AAAAAAA=\n", "must not contain"),
    ],
)
def test_malformed_or_tampered_notes_are_refused(note: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        verify_note(note, [VERIFIER])


def test_wrong_key_with_same_name_is_ignored_and_note_refused() -> None:
    with pytest.raises(NoteError, match="no known signature"):
        verify_note(SIGNED, [_other_key_named("PeterNeumann")])


def test_forged_key_id_collision_is_a_bad_signature() -> None:
    # A signature claiming the trusted key's name and ID but made with another
    # key must be rejected, not skipped (§Signatures).
    other_signer, _ = generate_key("PeterNeumann")
    forged_body = sign_note(TEXT, other_signer).split("\n\n")[1]
    raw = base64.b64decode(forged_body.split(" ")[2])
    trusted_id = bytes.fromhex(VERIFIER.split("+")[1])
    forged = TEXT + "\n\u2014 PeterNeumann " + base64.b64encode(trusted_id + raw[4:]).decode()
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(forged + "\n", [VERIFIER])


def test_round_trip_with_generated_keys_and_cosignature() -> None:
    log_signer, log_verifier = generate_key("log.example/ledger")
    witness_signer, witness_verifier = generate_key("witness.example/w1")
    text = "log.example/ledger\n3\nq6H+Gy8Fq0JEGL2bg3c5Jn8Wz4Y5g8RPmkQD0a3wKlA=\n"
    signed = sign_note(text, log_signer)
    cosigned = signed + sign_note(text, witness_signer).split("\n\n")[1]

    note = verify_note(cosigned, [log_verifier])
    assert note.text == text
    assert [s.name for s in note.verified] == ["log.example/ledger"]
    assert [s.name for s in note.unverified] == ["witness.example/w1"]

    both = verify_note(cosigned, [witness_verifier, log_verifier])
    assert {s.name for s in both.verified} == {"log.example/ledger", "witness.example/w1"}
    assert both.unverified == ()

    parsed_text, signatures = open_note(cosigned)
    assert parsed_text == text
    assert signatures == [*note.verified, *note.unverified]


def test_text_may_contain_blank_lines() -> None:
    signer, verifier = generate_key("example.com/k")
    text = "first\n\nsecond\n\n"
    assert verify_note(sign_note(text, signer), [verifier]).text == text


def test_signature_count_limit() -> None:
    line = SIGNED.split("\n\n")[1]
    unknown = [
        sign_note(TEXT, generate_key(f"k{i}")[0]).split("\n\n")[1] for i in range(MAX_SIGNATURES)
    ]
    assert len(open_note(SIGNED + "".join(unknown[:-1]))[1]) == MAX_SIGNATURES
    with pytest.raises(NoteError, match="more than the 100"):
        open_note(TEXT + "\n" + line + "".join(unknown))


def test_same_name_and_id_for_two_keys_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real collision of name and 32-bit key ID costs ~2^32 hashes, so fake one.
    monkeypatch.setattr(note_module, "_key_hash", lambda name, public_key: 7)
    first, second = (
        verifier_from_public("k", Ed25519PrivateKey.generate().public_key().public_bytes_raw())
        for _ in range(2)
    )
    assert first.split("+")[:2] == second.split("+")[:2] == ["k", "00000007"]
    with pytest.raises(NoteError, match="could not be told apart"):
        verify_note(SIGNED, [first, second])


def test_repeated_verifier_key_is_harmless() -> None:
    assert len(verify_note(SIGNED, [VERIFIER, VERIFIER]).verified) == 1


def test_verifier_keys_must_be_a_sequence_of_strings() -> None:
    with pytest.raises(TypeError, match="sequence of key strings"):
        verify_note(SIGNED, VERIFIER)


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\u00a0b", "a\x01b", "a\ud800b"])
def test_invalid_names_cannot_make_keys(name: str) -> None:
    with pytest.raises(NoteError):
        generate_key(name)


def test_raw_key_lengths_are_checked() -> None:
    with pytest.raises(NoteError, match="seed is 32 bytes"):
        signer_from_seed("a", b"\x00" * 31)
    with pytest.raises(NoteError, match="public key is 32 bytes"):
        verifier_from_public("a", b"\x00" * 33)


def test_results_are_immutable_values() -> None:
    note = verify_note(SIGNED, [VERIFIER])
    assert isinstance(note, Note)
    assert isinstance(note.verified[0], Signature)
    assert note == verify_note(SIGNED, [VERIFIER])
    with pytest.raises(AttributeError):
        note.text = "changed"  # type: ignore[misc]


SIGNED_BYTES = SIGNED.encode()


@settings(max_examples=1500, deadline=None)
@given(st.integers(0, len(SIGNED_BYTES) - 1), st.integers(0, 255))
def test_any_single_byte_change_is_caught(position: int, value: int) -> None:
    changed = bytearray(SIGNED_BYTES)
    changed[position] = value
    # Invalid UTF-8 becomes unpaired surrogates, which the parser must refuse.
    note = changed.decode("utf-8", errors="surrogateescape")
    original = verify_note(SIGNED, [VERIFIER])
    try:
        result = verify_note(note, [VERIFIER])
    except NoteError:
        return
    assert result.text == original.text
    assert result.verified == original.verified
