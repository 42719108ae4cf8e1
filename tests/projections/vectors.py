"""Builds the views' test vector, deterministically: ``python -m tests.projections.vectors``.

Writes ``tests/vectors/views.json``: the signed records of the Zhejiang story (every kind of
event the views know), the rows each registry view must hold after folding them, as the lines
the state digest hashes (docs/ledger-format.md, "State digest of the registry views"), and that
digest. An independent fold can be checked view by view, row by row, before the digest.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.application import Registry
from craftreg.domain.envelope import canonical_lines
from craftreg.keys import Signer
from craftreg.projections.digest import Replay
from craftreg.projections.schema import VIEWS
from tests.projections.story import Story

EXPECTED = Path(__file__).resolve().parents[1] / "vectors" / "views.json"


@contextlib.contextmanager
def seeded_keys() -> Iterator[None]:
    """Every key the story generates drawn from a counter instead of the system's randomness."""
    count = iter(range(10_000))

    def generate(cls: type[Signer]) -> Signer:
        seed = hashlib.sha256(b"craftreg-views-vectors:%d" % next(count)).digest()
        return Signer(Ed25519PrivateKey.from_private_bytes(seed))

    original = Signer.__dict__["generate"]
    Signer.generate = classmethod(generate)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        Signer.generate = original  # type: ignore[method-assign]


def build() -> dict[str, Any]:
    ids = (str(uuid.UUID(bytes=hashlib.sha256(b"views%d" % n).digest()[:16], version=4))
           for n in range(10_000))  # fmt: skip
    with (
        seeded_keys(),
        tempfile.TemporaryDirectory() as tmp,
        Registry(f"sqlite:///{tmp}/views.db") as registry,
    ):
        registry.new_id = lambda: next(ids)
        Story(registry).tell()
        records = [e.record for e in registry.store.log()]
    replay = Replay()
    for record in records:
        replay.add(record)
    views = {
        v.name: canonical_lines(replay.views.rows(v.name)).decode().splitlines() for v in VIEWS
    }
    return {
        "description": (
            "The records of a small log, in log order (base64 of each stored record), the rows "
            "every registry view holds after folding them — each as the JCS line the state "
            "digest hashes, in primary-key order — and the digest (docs/ledger-format.md, "
            "'State digest of the registry views'). Built by tests/projections/vectors.py."
        ),
        "size": replay.size,
        "views_digest": replay.digest(),
        "views": views,
        "records": [base64.b64encode(r).decode() for r in records],
    }


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {EXPECTED}")
