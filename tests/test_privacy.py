"""The identity vault on both backends: numbers never in clear, one key per person, erasure
makes the number unreadable while signed events still verify, refusals change nothing."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest

from craftreg.application import Registry
from craftreg.domain.errors import RegistryError, RuleViolation
from craftreg.domain.identity import SealedIdentity
from craftreg.keys import KeyFileError, Signer
from craftreg.privacy import (
    IdentityErased,
    IdentityTampered,
    IdentityVault,
    InvalidIdentityNumber,
    UnknownIdentityKey,
    load_or_create_hash_key,
    normalise_identity_number,
)
from craftreg.settings import persistence_env, sqlite_path

# The two examples printed in GB 11643-1999, and two more with their MOD 11-2 check digit.
ALICE = "11010519491231002X"
BOB = "440524188001010014"
CAROL = "330106199003071236"
LEAP_DAY = "440304200002294568"
HASH_KEY = bytes(range(32))


@pytest.fixture
def vault(database_url: str) -> Iterator[IdentityVault]:
    with IdentityVault(database_url, HASH_KEY) as v:
        yield v


def table(database_url: str) -> list[tuple[Any, ...]]:
    """Every row of identity_keys, read on a connection of the test's own."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(database_url)) as conn:
            rows = conn.execute("SELECT * FROM identity_keys ORDER BY ref").fetchall()
        return [tuple(r) for r in rows]
    env = persistence_env(database_url)
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
    ) as conn:
        query = f'SELECT * FROM "{env["POSTGRES_SCHEMA"]}".identity_keys ORDER BY ref'
        return [tuple(r) for r in conn.execute(query).fetchall()]


# -- normalisation and validation (no database) ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (ALICE, ALICE),
        (BOB, BOB),
        (CAROL, CAROL),
        (LEAP_DAY, LEAP_DAY),
        ("11010519491231002x", ALICE),
        (" 110105 19491231 002X ", ALICE),
        ("110105\u300019491231\t002x", ALICE),
        ("１１０１０５１９４９１２３１００２Ｘ", ALICE),
    ],
)
def test_valid_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_identity_number(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("110105194912310021", "check character"),  # ALICE with the wrong check digit
        ("440524188001010015", "check character"),
        ("330106199003071237", "check character"),
        ("11010519491232002X", "date of birth"),  # 32 December
        ("110105199002300020", "date of birth"),  # 30 February (check digit is right)
        ("110105190002290021", "date of birth"),  # 1900 was not a leap year
        ("110105179912310027", "date of birth"),  # before 1800
        ("11010519491231002", "18 characters"),
        ("11010519491231002X0", "18 characters"),
        ("110105491231002", "18 characters"),  # a 15-digit first-generation number
        ("", "18 characters"),
        ("1101051949123100XX", "digits"),
        ("11010519491231002Y", "digits"),
        ("A1010519491231002X", "digits"),
    ],
)
def test_malformed_numbers_are_refused_without_repeating_them(raw: str, why: str) -> None:
    with pytest.raises(InvalidIdentityNumber) as caught:
        normalise_identity_number(raw)
    error = caught.value
    assert isinstance(error, RegistryError)
    assert error.code == "invalid-identity-number"
    assert why in error.en
    assert "身份证号无效" in error.zh
    if raw:
        assert raw not in str(error)


def test_a_birth_date_in_the_future_is_refused() -> None:
    assert normalise_identity_number(LEAP_DAY, today=date(2000, 2, 29)) == LEAP_DAY
    with pytest.raises(InvalidIdentityNumber, match="date of birth"):
        normalise_identity_number(LEAP_DAY, today=date(2000, 2, 28))


# -- the hash key file ---------------------------------------------------------------------


def test_the_hash_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    key = load_or_create_hash_key(key_dir)
    path = key_dir / "identity-hash.key"
    assert len(key) == 32
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_hash_key(key_dir) == key
    assert os.listdir(key_dir) == ["identity-hash.key"]
    assert load_or_create_hash_key(tmp_path / "other") != key


def test_a_hash_key_others_can_read_or_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "identity-hash.key"
    path.write_bytes(os.urandom(32))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="accessible to others"):
        load_or_create_hash_key(tmp_path)
    path.chmod(0o600)
    path.write_bytes(os.urandom(31))
    with pytest.raises(KeyFileError, match="exactly 32 bytes"):
        load_or_create_hash_key(tmp_path)


# -- the vault, on both backends -----------------------------------------------------------


