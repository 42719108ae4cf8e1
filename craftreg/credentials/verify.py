"""Checking a whole certificate document (证书核验), offline, step by step.

The result lists every step with its outcome and a message in Chinese and English, so the
verification page and ``craftreg cert verify`` show the same thing. A step whose prerequisite
failed is reported as not checked, never silently skipped. Verdicts:

* ``valid`` — every essential step passed (revocation may be unchecked when offline);
* ``revoked`` — genuine, but its bit is set in a trusted status list (Art. 20);
* ``invalid`` — a check failed: forged, altered, or not issued with authority;
* ``unchecked`` — an essential step could not be done (e.g. no trusted log key was given).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec

from craftreg.credentials.certificate import CERTIFICATE_TYPE, CONTEXT
from craftreg.credentials.didkey import ResolvedKey, resolve_verification_method
from craftreg.credentials.errors import LedgerEvidenceError, MalformedCredential
from craftreg.credentials.evidence import (
    ENROLMENT,
    ISSUANCE,
    certifier_authority,
    issuance_event,
    parse_evidence,
)
from craftreg.credentials.integrity import is_datetime, proof_of, verify_proof
from craftreg.credentials.statuslist import entry_index, verified_status_list
from craftreg.domain.errors import RegistryError
from craftreg.domain.tiers import TIER_NAMES, Tier

CLOCK_SKEW = timedelta(minutes=5)
_SUBJECT_TEXT = ("name", "trade", "employerAtIssue", "certificateNumber")


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


class Verdict(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"
    UNCHECKED = "unchecked"


class Step(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    title_zh: str
    title_en: str
    outcome: Outcome
    zh: str
    en: str
    code: str | None = None


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """What the page shows of a certificate whose document could be read."""

    number: str
    holder_name: str
    tier: str
    tier_name: str
    issuer_name: str
    issue_date: str


class VerificationReport(msgspec.Struct, frozen=True, kw_only=True):
    verdict: Verdict
    steps: list[Step]
    summary: Summary | None
    checked_at: str


class Trust(msgspec.Struct, frozen=True, kw_only=True):
    """What a verifier trusts, obtained out of band (docs/certificate-format.md)."""

    log_keys: tuple[str, ...] = ()  # note verifier keys of the registry's log
    status_issuers: tuple[str, ...] = ()  # did:keys that sign the registry's status lists
    require_issuance: bool = True  # the issuance event's inclusion proof must be present


# name, Chinese title, English title, essential (its failure to run makes the verdict unchecked)
STEPS = (
    ("document", "文件格式", "Document format", True),
    ("issuer-key", "签发者密钥", "Issuer key", True),
    ("signature", "数字签名", "Signature", True),
    ("authority", "发证人权限（账本）", "Certifier's authority (ledger)", True),
    ("issuance", "颁发记录（账本）", "Issuance in the ledger", True),
    ("validity", "有效期", "Validity dates", True),
    ("status-entry", "状态条目", "Status entry", True),
    ("revocation", "撤销状态", "Revocation status", False),
)
_TITLES = {name: (zh, en) for name, zh, en, _ in STEPS}
_ESSENTIAL = {name for name, _, _, essential in STEPS if essential}


class _NotChecked(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class _Revoked(Exception):
    pass


def load_document(data: bytes) -> Any:
    """Parse an uploaded document; duplicate keys are refused, as two readers could differ
    on which one counts."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise MalformedCredential(
                "文件中有重复的字段名。", "the document repeats a member name."
            )
        return dict(pairs)

    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedCredential(
            "上传的文件不是有效的 JSON 证书。", "the uploaded file is not a JSON certificate."
        ) from None


def verify_certificate(
    document: Any,
    *,
    trust: Trust,
    now: datetime,
    status_list: Any | None = None,
) -> VerificationReport:
    """Check ``document`` (parsed JSON); ``status_list`` is the fetched status list credential
    when online, None offline. ``now`` must carry a time zone."""
    if now.tzinfo is None:
        raise ValueError("verify_certificate needs an aware datetime for now")
    checker = _Checker(document, trust, now, status_list)
    steps = [checker.run(name) for name, *_ in STEPS]
    return VerificationReport(
        verdict=_verdict(steps),
        steps=steps,
        summary=checker.summary,
        checked_at=now.isoformat(),
    )


def _verdict(steps: list[Step]) -> Verdict:
    failed = {step.name for step in steps if step.outcome is Outcome.FAILED}
    if failed - {"revocation"}:
        return Verdict.INVALID
    if any(s.outcome is Outcome.NOT_CHECKED and s.name in _ESSENTIAL for s in steps):
        return Verdict.UNCHECKED
    return Verdict.REVOKED if failed else Verdict.VALID


