"""Wrong verification codes are counted per client and per certificate over a window of a
quarter of an hour; past either limit even the right code is refused, and failures older than
the window neither count nor stay (both backends)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from craftreg.certify.codes import (
    CERTIFICATE_LIMIT,
    CLIENT_LIMIT,
    WINDOW_SECONDS,
    Codes,
    TooManyWrongCodes,
    WrongCode,
)
from craftreg.certify.db import CertifyDB
from craftreg.domain.certificates import code_digest
from craftreg.store import EventStore


def certificate(n: int) -> dict[str, object]:
    number = f"S33-2026-{n:05d}"
    return {"id": f"cert-{n}", "number": number, "code_digest": code_digest(number, "RIGHT")}


@pytest.fixture
def codes(database_url: str) -> Iterator[Codes]:
    with EventStore(database_url) as store:
        yield Codes(CertifyDB(store.ledger.db))


def failures(codes: Codes) -> int:
    return int(codes.db.query("SELECT COUNT(*) FROM {certify_code_failures}")[0][0])


def test_a_client_past_its_limit_is_refused_even_the_right_code(codes: Codes) -> None:
    for n in range(CLIENT_LIMIT):
        with pytest.raises(WrongCode):
            codes.check(certificate(n), "WRONG", "10.0.0.1")
    with pytest.raises(TooManyWrongCodes) as refused:
        codes.check(certificate(0), "RIGHT", "10.0.0.1")
    assert refused.value.code == "rate-limited" and "15" in refused.value.zh
    assert codes.check(certificate(0), "RIGHT", "10.0.0.2") == "permanent"
    assert failures(codes) == CLIENT_LIMIT


def test_a_certificate_past_its_limit_is_refused_to_every_client(codes: Codes) -> None:
    for n in range(CERTIFICATE_LIMIT):
        with pytest.raises(WrongCode):
            codes.check(certificate(7), "WRONG", f"10.0.1.{n}")
    with pytest.raises(TooManyWrongCodes):
        codes.check(certificate(7), "RIGHT", "10.0.2.1")
    assert codes.check(certificate(8), "RIGHT", "10.0.2.1") == "permanent"


def test_failures_older_than_the_window_neither_count_nor_stay(codes: Codes) -> None:
    long_ago = time.time() - WINDOW_SECONDS - 1
    for _ in range(CLIENT_LIMIT):
        codes.db.run(
            "INSERT INTO {certify_code_failures} (certificate, client, at) VALUES (?, ?, ?)",
            ("cert-1", "10.0.0.9", long_ago),
        )
    assert codes.check(certificate(1), "RIGHT", "10.0.0.9") == "permanent"
    with pytest.raises(WrongCode):
        codes.check(certificate(1), "WRONG", "10.0.0.9")
    assert failures(codes) == 1


def test_counts_read_with_the_certificate_are_used_as_given(codes: Codes) -> None:
    """The verification reads the counts in its one query and hands them over."""
    with pytest.raises(TooManyWrongCodes):
        codes.check(certificate(2), "RIGHT", "10.0.0.3", counted=(CLIENT_LIMIT, 0))
    with pytest.raises(TooManyWrongCodes):
        codes.check(certificate(2), "RIGHT", "10.0.0.3", counted=(0, CERTIFICATE_LIMIT))
    assert codes.check(certificate(2), "RIGHT", "10.0.0.3", counted=(0, 0)) == "permanent"
