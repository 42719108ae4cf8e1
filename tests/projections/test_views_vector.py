"""The views' vector (tests/vectors/views.json): the rows and digest an independent fold must
reach from the same records, checked here as such a verifier would check its own output."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import rfc8785

from craftreg.projections.digest import replay_digest
from craftreg.projections.schema import VIEWS
from tests.projections.vectors import EXPECTED, build

LEDGER_FORMAT = Path(__file__).resolve().parents[2] / "docs" / "ledger-format.md"

VECTOR: dict[str, Any] = json.loads(EXPECTED.read_text())


def test_the_vector_is_what_the_code_builds() -> None:
    """Regenerated from the story it must come out byte for byte the same: a change to the
    fold or the digest shows here as a diff of rows, not only as another hash."""
    assert build() == VECTOR


def test_every_view_is_in_the_vector_with_rows_in_key_order() -> None:
    assert list(VECTOR["views"]) == [v.name for v in VIEWS]
    for v in VIEWS:
        rows = [json.loads(line) for line in VECTOR["views"][v.name]]
        assert rows, f"the story leaves view_{v.name} empty: it proves nothing about it"
        assert all(list(row) == sorted(v.names) for row in rows), v.name
        keys = [tuple(row[k] for k in v.key) for row in rows]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), v.name


def test_each_row_line_is_rfc_8785_and_the_digest_follows_from_the_lines() -> None:
    """The construction of docs/ledger-format.md, written again from the text alone."""
    digest = hashlib.sha256(b"craftreg/state/v1\n")
    digest.update(b"size %d\n" % VECTOR["size"])
    for name, lines in VECTOR["views"].items():
        digest.update(f"view {name} {len(lines)}\n".encode())
        for line in lines:
            assert rfc8785.dumps(json.loads(line)) == line.encode()
            digest.update(line.encode() + b"\n")
    assert digest.hexdigest() == VECTOR["views_digest"]


def test_folding_the_records_gives_the_digest() -> None:
    records = [base64.b64decode(r) for r in VECTOR["records"]]
    assert replay_digest(records) == (VECTOR["size"], VECTOR["views_digest"])
    assert replay_digest(records[:-1])[1] != VECTOR["views_digest"]


def test_the_document_names_every_column_of_every_view_in_order() -> None:
    """The table of docs/ledger-format.md a verifier builds rows from is the schema's."""
    table = re.findall(
        r"^\| \d+ \| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", LEDGER_FORMAT.read_text(), re.M
    )
    documented = [
        (
            name,
            tuple(k.strip() for k in key.split(",")),
            tuple(c.split(" (")[0].strip() for c in columns.split(",")),
        )
        for name, key, columns in table
    ]
    assert documented == [(v.name, v.key, v.names) for v in VIEWS]
