"""Importing the 2024 pilot scheme's certificates (试点, Art. 24) from a CSV file.

Each row becomes one signed ``PilotCertificateImported`` event, marked with the pilot scheme,
signed by a certifier of the cultivating body; the identity number is sealed in the vault
first, and each holder gets a new verification code, returned for distribution. Rows are
checked one by one: a refused row is reported with its line and reason, the others go in.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import msgspec

from craftreg.application import Registry
from craftreg.casework import new_verification_code
from craftreg.domain.certificates import PILOT_SCHEME, code_digest
from craftreg.domain.errors import RegistryError
from craftreg.keys import Signer
from craftreg.privacy import IdentityVault

COLUMNS = (
    "tier",
    "number",
    "holder_name",
    "identity_number",
    "trade",
    "employer",
    "issue_date",
    "benefits",
)


@dataclass(frozen=True)
class Imported:
    line: int
    number: str
    code: str


@dataclass(frozen=True)
class Refused:
    line: int
    number: str
    reason: str


def import_pilot(
    registry: Registry, vault: IdentityVault, certifier: Signer, body: str, source: Path
) -> tuple[list[Imported], list[Refused]]:
    """Import every row of ``source`` for the cultivating body ``body``."""
    data = source.read_bytes()
    document = hashlib.sha256(data).hexdigest()
    rows = csv.DictReader(data.decode("utf-8-sig").splitlines())
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or ())]
    if missing:
        raise ValueError(f"{source}: missing columns {', '.join(missing)}")
    imported: list[Imported] = []
    refused: list[Refused] = []
    for line, row in enumerate(rows, start=2):
        number = row["number"].strip()
        code = new_verification_code()
        try:
            identity = vault.seal(row["identity_number"])
            registry.decide(
                certifier,
                registry.new_id(),
                "PilotCertificateImported",
                {
                    "body": body,
                    "tier": row["tier"].strip(),
                    "number": number,
                    "holder_name": row["holder_name"].strip(),
                    "identity": msgspec.to_builtins(identity),
                    "trade": row["trade"].strip(),
                    "employer": row["employer"].strip(),
                    "issue_date": row["issue_date"].strip(),
                    "code_digest": code_digest(number, code),
                    "benefits": [b for b in row["benefits"].split(";") if b],
                    "source_document": document,
                    "scheme": PILOT_SCHEME,
                },
            )
        except RegistryError as exc:
            refused.append(Refused(line, number, f"[{exc.code}] {exc.en} / {exc.zh}"))
            continue
        imported.append(Imported(line, number, code))
    return imported, refused
