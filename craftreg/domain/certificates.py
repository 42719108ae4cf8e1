"""Certificates (证书, Art. 15) and benefits (待遇, Art. 18); records of the 2024 pilot (Art. 24).

The number is human-friendly: a tier prefix, the year and a sequence — ``DG-2027-00012``
(大国工匠), ``S33-2027-00031`` (省级, with the province code), ``M3301-2027-00007`` (市级, with
the city code). The holder's verification code never appears in an event: only its digest,
SHA-256 over ``craftreg/code/v1\\n<number>\\n<code>``.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.discipline import revocation_approved
from craftreg.domain.errors import RuleViolation
from craftreg.domain.identity import SealedIdentity
from craftreg.domain.lifecycle import CaseStatus, Certificate, CertificateStatus, CultivationStatus
from craftreg.domain.rules import (
    event_date,
    new_stream,
    nonempty,
    own_record,
    parse_date,
    sha256_hex,
    signer,
    unknown,
)
from craftreg.domain.state import Admission, Change, EventKind, RegistryState
from craftreg.domain.tiers import CULTIVATING_KIND, Tier

PILOT_SCHEME = "总工发〔2024〕1号"
_NUMBER = re.compile(r"(DG|S\d{2}|M\d{4})-(\d{4})-(\d{5})")


class Benefit(StrEnum):
    """Art. 18: visits, health checks, recuperation and medical services."""

    VISIT = "visit"  # 走访慰问
    HEALTH_CHECK = "health_check"  # 健康体检
    RECUPERATION = "recuperation"  # 疗休养
    MEDICAL_SERVICE = "medical_service"  # 就医服务


def number_prefix(tier: Tier, body_region: str | None) -> str:
    if tier is Tier.NATIONAL:
        return "DG"
    assert body_region is not None
    return f"S{body_region[:2]}" if tier is Tier.PROVINCIAL else f"M{body_region[:4]}"


def code_digest(number: str, code: str) -> str:
    return hashlib.sha256(f"craftreg/code/v1\n{number}\n{code}".encode()).hexdigest()


class CertificateIssued(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    cultivation: str
    number: str
    holder_name: str
    trade: str
    employer: str
    issue_date: str
    code_digest: str
    benefits: list[Benefit]


class PilotCertificateImported(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A certificate of the 2024 pilot scheme, imported and marked so (Art. 24)."""

    body: str
    tier: Tier
    number: str
    holder_name: str
    identity: SealedIdentity
    trade: str
    employer: str
    issue_date: str
    code_digest: str
    benefits: list[Benefit]
    source_document: str  # SHA-256 of the pilot record
    scheme: str  # the mark: always 总工发〔2024〕1号


