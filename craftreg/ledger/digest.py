"""The digest of a rebuilt registry: one hash that two replays of the same log agree on.

``state_digest(state)`` is the lowercase hex SHA-256 of the RFC 8785 (JCS) serialisation of
the document described in docs/ledger-format.md §6: the chain of authority (origin, registry,
root key, organisations, actors, keys with when they were retired), the log key, every
stream's version and the number of events. An auditor's replay prints it. The registry views
have a digest of their own (craftreg/projections/digest.py), which the projections publish and
the replay computes too.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from craftreg.domain.envelope import canonical_json
from craftreg.domain.state import RegistryState

DIGEST_FORMAT = "craftreg/state-digest/v1"


def state_document(state: RegistryState) -> dict[str, Any]:
    chain = state.chain
    return {
        "format": DIGEST_FORMAT,
        "origin": chain.origin,
        "registry": chain.registry,
        "root_key": chain.root_key,
        "log_key": state.log_key,
        "events": state.position,
        "organisations": {
            o.id: {"kind": o.kind.value, "name": o.name, "parent": o.parent, "region": o.region}
            for o in chain.organisations.values()
        },
        "actors": {
            a.id: {
                "organisation": a.organisation,
                "name": a.name,
                "roles": sorted(r.value for r in a.roles),
                "key": a.key,
            }
            for a in chain.actors.values()
        },
        "keys": {
            k.id: {
                "public_key": base64.b64encode(k.public_key).decode(),
                "actor": k.actor,
                "retired_at": k.retired_at,
                "retired_by": k.retired_by,
            }
            for k in chain.keys.values()
        },
        "versions": dict(state.versions),
    }


def state_digest(state: RegistryState) -> str:
    return hashlib.sha256(canonical_json(state_document(state))).hexdigest()
