"""The sample certificate of tests/vectors/certificates/, built from seed keys.

Run ``python -m tests.credentials.sample`` to write the files again; the tests check that the
files are what this builds. The log is a five-event format sample: genesis, two organisations
and the certifier's enrolment (admissible as they stand), then the issuance, signed by the
certifier (its cultivation is not in the sample, so a replay would refuse it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.certificate import (
    CertificateFacts,
    CultivationPeriod,
    build_credential,
    sign_credential,
)
from craftreg.credentials.didkey import did_key, public_multikey, secret_multikey
from craftreg.credentials.evidence import ENROLMENT, ISSUANCE, LedgerEvidence
from craftreg.credentials.statuslist import StatusList, assign_index, signed_status_list
from craftreg.domain.certificates import code_digest
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from craftreg.ledger.merkle import inclusion_proof, leaf_hash, root_hash, subtree_hash_from_leaves
from craftreg.ledger.note import sign_note, signer_from_seed, verifier_from_public

FOLDER = Path(__file__).parent.parent / "vectors" / "certificates"
ORIGIN = "registry.craftreg.example"
STATUS_LIST = "https://registry.craftreg.example/v1/status-lists/1"
SIGNED_AT = "2029-05-10T02:00:00Z"
KEY_LABELS = ("root", "certifier", "log", "status")


def seed(label: str) -> bytes:
    return hashlib.sha256(f"craftreg sample key: {label}".encode()).digest()


def key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed(label))


def stream(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://registry.craftreg.example/{label}"))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def events() -> list[SignedEvent]:
    root, certifier = Signer(key("root")), Signer(key("certifier"))
    registry, nation, zhejiang = stream("registry"), stream("national"), stream("zhejiang")
    return [
        root.sign(
            registry,
            1,
            "RegistryFounded",
            {
                "origin": ORIGIN,
                "root_public_key": root.public_key_b64,
                "national_federation": nation,
                "national_federation_name": "中华全国总工会",
                "root_actor": stream("root-actor"),
                "root_actor_name": "全总登记员",
            },
            _at("2027-01-04T09:00:00+00:00"),
        ),
        root.sign(
            zhejiang,
            1,
            "OrganisationRegistered",
            {
                "kind": "provincial_federation",
                "name": "浙江省总工会",
                "parent": nation,
                "region": "330000",
            },
            _at("2027-01-04T09:01:00+00:00"),
        ),
        root.sign(
            stream("certifier"),
            1,
            "ActorEnrolled",
            {
                "organisation": zhejiang,
                "name": "浙江发证人",
                "roles": ["certifier"],
                "public_key": certifier.public_key_b64,
            },
            _at("2027-01-04T09:02:00+00:00"),
        ),
        root.sign(
            stream("hangzhou"),
            1,
            "OrganisationRegistered",
            {
                "kind": "prefecture_federation",
                "name": "杭州市总工会",
                "parent": zhejiang,
                "region": "330100",
            },
            _at("2027-01-04T09:03:00+00:00"),
        ),
        certifier.sign(
            stream("certificate"),
            1,
            "CertificateIssued",
            {
                "cultivation": stream("cultivation"),
                "number": "S33-2029-00001",
                "holder_name": "陈静",
                "trade": "数控车工",
                "employer": "杭州汽轮机股份有限公司",
                "issue_date": "2029-05-10",
                "code_digest": code_digest("S33-2029-00001", "SAMPLE-CODE"),
                "benefits": [],
            },
            _at("2029-05-10T01:30:00+00:00"),
        ),
    ]


def checkpoint_text(origin: str, records: list[bytes]) -> str:
    """The tlog-checkpoint text of a log holding ``records``."""
    root = root_hash([leaf_hash(record) for record in records])
    return f"{origin}\n{len(records)}\n{base64.b64encode(root).decode()}\n"


def checkpoint(records: list[bytes]) -> str:
    return sign_note(checkpoint_text(ORIGIN, records), signer_from_seed(ORIGIN, seed("log")))


def evidence(records: list[bytes], index: int, purpose: str, note: str) -> LedgerEvidence:
    leaves = [leaf_hash(record) for record in records]
    proof = inclusion_proof(index, len(records), subtree_hash_from_leaves(leaves))
    return LedgerEvidence.of_record(purpose, records[index], index, proof, note)


def facts(status_index: int) -> CertificateFacts:
    return CertificateFacts(
        certificate=stream("certificate"),
        number="S33-2029-00001",
        holder_name="陈静",
        tier=Tier.PROVINCIAL,
        trade="数控车工",
        employer="杭州汽轮机股份有限公司",
        issue_date="2029-05-10",
        cultivation=CultivationPeriod(start="2027-05-01", end="2029-04-30"),
        body=stream("zhejiang"),
        body_name="浙江省总工会",
        status_list=STATUS_LIST,
        status_index=status_index,
    )


def status_bits(rng: random.Random, ours: int, revoked_others: int = 3) -> StatusList:
    """The sample list: our certificate's bit clear, a few other certificates revoked."""
    bits = StatusList()
    used = {ours}
    for _ in range(revoked_others):
        index = assign_index(used, rng)
        used.add(index)
        bits.set(index)
    return bits


def build() -> dict[str, Any]:
    """Everything the sample holds, as JSON values keyed by file name."""
    records = [signed.record for signed in events()]
    rng = random.Random(2029)
    ours = assign_index(set(), rng)
    credential = build_credential(
        facts(ours),
        Signer(key("certifier")).public_key,
        [
            evidence(records, 2, ENROLMENT, checkpoint(records)),
            evidence(records, 4, ISSUANCE, checkpoint(records)),
        ],
    )
    signed = sign_credential(credential, key("certifier"), SIGNED_AT)
    status = signed_status_list(STATUS_LIST, status_bits(rng, ours), key("status"), SIGNED_AT)
    keys = {
        label: {
            "seed": seed(label).hex(),
            "secretKeyMultibase": secret_multikey(key(label)),
            "publicKeyMultibase": public_multikey(Signer(key(label)).public_key),
            "did": did_key(Signer(key(label)).public_key),
        }
        for label in KEY_LABELS
    }
    keys["log"]["noteVerifierKey"] = verifier_from_public(ORIGIN, Signer(key("log")).public_key)
    return {"keys.json": keys, "certificate.json": signed, "status-list.json": status}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, value in build().items():
        (FOLDER / name).write_text(dumps(value), encoding="utf-8")


if __name__ == "__main__":
    write()