class BenefitDelivered(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    benefit: Benefit
    date: str
    detail: str


class CertificateRevoked(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """撤销证书 (Art. 20): executes an approved discipline decision; benefits end."""

    case: str
    effective: str


def _check_new(state: RegistryState, number: str, digest: str, tier: Tier, code: str) -> None:
    life = state.lifecycle
    nonempty(number, "number")
    if number in life.numbers:
        raise RuleViolation(
            f"证书编号 {number} 已被使用。",
            f"certificate number {number} is taken.",
            code="number-taken",
        )
    sha256_hex(code, "code_digest")
    if (digest, tier) in life.live_certificates:
        raise RuleViolation(
            "此人已持有同一层级的有效证书。",
            "this person already holds a valid certificate of this tier.",
            code="live-certificate-exists",
        )


def _add(state: RegistryState, certificate: Certificate) -> None:
    life = state.lifecycle
    life.certificates[certificate.id] = certificate
    life.numbers[certificate.number] = certificate.id
    life.live_certificates[(certificate.digest, certificate.tier)] = certificate.id
    life.holdings.setdefault(certificate.digest, []).append(certificate.id)


def issue(state: RegistryState, a: Admission) -> Change:
    p: CertificateIssued = a.payload
    life = state.lifecycle
    cultivation = life.cultivations.get(p.cultivation)
    if cultivation is None:
        raise unknown("培养记录", "cultivation", p.cultivation)
    state.chain.require_at(signer(a), Role.CERTIFIER, cultivation.body)
    new_stream(a)
    if cultivation.status is not CultivationStatus.PASSED or cultivation.certificate is not None:
        raise RuleViolation(
            "只有考核合格且尚未发证的培养才能发证（第十五条）。",
            "only a passed assessment without a certificate yet leads to one (Art. 15).",
            code="not-passed",
        )
    if cultivation.tainted:
        raise RuleViolation(
            "此培养已因弄虚作假被标记，不能发证。",
            "this cultivation is tainted by falsification.",
            code="tainted",
        )
    match = _NUMBER.fullmatch(p.number)
    region = state.chain.organisations[cultivation.body].region
    issued = parse_date(p.issue_date, "issue_date")
    if (
        match is None
        or match.group(1) != number_prefix(cultivation.tier, region)
        or int(match.group(2)) != issued.year
    ):
        raise RuleViolation(
            "证书编号须为“层级前缀-年份-五位序号”，如 DG-2027-00012。",
            "the number must be tier prefix, year and a five-digit sequence, e.g. DG-2027-00012.",
            code="invalid-number",
        )
    if not parse_date(cultivation.end, "end") <= issued <= event_date(a):
        raise RuleViolation(
            "发证日期须在培养期结束后、且不晚于今天。",
            "the issue date lies after the period, not in the future.",
            code="invalid-date",
        )
    for text, what in (
        (p.holder_name, "holder_name"),
        (p.trade, "trade"),
        (p.employer, "employer"),
    ):
        nonempty(text, what)
    _check_new(state, p.number, cultivation.digest, cultivation.tier, p.code_digest)
    stream = a.envelope.stream

    def apply() -> None:
        cultivation.certificate = stream
        _add(
            state,
            Certificate(
                stream,
                p.number,
                cultivation.digest,
                cultivation.tier,
                cultivation.body,
                cultivation.id,
                p.code_digest,
                issued_at=a.position,
            ),
        )

    return apply


def import_pilot(state: RegistryState, a: Admission) -> Change:
    p: PilotCertificateImported = a.payload
    body = state.chain.organisation(p.body)
    state.chain.require_at(signer(a), Role.CERTIFIER, body.id)
    new_stream(a)
    if body.kind is not CULTIVATING_KIND[p.tier] or p.scheme != PILOT_SCHEME:
        raise RuleViolation(
            "试点证书的层级、培养主体或依据不符。",
            "the pilot record's tier, body or scheme does not match.",
            code="invalid-pilot-record",
        )
    p.identity.check()
    sha256_hex(p.source_document, "source_document")
    if parse_date(p.issue_date, "issue_date").year != 2024:
        raise RuleViolation(
            "试点证书须于 2024 年颁发（第二十四条）。",
            "pilot certificates were issued in 2024 (Art. 24).",
            code="invalid-pilot-record",
        )
    _check_new(state, p.number, p.identity.digest, p.tier, p.code_digest)
    stream = a.envelope.stream

    def apply() -> None:
        _add(
            state,
            Certificate(
                stream,
                p.number,
                p.identity.digest,
                p.tier,
                body.id,
                None,
                p.code_digest,
                issued_at=a.position,
            ),
        )

    return apply


def _valid(state: RegistryState, a: Admission, role: Role) -> Certificate:
    found = own_record(state.lifecycle.certificates, a, "证书", "certificate")
    state.chain.require_at(signer(a), role, found.body)
    if found.status is not CertificateStatus.VALID:
        raise RuleViolation(
            "证书已撤销，待遇已终止（第二十条）。",
            "the certificate is revoked; its benefits have ended (Art. 20).",
            code="certificate-revoked",
        )
    return found


def deliver(state: RegistryState, a: Admission) -> Change:
    p: BenefitDelivered = a.payload
    found = _valid(state, a, Role.CULTIVATION_OFFICER)
    if parse_date(p.date, "date") > event_date(a):
        raise RuleViolation(
            "不能记录未来的待遇。",
            "a benefit cannot be recorded before it is delivered.",
            code="future-date",
        )
    nonempty(p.detail, "detail")

    def apply() -> None:
        day = (p.benefit.value, p.date)
        found.benefit_days[day] = found.benefit_days.get(day, 0) + 1

    return apply


def revoke(state: RegistryState, a: Admission) -> Change:
    p: CertificateRevoked = a.payload
    found = _valid(state, a, Role.DISCIPLINE_OFFICER)
    case = revocation_approved(state, p.case, found)
    # Executing is the act of withdrawing (收回证书): recorded on or after the day it takes
    # effect, so that the certificate's status and every dated view agree from then on.
    if parse_date(p.effective, "effective") > event_date(a):
        raise RuleViolation(
            f"撤销将于 {p.effective} 生效，请在生效之日或之后执行。",
            f"the revocation takes effect on {p.effective}: execute it on that day or later.",
            code="future-date",
        )

    def apply() -> None:
        found.status = CertificateStatus.REVOKED
        found.revoked = {"effective": p.effective, "ground": case.ground, "case": case.id}
        state.lifecycle.live_certificates.pop((found.digest, found.tier), None)
        case.status = CaseStatus.EXECUTED

    return apply


KINDS = (
    EventKind("CertificateIssued", CertificateIssued, issue, "颁发证书 (Art. 15)"),
    EventKind(
        "PilotCertificateImported", PilotCertificateImported, import_pilot, "导入试点证书 (Art. 24)"
    ),
    EventKind("BenefitDelivered", BenefitDelivered, deliver, "落实待遇 (Art. 18)"),
    EventKind("CertificateRevoked", CertificateRevoked, revoke, "撤销证书 (Art. 20)"),
)
