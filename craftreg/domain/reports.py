"""Periodic provincial reports (定期报告, Art. 22): submitted by a province, acknowledged nationally."""

from __future__ import annotations

import msgspec

from craftreg.domain.authority import OrgKind, Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import Report
from craftreg.domain.rules import new_stream, nonempty, own_record, sha256_hex, signer
from craftreg.domain.state import Admission, Change, EventKind, RegistryState


class ReportSubmitted(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The province's report on provincial and municipal cultivation for a period."""

    province: str  # the provincial federation
    period: int  # the year reported on
    content_hash: str  # SHA-256 of the report document
    summary: dict[str, int]  # headline figures, e.g. certified_provincial, revoked


class ReportAcknowledged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    comment: str


def submit(state: RegistryState, a: Admission) -> Change:
    p: ReportSubmitted = a.payload
    province = state.chain.organisation(p.province)
    if province.kind is not OrgKind.PROVINCIAL_FEDERATION:
        raise RuleViolation(
            "定期报告由省级总工会报送（第二十二条）。",
            "reports come from provincial federations (Art. 22).",
            code="not-a-province",
        )
    state.chain.require_at(signer(a), Role.REPORTER, province.id)
    new_stream(a)
    sha256_hex(p.content_hash, "content_hash")
    if not 2024 <= p.period <= a.envelope.moment.year:
        raise RuleViolation(
            "报告期不合理。", "the report period is out of range.", code="invalid-period"
        )
    if any(value < 0 for value in p.summary.values()):
        raise RuleViolation(
            "汇总数字不能为负。", "summary figures cannot be negative.", code="invalid-summary"
        )
    if any(
        r.province == province.id and r.period == p.period for r in state.lifecycle.reports.values()
    ):
        raise RuleViolation(
            "该省本期报告已报送。",
            "this province has already reported for this period.",
            code="already-reported",
        )
    stream = a.envelope.stream

    def apply() -> None:
        state.lifecycle.reports[stream] = Report(stream, province.id, p.period, p.content_hash)

    return apply


def acknowledge(state: RegistryState, a: Admission) -> Change:
    p: ReportAcknowledged = a.payload
    report = own_record(state.lifecycle.reports, a, "报告", "report")
    state.chain.require_at(signer(a), Role.REVIEWER, state.chain.national_federation)
    nonempty(p.comment, "comment")
    if report.acknowledged:
        raise RuleViolation(
            "该报告已确认收到。",
            "this report is already acknowledged.",
            code="already-acknowledged",
        )

    def apply() -> None:
        report.acknowledged = True

    return apply


KINDS = (
    EventKind("ReportSubmitted", ReportSubmitted, submit, "报送定期报告 (Art. 22)"),
    EventKind("ReportAcknowledged", ReportAcknowledged, acknowledge, "确认收到报告 (Art. 22)"),
)