class _Checker:
    def __init__(self, document: Any, trust: Trust, now: datetime, status: Any | None) -> None:
        self.document, self.trust, self.now, self.status = document, trust, now, status
        self.done: dict[str, Outcome] = {}
        self.summary: Summary | None = None
        self.key: ResolvedKey | None = None
        self.enrolled_at = -1
        self.checks: dict[str, Callable[[], tuple[str, str]]] = {
            "document": self.shape,
            "issuer-key": self.issuer_key,
            "signature": self.signature,
            "authority": self.authority,
            "issuance": self.issuance,
            "validity": self.validity,
            "status-entry": self.status_entry,
            "revocation": self.revocation,
        }

    def run(self, name: str) -> Step:
        title_zh, title_en = _TITLES[name]
        code = None
        try:
            zh, en = self.checks[name]()
            outcome = Outcome.PASSED
        except _NotChecked as exc:
            outcome, zh, en = Outcome.NOT_CHECKED, exc.zh, exc.en
        except _Revoked:
            outcome, code = Outcome.FAILED, "revoked"
            zh, en = "证书已被撤销（第二十条）。", "the certificate has been revoked (Art. 20)."
        except RegistryError as exc:
            outcome, zh, en, code = Outcome.FAILED, exc.zh, exc.en, exc.code
        self.done[name] = outcome
        return Step(
            name=name,
            title_zh=title_zh,
            title_en=title_en,
            outcome=outcome,
            zh=zh,
            en=en,
            code=code,
        )

    def need(self, name: str) -> None:
        if self.done.get(name) is not Outcome.PASSED:
            zh, en = _TITLES[name]
            raise _NotChecked(
                f"未检查：前一步“{zh}”未通过。", f"not checked: the step '{en}' did not pass."
            )

    # -- the steps ------------------------------------------------------------------------

    def shape(self) -> tuple[str, str]:
        doc = self.document
        if not isinstance(doc, dict):
            raise _malformed("文件必须是 JSON 对象", "the document must be a JSON object")
        if doc.get("@context") != CONTEXT:
            raise _malformed("@context 不是证书的上下文", "@context is not the certificate's")
        types = doc.get("type")
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            types = []
        if not {"VerifiableCredential", CERTIFICATE_TYPE} <= set(types):
            raise _malformed("type 不是工匠人才证书", "type is not a craftsman certificate")
        _urn_uuid(doc.get("id"), "id")
        issuer = doc.get("issuer")
        if not isinstance(issuer, dict) or not isinstance(issuer.get("name"), str):
            raise _malformed("issuer 必须写明签发单位", "issuer must name the issuing body")
        _urn_uuid(issuer.get("organisation"), "issuer.organisation")
        for field in ("validFrom", "validUntil"):
            if field in doc and not is_datetime(doc[field]):
                raise _malformed(f"{field} 不是日期时间", f"{field} is not a date-time")
        if "validFrom" not in doc:
            raise _malformed("缺少 validFrom", "validFrom is missing")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict) or not all(
            isinstance(subject.get(f), str) and subject[f] for f in _SUBJECT_TEXT
        ):
            raise _malformed("持证人信息不全", "the holder's details are incomplete")
        tier = subject.get("tier")
        if not isinstance(tier, dict) or tier.get("code") not in [t.value for t in Tier]:
            raise _malformed("层级不明", "the tier is unknown")
        if tier.get("name") != TIER_NAMES[Tier(tier["code"])]:
            raise _malformed("层级名称与层级不符", "the tier's name does not match the tier")
        _date(subject.get("issueDate"), "issueDate")
        period = subject.get("cultivationPeriod")
        if period is not None and (
            not isinstance(period, dict)
            or _date(period.get("start"), "start") > _date(period.get("end"), "end")
        ):
            raise _malformed("培育期不成立", "the cultivation period is not a period")
        self.summary = Summary(
            number=subject["certificateNumber"],
            holder_name=subject["name"],
            tier=tier["code"],
            tier_name=tier["name"],
            issuer_name=issuer["name"],
            issue_date=subject["issueDate"],
        )
        return "文件格式正确。", "the document has the certificate's format."

    def issuer_key(self) -> tuple[str, str]:
        self.need("document")
        proof = proof_of(self.document)
        key = resolve_verification_method(proof.get("verificationMethod"))
        if key.controller != self.document["issuer"].get("id"):
            raise MalformedCredential(
                "签名密钥不属于证书所写的签发者。",
                "the signing key does not belong to the issuer the certificate names.",
            )
        self.key = key
        return (
            f"签发者密钥 {key.multikey} 可离线解析。",
            f"the issuer key {key.multikey} resolves offline (did:key).",
        )

    def signature(self) -> tuple[str, str]:
        self.need("issuer-key")
        verified = verify_proof(self.document)
        return (
            f"签名有效（eddsa-jcs-2022，签于 {verified.created}）。",
            f"the signature is valid (eddsa-jcs-2022, signed {verified.created}).",
        )

    def _evidence(self, purpose: str) -> list[Any]:
        if not self.trust.log_keys:
            raise _NotChecked(
                "未检查：没有可信的登记处日志公钥。", "not checked: no trusted registry log key."
            )
        items = parse_evidence(self.document.get("evidence", []))
        return [item for item in items if item.purpose == purpose]

    def authority(self) -> tuple[str, str]:
        self.need("issuer-key")
        assert self.key is not None
        organisation = self.document["issuer"]["organisation"].removeprefix("urn:uuid:")
        certifier = certifier_authority(
            self._evidence(ENROLMENT), self.trust.log_keys, self.key.public_key, organisation
        )
        self.enrolled_at = certifier.enrolled_at
        return (
            f"账本证明：{certifier.name} 是“{self.document['issuer']['name']}”登记的发证人，"
            f"签名密钥为其登记的密钥（日志位置 {certifier.enrolled_at}）。",
            f"the ledger shows {certifier.name} enrolled as a certifier of "
            f"'{self.document['issuer']['name']}' with this key (log position "
            f"{certifier.enrolled_at}).",
        )

    def issuance(self) -> tuple[str, str]:
        self.need("issuer-key")
        assert self.key is not None
        items = self._evidence(ISSUANCE)
        if not items:
            if self.trust.require_issuance:
                raise _NotChecked(
                    "未检查：文件中没有颁发事件的账本证明。",
                    "not checked: the document carries no ledger proof of its issuance.",
                )
            return "未要求颁发记录。", "the issuance proof was not required."
        doc, subject = self.document, self.document["credentialSubject"]
        facts = {
            "number": subject["certificateNumber"],
            "holder_name": subject["name"],
            "trade": subject["trade"],
            "employer": subject["employerAtIssue"],
            "issue_date": subject["issueDate"],
            "body": doc["issuer"]["organisation"].removeprefix("urn:uuid:"),
            "tier": subject["tier"]["code"],
        }
        certificate = doc["id"].removeprefix("urn:uuid:")
        for item in items:
            issuance_event(item, self.trust.log_keys, self.key.public_key, certificate, facts)
            if item.leaf_index < self.enrolled_at:
                raise LedgerEvidenceError(
                    "颁发事件早于发证人的登记。", "the issuance precedes the certifier's enrolment."
                )
        return (
            f"账本证明本证书已由登记处受理颁发（日志位置 {items[0].leaf_index}）。",
            f"the ledger shows the registry admitted this issuance (log position "
            f"{items[0].leaf_index}).",
        )

    def validity(self) -> tuple[str, str]:
        self.need("document")
        doc = self.document
        if datetime.fromisoformat(doc["validFrom"]) > self.now + CLOCK_SKEW:
            raise MalformedCredential(
                "证书尚未生效。", f"the certificate is not valid before {doc['validFrom']}."
            )
        if "validUntil" in doc and datetime.fromisoformat(doc["validUntil"]) <= self.now:
            raise MalformedCredential(
                "证书已过有效期。", f"the certificate expired at {doc['validUntil']}."
            )
        proof = proof_of(doc)
        created, expires = proof.get("created"), proof.get("expires")
        if is_datetime(created) and datetime.fromisoformat(created) > self.now + CLOCK_SKEW:
            raise MalformedCredential(
                "签名时间晚于当前时间。", "the signature is dated in the future."
            )
        if is_datetime(expires) and datetime.fromisoformat(expires) <= self.now:
            raise MalformedCredential("签名已过期。", f"the signature expired at {expires}.")
        return f"自 {doc['validFrom']} 起有效。", f"valid from {doc['validFrom']}."

    def status_entry(self) -> tuple[str, str]:
        self.need("document")
        url, _index = entry_index(self.document.get("credentialStatus"))
        return f"撤销状态登记于 {url}。", f"revocation status is kept at {url}."

    def revocation(self) -> tuple[str, str]:
        self.need("status-entry")
        if self.status is None:
            raise _NotChecked(
                "离线核验未检查撤销状态；请联网核验。",
                "revocation is not checked offline; verify online to see it.",
            )
        url, index = entry_index(self.document["credentialStatus"])
        try:
            bits = verified_status_list(self.status, url, self.trust.status_issuers, self.now)
            revoked = bits.get(index)
        except RegistryError as exc:
            raise _NotChecked(
                f"无法检查撤销状态：{exc.zh}", f"cannot check revocation: {exc.en}"
            ) from None
        if revoked:
            raise _Revoked
        return "状态列表显示证书未被撤销。", "the status list shows the certificate is not revoked."


def _malformed(zh: str, en: str) -> MalformedCredential:
    return MalformedCredential(f"证书格式不符：{zh}。", f"not a certificate document: {en}.")


def _urn_uuid(value: object, what: str) -> None:
    """A ``urn:uuid:`` in the one lowercase form, as the registry's ids are compared as text."""
    text = value.removeprefix("urn:uuid:") if isinstance(value, str) else ""
    try:
        canonical = value == f"urn:uuid:{uuid.UUID(text)}"
    except ValueError:
        canonical = False
    if not canonical:
        raise _malformed(f"{what} 必须是 urn:uuid", f"{what} must be a lowercase urn:uuid")


def _date(value: object, what: str) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _malformed(f"{what} 必须是 YYYY-MM-DD 日期", f"{what} must be a YYYY-MM-DD date")