def test_seal_and_reveal_round_trip(vault: IdentityVault) -> None:
    sealed = vault.seal("11010519491231002x")
    sealed.check()
    assert vault.reveal(sealed) == ALICE
    assert sealed.digest == vault.digest(ALICE)
    assert uuid.UUID(sealed.key).version == 4


def test_the_same_person_gets_the_same_digest_and_key(
    vault: IdentityVault, database_url: str
) -> None:
    first = vault.seal(ALICE)
    second = vault.seal(" 110105 19491231 002x")
    assert (second.digest, second.key) == (first.digest, first.key)
    assert second.sealed != first.sealed  # a fresh nonce each time
    assert vault.reveal(first) == vault.reveal(second) == ALICE
    with IdentityVault(database_url, HASH_KEY) as again:  # the key is in the database
        third = again.seal(ALICE)
        assert (third.digest, third.key) == (first.digest, first.key)
        assert again.reveal(first) == ALICE
    assert len(table(database_url)) == 1


def test_vaults_sealing_a_new_person_at_once_agree_on_one_key(database_url: str) -> None:
    vaults = [IdentityVault(database_url, HASH_KEY) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(vaults)) as pool:
            sealed = list(pool.map(lambda v: v.seal(CAROL), vaults * 3))
        assert len({s.key for s in sealed}) == 1
        assert {vaults[0].reveal(s) for s in sealed} == {CAROL}
    finally:
        for v in vaults:
            v.close()
    assert len(table(database_url)) == 1


def test_different_people_get_different_digests_and_keys(
    vault: IdentityVault, database_url: str
) -> None:
    sealed = [vault.seal(n) for n in (ALICE, BOB, CAROL)]
    assert len({s.digest for s in sealed}) == 3
    assert len({s.key for s in sealed}) == 3
    assert [vault.reveal(s) for s in sealed] == [ALICE, BOB, CAROL]
    rows = table(database_url)
    assert len({bytes(r[2]) for r in rows}) == 3  # three distinct person keys


def test_the_digest_depends_on_the_hash_key(vault: IdentityVault, database_url: str) -> None:
    with IdentityVault(database_url, bytes(32)) as other:
        assert other.digest(ALICE) != vault.digest(ALICE)


def test_the_number_is_in_clear_nowhere(vault: IdentityVault, database_url: str) -> None:
    sealed = vault.seal(ALICE)
    event = Signer.generate().sign(
        str(uuid.uuid4()), 1, "SomeType", {"identity": msgspec.to_builtins(sealed)}
    )
    assert len(base64.b64decode(sealed.sealed)) == 12 + 18 + 16
    for text in (sealed.sealed, sealed.digest, sealed.key):
        assert ALICE not in text and ALICE[:17] not in text
    blob = base64.b64decode(sealed.sealed)
    assert ALICE.encode() not in blob and ALICE[:17].encode() not in blob
    assert ALICE[:17].encode() not in event.record
    assert ALICE[:17] not in repr(table(database_url))
    if database_url.startswith("sqlite"):
        path = Path(sqlite_path(database_url))
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert files and not any(ALICE[:17].encode() in p.read_bytes() for p in files)


def test_erasure_makes_the_number_unreadable_and_signatures_still_verify(
    vault: IdentityVault, database_url: str
) -> None:
    signer = Signer.generate()
    sealed = vault.seal(ALICE)
    bob = vault.seal(BOB)
    event = signer.sign(str(uuid.uuid4()), 1, "SomeType", {"identity": msgspec.to_builtins(sealed)})

    assert vault.lookup(CAROL) is None
    assert vault.lookup("11010519491231002x") == sealed.key
    vault.erase(sealed.key, "申请编号 2025-001：本人依法申请删除")
    assert vault.lookup(ALICE) == sealed.key

    with pytest.raises(IdentityErased) as caught:
        vault.reveal(sealed)
    assert caught.value.code == "identity-erased"
    assert caught.value.ref == sealed.key
    event.verify(signer.public_key)
    carried = msgspec.convert(event.envelope.payload["identity"], SealedIdentity)
    carried.check()
    assert carried == sealed
    assert vault.digest(ALICE) == carried.digest  # the same person is still recognised
    assert vault.reveal(bob) == BOB  # nobody else is affected
    [row] = [r for r in table(database_url) if r[0] == sealed.key]
    ref, digest, key, _created, erased_at, reason = row
    assert (ref, digest, key) == (sealed.key, sealed.digest, None)
    assert erased_at and reason == "申请编号 2025-001：本人依法申请删除"
    with IdentityVault(database_url, HASH_KEY) as again, pytest.raises(IdentityErased):
        again.reveal(sealed)


