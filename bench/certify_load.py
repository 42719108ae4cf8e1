"""Certificates with known codes for the verification scenarios of bench/http.py.

``prepare`` writes the log key the server will load (``<key_dir>/log.pem``), publishes it in
the log, and imports ``count`` pilot certificates (Art. 24) whose holders' codes are known, so
that the load can ask ``GET /v1/certificates/{n}/verification`` with and without the code.
"""

from __future__ import annotations

from pathlib import Path

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.certificates import PILOT_SCHEME, code_digest
from craftreg.http.specimens import sealed_identity, sha256_of
from craftreg.keys import Signer, write_key
from craftreg.ledger.events import publish_log_key


def prepare(registry: Registry, root: Signer, key_dir: Path, count: int) -> list[tuple[str, str]]:
    log_key = Signer.generate()
    write_key(key_dir / "log.pem", log_key)
    publish_log_key(registry, root, log_key)
    body = registry.register_organisation(
        root, OrgKind.PROVINCIAL_FEDERATION, "江苏省总工会", registry.national_federation, "320000"
    )
    certifier = Signer.generate()
    registry.enrol_actor(root, body, "发证人", [Role.CERTIFIER], certifier)
    held = [(f"S32-2024-{n:05d}", f"BENCHCODE{n:03d}") for n in range(1, count + 1)]
    for number, code in held:
        registry.decide(
            certifier,
            registry.new_id(),
            "PilotCertificateImported",
            {
                "body": body,
                "tier": "provincial",
                "number": number,
                "holder_name": "吴建华",
                "identity": sealed_identity(number),
                "trade": "电工",
                "employer": "南京电力",
                "issue_date": "2024-06-01",
                "code_digest": code_digest(number, code),
                "benefits": ["visit"],
                "source_document": sha256_of(f"pilot-{number}"),
                "scheme": PILOT_SCHEME,
            },
        )
    return held
