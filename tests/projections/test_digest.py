"""The state digest as docs/ledger-format.md ("State digest") constructs it, recomputed here
from the document alone: RFC 8785 by the rfc8785 package, SHA-256 by hashlib."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import rfc8785

from craftreg.projections.digest import digest_working_set
from craftreg.projections.fold import apply, working_set
from craftreg.projections.records import decode
from craftreg.projections.schema import VIEWS
from tests.helpers import MemoryLog
from tests.projections.story import Story


def auditor_digest(size: int, views: dict[str, list[dict[str, Any]]]) -> str:
    """The construction exactly as the document states it."""
    text = b"craftreg/state/v1\n" + f"size {size}\n".encode()
    for name in [v.name for v in VIEWS]:
        rows = views[name]
        text += f"view {name} {len(rows)}\n".encode()
        for row in rows:
            text += rfc8785.dumps(row) + b"\n"
    return hashlib.sha256(text).hexdigest()


def test_an_auditor_recomputes_the_digest_from_the_documented_construction() -> None:
    story = Story(MemoryLog()).tell()
    records = [e.record for e in story.log.events]  # type: ignore[attr-defined]
    ws = working_set()
    for position, record in enumerate(records):
        apply(ws, decode(position, record))
    views = copy.deepcopy({v.name: ws.rows(v.name) for v in VIEWS})
    for v in VIEWS:
        keys = [tuple(row[k] for k in v.key) for row in views[v.name]]
        assert keys == sorted(keys), f"{v.name} rows are in primary-key order"
        assert all(set(row) == set(v.names) for row in views[v.name])
    assert digest_working_set(ws, len(records)) == auditor_digest(len(records), views)
    # any one value changed changes the digest
    views["certificates"][0]["holder_name"] += "甲"
    assert digest_working_set(ws, len(records)) != auditor_digest(len(records), views)
