"""The lifecycle decisions as a clerk takes them: one method per step, each one signed event.

``Casework`` adds the steps of the measures to ``Decisions``; the registry application, the
demo and the domain tests use the same methods, so the payloads are written in one place.
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec

from craftreg.decisions import Decisions
from craftreg.domain.certificates import code_digest
from craftreg.domain.tiers import DEFAULT_POLICY, PolicyAdopted, Tier
from craftreg.keys import Signer

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def as_typed(code: str) -> str:
    """The code a person typed, in the form it was issued: letter case, spaces and hyphens do
    not count (the alphabet has no lower case, and a code read aloud is often grouped)."""
    return "".join(code.split()).replace("-", "").upper()


def new_verification_code() -> str:
    """A holder's verification code: 12 characters, 60 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


class Casework(Decisions):
    def adopt_policy(self, signer: Signer, policy: PolicyAdopted = DEFAULT_POLICY) -> None:
        self.decide(signer, self.new_id(), "PolicyAdopted", msgspec.to_builtins(policy))

    def announce_round(
        self,
        signer: Signer,
        body: str,
        tier: Tier,
        year: int,
        quotas: dict[str, int],
        deadline: str,
        requirements: str = "按《工匠人才培育实施办法》第五至八条推荐",
        regions: list[str] | None = None,
        fields: list[str] | None = None,
    ) -> str:
        stream = self.new_id()
        self.decide(
            signer,
            stream,
            "RoundAnnounced",
            {
                "tier": tier.value,
                "year": year,
                "body": body,
                "scope": {"regions": regions or [], "fields": fields or []},
                "requirements": requirements,
                "deadline": deadline,
                "quotas": [
                    {
                        "unit": unit,
                        "quota": quota,
                        "factors": {
                            "regional_development": 50,
                            "manufacturing_level": 50,
                            "industrial_workforce": 1000,
                        },
                    }
                    for unit, quota in quotas.items()
                ],
            },
        )
        return stream

    def close_round(self, signer: Signer, round_id: str) -> None:
        self.decide(signer, round_id, "RoundClosed", {})

    def determine_list(self, signer: Signer, round_id: str, nominations: list[str]) -> None:
        self.decide(signer, round_id, "ListDetermined", {"nominations": nominations})

    def nominate(self, signer: Signer, round_id: str, unit: str, details: dict[str, Any]) -> str:
        stream = self.new_id()
        self.decide(
            signer,
            stream,
            "NominationSubmitted",
            {"round": round_id, "unit": unit, "details": details},
        )
        return stream

    def review(self, signer: Signer, nomination: str, decision: str, *reasons: str) -> None:
        self.decide(
            signer,
            nomination,
            "NominationReviewed",
            {"decision": decision, "reasons": list(reasons)},
        )

    def start_cultivation(
        self, signer: Signer, nomination: str, start: str, end: str, mentors: tuple[str, str]
    ) -> str:
        stream = self.new_id()
        forces = ("leadership", "achievement", "innovation", "focus", "inheritance")
        self.decide(
            signer,
            stream,
            "CultivationStarted",
            {
                "nomination": nomination,
                "plan": {force: f"提升{force}：项目攻关与带徒传艺" for force in forces},
                "start": start,
                "end": end,
                "mentors": {
                    "professional": {"name": mentors[0], "organisation": "工匠学院"},
                    "skills": {"name": mentors[1], "organisation": "企业技能大师工作室"},
                },
            },
        )
        return stream

    def record_activity(
        self,
        signer: Signer,
        cultivation: str,
        kind: str,
        date: str,
        institution: str,
        mode: str = "offline",
    ) -> None:
        self.decide(
            signer,
            cultivation,
            "ActivityRecorded",
            {
                "kind": kind,
                "date": date,
                "mode": mode,
                "institution": institution,
                "description": kind,
            },
        )

    def assess(
        self, signer: Signer, cultivation: str, scores: dict[str, int], passed: bool
    ) -> None:
        self.decide(
            signer,
            cultivation,
            "CultivationAssessed",
            {
                "scores": scores,
                "result": "pass" if passed else "fail",
                "assessors": ["考核组"],
                "comments": "综合考核",
            },
        )

    def issue_certificate(
        self,
        signer: Signer,
        cultivation: str,
        number: str,
        issue_date: str,
        holder: tuple[str, str, str],
        code: str,
    ) -> str:
        """``holder`` = (name, trade, employer); ``code`` is the holder's verification code."""
        stream = self.new_id()
        name, trade, employer = holder
        self.decide(
            signer,
            stream,
            "CertificateIssued",
            {
                "cultivation": cultivation,
                "number": number,
                "holder_name": name,
                "trade": trade,
                "employer": employer,
                "issue_date": issue_date,
                "code_digest": code_digest(number, code),
                "benefits": ["visit", "health_check", "recuperation", "medical_service"],
            },
        )
        return stream

    def open_case(self, signer: Signer, kind: str, subject: str, ground: str, body: str) -> str:
        stream = self.new_id()
        self.decide(
            signer,
            stream,
            "CaseOpened",
            {
                "subject": {"kind": kind, "id": subject},
                "ground": ground,
                "body": body,
                "summary": "举报核查",
            },
        )
        return stream

    def investigate(self, signer: Signer, case: str, evidence: str, finding: str) -> None:
        self.decide(
            signer, case, "EvidenceAttached", {"sha256": evidence, "description": "举报材料"}
        )
        self.decide(signer, case, "FindingRecorded", {"text": finding})

    def propose(
        self, signer: Signer, case: str, decision: str, effective: str, *, taints: bool = False
    ) -> None:
        self.decide(
            signer,
            case,
            "DecisionProposed",
            {
                "decision": decision,
                "effective": effective,
                "reasons": "经调查核实",
                "taints_nomination": taints,
            },
        )

    def approve(self, signer: Signer, case: str) -> None:
        self.decide(signer, case, "DecisionApproved", {"comment": "同意"})

    def revoke_certificate(
        self, signer: Signer, certificate: str, case: str, effective: str
    ) -> None:
        self.decide(
            signer, certificate, "CertificateRevoked", {"case": case, "effective": effective}
        )

    def submit_report(
        self, signer: Signer, province: str, period: int, content_hash: str, summary: dict[str, int]
    ) -> str:
        stream = self.new_id()
        self.decide(
            signer,
            stream,
            "ReportSubmitted",
            {
                "province": province,
                "period": period,
                "content_hash": content_hash,
                "summary": summary,
            },
        )
        return stream