def test_erasure_is_idempotent_and_an_erased_person_is_not_sealed_again(
    vault: IdentityVault, database_url: str
) -> None:
    sealed = vault.seal(ALICE)
    vault.erase(sealed.key, "first request")
    after_first = table(database_url)
    vault.erase(sealed.key, "second request")
    assert table(database_url) == after_first
    with pytest.raises(IdentityErased):
        vault.seal("11010519491231002x")
    assert table(database_url) == after_first


def test_tampered_or_mismatched_ciphertexts_are_refused(vault: IdentityVault) -> None:
    alice, bob = vault.seal(ALICE), vault.seal(BOB)
    blob = bytearray(base64.b64decode(alice.sealed))
    blob[20] ^= 0x01
    flipped = msgspec.structs.replace(alice, sealed=base64.b64encode(bytes(blob)).decode())
    short = msgspec.structs.replace(alice, sealed=base64.b64encode(bytes(blob[:20])).decode())
    # Bob's ciphertext under Alice's key and digest; Bob's key with Alice's digest.
    swapped = msgspec.structs.replace(alice, sealed=bob.sealed)
    wrong_digest = msgspec.structs.replace(bob, digest=alice.digest)
    for bad in (flipped, short, swapped, wrong_digest):
        with pytest.raises(IdentityTampered) as caught:
            vault.reveal(bad)
        assert caught.value.code == "identity-tampered"
    assert vault.reveal(alice) == ALICE


def test_a_vault_with_another_hash_key_cannot_pass_off_a_number(database_url: str) -> None:
    with IdentityVault(database_url, HASH_KEY) as vault:
        sealed = vault.seal(ALICE)
    with IdentityVault(database_url, bytes(32)) as other, pytest.raises(IdentityTampered):
        other.reveal(sealed)


def test_every_refusal_leaves_the_vault_table_unchanged(
    vault: IdentityVault, database_url: str
) -> None:
    alice, bob = vault.seal(ALICE), vault.seal(BOB)
    vault.erase(bob.key, "lawful request")
    before = table(database_url)
    unknown = msgspec.structs.replace(alice, key=str(uuid.uuid4()))
    tampered = msgspec.structs.replace(alice, sealed=bob.sealed)
    refusals: list[tuple[type[Exception], Any]] = [
        (InvalidIdentityNumber, lambda: vault.seal("110105194912310021")),
        (InvalidIdentityNumber, lambda: vault.digest("11010519491232002X")),
        (InvalidIdentityNumber, lambda: vault.lookup("1101051949123100")),
        (IdentityErased, lambda: vault.reveal(bob)),
        (IdentityErased, lambda: vault.seal(BOB)),
        (IdentityTampered, lambda: vault.reveal(tampered)),
        (UnknownIdentityKey, lambda: vault.reveal(unknown)),
        (UnknownIdentityKey, lambda: vault.erase(str(uuid.uuid4()), "lawful request")),
        (RuleViolation, lambda: vault.erase(alice.key, "  ")),
        (RuleViolation, lambda: vault.reveal(msgspec.structs.replace(alice, digest=ALICE))),
    ]
    for error, attempt in refusals:
        with pytest.raises(error):
            attempt()
        assert table(database_url) == before
    assert vault.reveal(alice) == ALICE


def test_the_vault_lives_beside_the_event_store(founded: Registry, root: Signer) -> None:
    with IdentityVault(founded.store.database_url, HASH_KEY) as vault:
        sealed = vault.seal(CAROL)
        assert vault.reveal(sealed) == CAROL
    assert founded.store.count() == 1
    assert founded.store.state.chain.root_key == root.key_id


@pytest.mark.parametrize("beside_events", [False, True])
def test_on_sqlite_the_erased_key_bytes_leave_the_database_files(
    tmp_path: Path, beside_events: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'craftreg.sqlite3'}"
    if beside_events:  # eventsourcing puts the file in WAL mode
        with Registry(url) as registry:
            registry.found(Signer.generate(), origin="craftreg.test/registry")
    with IdentityVault(url, HASH_KEY) as vault:
        sealed = vault.seal(ALICE)
        vault.seal(BOB)
        [key] = [bytes(r[2]) for r in table(url) if r[0] == sealed.key]

        def on_disk() -> bool:
            return any(key in p.read_bytes() for p in tmp_path.iterdir() if p.is_file())

        assert on_disk()
        vault.erase(sealed.key, "lawful request")
        assert not on_disk()
        assert vault.reveal(vault.seal(BOB)) == BOB
    with sqlite3.connect(sqlite_path(url)) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert (mode == "wal") is beside_events
