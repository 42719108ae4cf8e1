"""What the certificate tests share: the sample's trust, and checking against it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.credentials.certificate import sign_credential
from craftreg.credentials.verify import (
    Outcome,
    Trust,
    VerificationReport,
    load_document,
    verify_certificate,
)
from tests.credentials import sample

NOW = datetime(2030, 1, 1, tzinfo=UTC)
KEYS = json.loads((sample.FOLDER / "keys.json").read_text(encoding="utf-8"))
TRUST = Trust(log_keys=(KEYS["log"]["noteVerifierKey"],), status_issuers=(KEYS["status"]["did"],))
CERTIFIER = sample.key("certifier")


def stored(name: str) -> Any:
    return load_document((sample.FOLDER / name).read_bytes())


def check(document: Any, trust: Trust = TRUST, status: Any | None = None) -> VerificationReport:
    return verify_certificate(document, trust=trust, now=NOW, status_list=status)


def outcomes(report: VerificationReport) -> dict[str, Outcome]:
    return {step.name: step.outcome for step in report.steps}


def failed(report: VerificationReport) -> dict[str, str | None]:
    return {s.name: s.code for s in report.steps if s.outcome is Outcome.FAILED}


def resign(document: dict[str, Any], key: Ed25519PrivateKey = CERTIFIER) -> dict[str, Any]:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return sign_credential(unsigned, key, sample.SIGNED_AT)


Change = Callable[[dict[str, Any]], Any]


def changed(change: Change, *, signed_again: bool = False) -> dict[str, Any]:
    document = copy.deepcopy(stored("certificate.json"))
    change(document)
    return resign(document) if signed_again else document
