"""did:key and Multikey for Ed25519: one encoding per key, resolved offline."""

from __future__ import annotations

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from craftreg.credentials.didkey import (
    decode_base58btc,
    did_key,
    encode_base58btc,
    private_key_from_multikey,
    public_key_from_multikey,
    public_key_of,
    public_multikey,
    resolve_did,
    resolve_verification_method,
    secret_multikey,
    verification_method,
)
from craftreg.credentials.errors import MalformedKey

# The key pair of the vc-di-eddsa vectors (tests/vectors/public/vc-di-eddsa/keyPair.json).
PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


@given(seed=st.binary(min_size=32, max_size=32))
def test_every_ed25519_key_round_trips_as_z6mk(seed: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = public_key_of(key)
    multikey = public_multikey(public)
    assert multikey.startswith("z6Mk")
    assert public_key_from_multikey(multikey) == public
    assert secret_multikey(key).startswith("z3u2")
    assert public_key_of(private_key_from_multikey(secret_multikey(key))) == public


def test_the_vector_key_pair_round_trips() -> None:
    key = private_key_from_multikey(SECRET)
    assert public_multikey(public_key_of(key)) == PUBLIC
    assert secret_multikey(key) == SECRET


def test_a_verification_method_resolves_offline() -> None:
    method = f"did:key:{PUBLIC}#{PUBLIC}"
    resolved = resolve_verification_method(method)
    assert resolved.controller == f"did:key:{PUBLIC}"
    assert resolved.id == method
    assert public_multikey(resolved.public_key) == PUBLIC
    assert verification_method(resolved.public_key) == method
    assert did_key(resolved.public_key) == resolved.controller
    assert resolve_did(resolved.controller) == resolved.public_key


SECP256K1_PUB = encode_base58btc(b"\xe7\x01" + b"\x02" * 33)

BAD_METHODS = [
    ("no fragment", f"did:key:{PUBLIC}"),
    (
        "fragment of another key",
        f"did:key:{PUBLIC}#z6Mkf5rGMoatrSj1f4CyvuHBeXJELe9RPdzo2PKGNCKVtZxP",
    ),
    ("other DID method", f"did:web:example.com#{PUBLIC}"),
    ("not base58btc", f"did:key:u{PUBLIC[1:]}#u{PUBLIC[1:]}"),
    ("character outside the alphabet", "did:key:z6Mk0OIl#z6Mk0OIl"),
    ("a secp256k1 key", f"did:key:{SECP256K1_PUB}#{SECP256K1_PUB}"),
    ("a secret key", f"did:key:{SECRET}#{SECRET}"),
    ("key one byte short", "did:key:{0}#{0}".format(encode_base58btc(b"\xed\x01" + b"\x05" * 31))),
    ("not a string", 17),
]


@pytest.mark.parametrize(("label", "method"), BAD_METHODS, ids=[b[0] for b in BAD_METHODS])
def test_a_bad_verification_method_is_refused_with_a_message(label: str, method: object) -> None:
    with pytest.raises(MalformedKey) as raised:
        resolve_verification_method(method)
    assert raised.value.zh and raised.value.en


def test_a_public_multikey_is_not_accepted_as_a_secret_key() -> None:
    with pytest.raises(MalformedKey):
        private_key_from_multikey(PUBLIC)


def test_base58btc_keeps_leading_zero_bytes() -> None:
    data = b"\x00\x00\x01\x02"
    assert encode_base58btc(data) == "z" + base58.b58encode(data).decode()
    assert encode_base58btc(data).startswith("z11")
    assert decode_base58btc(encode_base58btc(data), "x") == data
    with pytest.raises(MalformedKey):
        decode_base58btc("z", "x")
