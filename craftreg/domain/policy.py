"""Adopting a policy (政策采纳): the national federation records thresholds and targets."""

from __future__ import annotations

from craftreg.domain.authority import Role
from craftreg.domain.errors import RuleViolation
from craftreg.domain.lifecycle import Policy
from craftreg.domain.rules import new_stream, signer
from craftreg.domain.state import Admission, Change, EventKind, RegistryState
from craftreg.domain.tiers import PolicyAdopted, Tier


def adopt(state: RegistryState, a: Admission) -> Change:
    """Only the national federation adopts policy (Art. 23: it interprets the measures).

    Each version is a record of its own, so a policy has its own history in the log.
    """
    p: PolicyAdopted = a.payload
    chain = state.chain
    chain.require_at(signer(a), Role.REGISTRAR, chain.national_federation)
    new_stream(a)
    if set(p.tiers) != set(Tier) or set(p.targets_2035) != set(Tier):
        raise RuleViolation(
            "政策须为三个层级各定门槛和目标。",
            "a policy sets thresholds and targets for all three tiers.",
            code="incomplete-policy",
        )
    for rule in p.tiers.values():
        if not (0 <= rule.min_frontline_years <= 50 and 1 <= rule.min_force_rating <= 5):
            raise RuleViolation(
                "政策门槛超出合理范围。",
                "a policy threshold is out of range.",
                code="invalid-policy",
            )
    known = state.lifecycle
    if any(old.version == p.version for old in known.policies):
        raise RuleViolation(
            f"政策版本 {p.version} 已存在。",
            f"policy version {p.version} already exists.",
            code="policy-exists",
        )

    def apply() -> None:
        known.policies.append(Policy(p.version, p, a.position))

    return apply


KINDS = (EventKind("PolicyAdopted", PolicyAdopted, adopt, "政策采纳 (Art. 2, 5–7)"),)
