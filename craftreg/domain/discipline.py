"""The exit mechanism (退出机制, Art. 20): a case, its evidence and findings, four-eyes approval.

A discipline officer opens a case on one ground — falsification (弄虚作假), violation of
discipline or law (违纪违法), other unsuitability (其他不适宜) — and proposes a decision; a
discipline approver who is not the proposer approves or rejects it. An approved revocation is
executed on the certificate (certificates.CertificateRevoked). Where the falsification concerns
the nomination itself, the nomination and everything derived from it are marked as tainted.
Nothing is deleted: the history stays.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import Case, CaseStatus, Certificate
from craftreg.domain.rules import (
    new_stream,
    nonempty,
    own_record,
    parse_date,
    sha256_hex,
    signer,
    unknown,
)
from craftreg.domain.state import Admission, Change, EventKind, RegistryState


class Ground(StrEnum):
    FALSIFICATION = "falsification"  # 弄虚作假
    VIOLATION = "violation"  # 违纪违法
    UNSUITABILITY = "unsuitability"  # 其他不适宜


class SubjectKind(StrEnum):
    PERSON = "person"  # by identity digest
    CERTIFICATE = "certificate"
    NOMINATION = "nomination"


class Decision(StrEnum):
    REVOKE = "revoke"
    NO_ACTION = "no_action"


class Subject(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: SubjectKind
    id: str


class CaseOpened(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subject: Subject
    ground: Ground
    body: str  # the federation responsible: the subject's cultivating body or one above
    summary: str


class EvidenceAttached(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sha256: str
    description: str


class FindingRecorded(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: str


class DecisionProposed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Decision
    effective: str
    reasons: str
    taints_nomination: bool = False


class DecisionApproved(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    comment: str


class DecisionRejected(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reasons: str


def _subject_bodies(state: RegistryState, subject: Subject) -> list[str]:
    """The cultivating bodies concerned by a subject; a person concerns all that cultivated them."""
    life = state.lifecycle
    if subject.kind is SubjectKind.CERTIFICATE:
        certificate = life.certificates.get(subject.id)
        return [] if certificate is None else [certificate.body]
    if subject.kind is SubjectKind.NOMINATION:
        nomination = life.nominations.get(subject.id)
        return [] if nomination is None else [life.rounds[nomination.round].body]
    return sorted({life.certificates[c].body for c in life.holdings.get(subject.id, ())})


def open_case(state: RegistryState, a: Admission) -> Change:
    p: CaseOpened = a.payload
    bodies = _subject_bodies(state, p.subject)
    if not bodies:
        raise unknown("案件对象", "case subject", p.subject.id)
    state.chain.organisation(p.body)
    if not any(p.body in state.chain.lineage(body) for body in bodies):
        raise RuleViolation(
            "立案单位须为培养主体或其上级。",
            "the case belongs to the cultivating body or one above it.",
            code="outside-jurisdiction-case",
        )
    state.chain.require(signer(a), Role.DISCIPLINE_OFFICER, over=p.body)
    new_stream(a)
    nonempty(p.summary, "summary")
    stream = a.envelope.stream

    def apply() -> None:
        state.lifecycle.cases[stream] = Case(
            stream, p.subject.kind.value, p.subject.id, p.ground.value, p.body
        )

    return apply


def _case(state: RegistryState, a: Admission, role: Role, *statuses: CaseStatus) -> Case:
    case = own_record(state.lifecycle.cases, a, "案件", "case")
    state.chain.require(signer(a), role, over=case.body)
    if case.status not in statuses:
        raise RuleViolation(
            f"案件当前状态为“{case.status.value}”，不能办理此事项。",
            f"the case is {case.status.value}; this step does not apply.",
            code="wrong-case-status",
        )
    return case


def attach_evidence(state: RegistryState, a: Admission) -> Change:
    p: EvidenceAttached = a.payload
    case = _case(state, a, Role.DISCIPLINE_OFFICER, CaseStatus.OPEN)
    sha256_hex(p.sha256, "evidence")
    nonempty(p.description, "description")

    def apply() -> None:
        case.evidence.append(p.sha256)

    return apply


def record_finding(state: RegistryState, a: Admission) -> Change:
    p: FindingRecorded = a.payload
    case = _case(state, a, Role.DISCIPLINE_OFFICER, CaseStatus.OPEN)
    nonempty(p.text, "finding")

    def apply() -> None:
        case.findings += 1

    return apply


def propose(state: RegistryState, a: Admission) -> Change:
    p: DecisionProposed = a.payload
    case = _case(state, a, Role.DISCIPLINE_OFFICER, CaseStatus.OPEN)
    nonempty(p.reasons, "reasons")
    parse_date(p.effective, "effective")
    if not case.findings:
        raise RuleViolation(
            "须先记录调查结论再提出处理意见。",
            "record findings before proposing a decision.",
            code="findings-required",
        )
    if p.taints_nomination and (
        case.ground != Ground.FALSIFICATION or p.decision is not Decision.REVOKE
    ):
        raise RuleViolation(
            "只有认定弄虚作假并决定撤销时才标记推荐材料。",
            "only a revoking decision on falsification taints a nomination.",
            code="taint-needs-falsification",
        )
    actor = signer(a)

    def apply() -> None:
        case.status = CaseStatus.PROPOSED
        case.proposal = {
            "decision": p.decision.value,
            "effective": p.effective,
            "proposer": actor.id,
            "taints": "yes" if p.taints_nomination else "no",
        }

    return apply


def approve(state: RegistryState, a: Admission) -> Change:
    """Four eyes: the approver is another person than the proposer (Art. 20: 审核批准)."""
    p: DecisionApproved = a.payload
    case = _case(state, a, Role.DISCIPLINE_APPROVER, CaseStatus.PROPOSED)
    _four_eyes(case, a)
    nonempty(p.comment, "comment")

    def apply() -> None:
        case.status = CaseStatus.APPROVED
        case.approved_at = a.position
        if case.proposal is not None and case.proposal["taints"] == "yes":
            _taint(state, case)

    return apply


def reject(state: RegistryState, a: Admission) -> Change:
    p: DecisionRejected = a.payload
    case = _case(state, a, Role.DISCIPLINE_APPROVER, CaseStatus.PROPOSED)
    _four_eyes(case, a)
    nonempty(p.reasons, "reasons")

    def apply() -> None:
        case.status = CaseStatus.OPEN
        case.proposal = None

    return apply


def _four_eyes(case: Case, a: Admission) -> None:
    if case.proposal is not None and case.proposal["proposer"] == signer(a).id:
        raise RuleViolation(
            "提出处理意见的人不能自己审批（双人复核）。",
            "the proposer cannot approve their own proposal (four eyes).",
            code="four-eyes",
        )


def _taint(state: RegistryState, case: Case) -> None:
    """Mark the nomination the falsification concerns, and everything derived from it."""
    life = state.lifecycle
    nominations: set[str] = set()
    if case.subject_kind == SubjectKind.NOMINATION:
        nominations.add(case.subject)
    for certificate in _named(state, case.subject):
        cultivation = life.cultivations.get(certificate.cultivation or "")
        if (
            cultivation is not None
            and cultivation.certificate == certificate.id
            and _covers(state, case, certificate)
        ):
            nominations.add(cultivation.nomination)
    for nomination_id in nominations:
        nomination = life.nominations[nomination_id]
        nomination.tainted = True
        cultivation = life.cultivations.get(nomination.cultivation or "")
        if cultivation is not None:
            cultivation.tainted = True
            if cultivation.certificate is not None:
                life.certificates[cultivation.certificate].tainted = True


def _named(state: RegistryState, subject: str) -> list[Certificate]:
    """The certificates a case's subject can name: by id, by holder, or by nomination (the
    candidates ``_covers`` then decides on), found by key rather than by scanning them all."""
    life = state.lifecycle
    ids = [subject, *life.holdings.get(subject, ())]
    nomination = life.nominations.get(subject)
    cultivation = life.cultivations.get(nomination.cultivation or "") if nomination else None
    if cultivation is not None and cultivation.certificate is not None:
        ids.append(cultivation.certificate)
    found = (life.certificates.get(i) for i in dict.fromkeys(ids))
    return [c for c in found if c is not None]


def revocation_approved(state: RegistryState, case_id: str, certificate: Certificate) -> Case:
    """The approved revoking case that covers this certificate, or a RuleViolation."""
    case = state.lifecycle.cases.get(case_id)
    if case is None:
        raise unknown("案件", "case", case_id)
    if (
        case.status not in (CaseStatus.APPROVED, CaseStatus.EXECUTED)
        or case.proposal is None
        or case.proposal["decision"] != Decision.REVOKE
        or not _covers(state, case, certificate)
        or case.approved_at is None
        or certificate.issued_at > case.approved_at
    ):
        raise RuleViolation(
            "撤销证书须依据经审批同意、针对该证书的撤销决定（第二十条）。",
            "a revocation executes an approved revoking decision about this certificate (Art. 20).",
            code="no-approved-decision",
        )
    return case


def _covers(state: RegistryState, case: Case, certificate: Certificate) -> bool:
    """A case decides on a certificate it names, or that rests on the person or nomination it
    names — and only within its body's jurisdiction (Art. 3: each tier's own federation)."""
    named = case.subject in (
        certificate.id,
        certificate.digest,
        certificate_nomination(state, certificate),
    )
    return named and case.body in state.chain.lineage(certificate.body)


def certificate_nomination(state: RegistryState, certificate: Certificate) -> str | None:
    cultivation = state.lifecycle.cultivations.get(certificate.cultivation or "")
    return None if cultivation is None else cultivation.nomination


KINDS = (
    EventKind("CaseOpened", CaseOpened, open_case, "立案 (Art. 20)"),
    EventKind("EvidenceAttached", EvidenceAttached, attach_evidence, "附证据"),
    EventKind("FindingRecorded", FindingRecorded, record_finding, "调查结论"),
    EventKind("DecisionProposed", DecisionProposed, propose, "提出处理意见"),
    EventKind("DecisionApproved", DecisionApproved, approve, "审批同意 (Art. 20)"),
    EventKind("DecisionRejected", DecisionRejected, reject, "审批不同意"),
)
