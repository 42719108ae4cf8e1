"""Bitstring Status List v1.0: bit order, encoding, random indexes, the signed list."""

from __future__ import annotations

import base64
import gzip
import random
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from craftreg.credentials.didkey import did_key, public_key_of
from craftreg.credentials.errors import InvalidProof, StatusListError, StatusListFull
from craftreg.credentials.integrity import add_proof
from craftreg.credentials.statuslist import (
    MIN_ENTRIES,
    StatusList,
    assign_index,
    entry_index,
    signed_status_list,
    status_entry,
    verified_status_list,
)

URL = "https://registry.example/v1/status-lists/7"
REGISTRY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
ISSUERS = (did_key(public_key_of(REGISTRY)),)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


def test_a_new_list_has_131072_clear_entries() -> None:
    bits = StatusList()
    assert bits.size == MIN_ENTRIES == 131_072
    assert not bits.get(0) and not bits.get(MIN_ENTRIES - 1)
    assert bits.revoked() == []


def test_index_zero_is_the_leftmost_bit_of_the_first_byte() -> None:
    bits = StatusList()
    bits.set(0)
    bits.set(9)
    bits.set(MIN_ENTRIES - 1)
    raw = gzip.decompress(base64.urlsafe_b64decode(bits.encode()[1:] + "=="))
    assert raw[0] == 0b1000_0000 and raw[1] == 0b0100_0000 and raw[-1] == 0b0000_0001
    assert len(raw) == MIN_ENTRIES // 8


@given(st.sets(st.integers(0, MIN_ENTRIES - 1), max_size=40))
def test_set_bits_survive_encoding(revoked: set[int]) -> None:
    bits = StatusList()
    for index in revoked:
        bits.set(index)
    again = StatusList.decode(bits.encode())
    assert again.revoked() == sorted(revoked)
    assert bits.encode() == again.encode()  # mtime 0: the same bits, the same text


def test_a_bit_can_be_cleared_and_indexes_outside_are_refused() -> None:
    bits = StatusList()
    bits.set(5)
    bits.set(5, revoked=False)
    assert not bits.get(5)
    for index in (-1, MIN_ENTRIES):
        with pytest.raises(StatusListError):
            bits.get(index)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("no multibase prefix", encoded(bytes(MIN_ENTRIES // 8))[1:]),
        ("padded base64url", encoded(bytes(MIN_ENTRIES // 8)) + "=="),
        ("standard base64 alphabet", "u+/+/"),
        ("not gzip", "u" + base64.urlsafe_b64encode(b"plain bytes").rstrip(b"=").decode()),
        ("fewer than 131072 entries", encoded(bytes(MIN_ENTRIES // 8 - 1))),
        ("truncated gzip", encoded(bytes(MIN_ENTRIES // 8))[:-8]),
        ("a decompression bomb", encoded(bytes(17 * 1024 * 1024))),
        ("not a string", 12),
    ],
)
def test_a_bad_encoded_list_is_refused(label: str, value: Any) -> None:
    with pytest.raises(StatusListError) as raised:
        StatusList.decode(value)
    assert raised.value.zh and raised.value.en


def test_a_list_longer_than_the_minimum_is_read() -> None:
    assert StatusList.decode(encoded(bytes(MIN_ENTRIES // 4))).size == 2 * MIN_ENTRIES


def test_indexes_are_random_and_never_collide() -> None:
    rng = random.Random(7)
    used: set[int] = set()
    for _ in range(2000):
        index = assign_index(used, rng)
        assert index not in used and 0 <= index < MIN_ENTRIES
        used.add(index)
    ordered = sorted(used)
    # 2000 random draws spread over the whole list, not a run from zero.
    assert ordered[-1] - ordered[0] > MIN_ENTRIES // 2
    assert ordered != list(range(ordered[0], ordered[0] + 2000))


def test_a_seeded_source_gives_the_same_indexes_and_the_system_source_works() -> None:
    assert assign_index(set(), random.Random(1)) == assign_index(set(), random.Random(1))
    assert 0 <= assign_index(set(), secrets.SystemRandom()) < MIN_ENTRIES


def test_a_crowded_list_still_finds_the_free_index_and_a_full_one_says_so() -> None:
    size = MIN_ENTRIES
    used = set(range(size)) - {4242}
    assert assign_index(used, random.Random(3), size) == 4242
    with pytest.raises(StatusListFull):
        assign_index(set(range(size)), random.Random(3), size)


def test_the_status_entry_has_the_spec_shape() -> None:
    entry = status_entry(URL, 94567)
    assert entry == {
        "id": f"{URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": URL,
    }
    assert entry_index(entry) == (URL, 94567)


@pytest.mark.parametrize(
    ("label", "change"),
    [
        ("wrong type", {"type": "StatusList2021Entry"}),
        ("suspension purpose", {"statusPurpose": "suspension"}),
        ("index as a number", {"statusListIndex": 94567}),
        ("index with a sign", {"statusListIndex": "-1"}),
        ("index with a leading zero", {"statusListIndex": "094567"}),
        ("list not a URL", {"statusListCredential": "status-list-7"}),
        ("id is the list itself", {"id": URL}),
    ],
)
def test_a_malformed_status_entry_is_refused(label: str, change: dict[str, Any]) -> None:
    with pytest.raises(StatusListError):
        entry_index({**status_entry(URL, 94567), **change})


def signed(bits: StatusList | None = None, **changes: Any) -> dict[str, Any]:
    credential = signed_status_list(URL, bits or StatusList(), REGISTRY, "2029-05-10T02:00:00Z")
    if changes:  # re-sign what was changed, so only the change is under test
        unsigned = {k: v for k, v in credential.items() if k != "proof"}
        unsigned.update(changes)
        return add_proof(
            unsigned,
            REGISTRY,
            verification_method=credential["proof"]["verificationMethod"],
            created="2029-05-10T02:00:00Z",
        )
    return credential


def test_the_signed_list_verifies_and_shows_the_revoked_bit() -> None:
    bits = StatusList()
    bits.set(94567)
    credential = signed(bits)
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == ISSUERS[0]
    read = verified_status_list(credential, URL, ISSUERS, NOW)
    assert read.get(94567) and not read.get(94568)


def test_a_changed_encoded_list_breaks_the_signature() -> None:
    credential = signed()
    flipped = StatusList()
    flipped.set(1)
    credential["credentialSubject"]["encodedList"] = flipped.encode()
    with pytest.raises(InvalidProof):
        verified_status_list(credential, URL, ISSUERS, NOW)


def test_a_list_signed_by_another_key_is_not_trusted() -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(b"\x12" * 32)
    credential = signed_status_list(URL, StatusList(), stranger, "2029-05-10T02:00:00Z")
    with pytest.raises(StatusListError):
        verified_status_list(credential, URL, ISSUERS, NOW)


@pytest.mark.parametrize(
    ("label", "changes"),
    [
        ("another list", {"id": URL + "0"}),
        (
            "suspension list",
            {
                "credentialSubject": {
                    "type": "BitstringStatusList",
                    "statusPurpose": "suspension",
                    "encodedList": StatusList().encode(),
                }
            },
        ),
        ("not yet valid", {"validFrom": "2031-01-01T00:00:00Z"}),
        ("expired", {"validUntil": "2029-12-31T00:00:00Z"}),
        ("not a status list credential", {"type": ["VerifiableCredential"]}),
    ],
)
def test_a_list_that_is_not_the_current_revocation_list_is_refused(
    label: str, changes: dict[str, Any]
) -> None:
    with pytest.raises(StatusListError):
        verified_status_list(signed(**changes), URL, ISSUERS, NOW)
