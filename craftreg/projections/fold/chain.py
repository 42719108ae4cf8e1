"""The chain of authority, policies and provincial reports, as the views keep them."""

from __future__ import annotations

import msgspec

from craftreg.domain import enrolment, reports
from craftreg.domain.envelope import b64decode, key_id
from craftreg.domain.tiers import PolicyAdopted
from craftreg.projections.fold.common import province_and_city
from craftreg.projections.records import Event
from craftreg.projections.working import WorkingSet


def _key(
    ws: WorkingSet, e: Event, key: str, actor: str, organisation: str, enrolled_by: str | None
) -> None:
    """A key enters the chain of authority, vouched for by the key that signed its enrolment
    or rotation (登记密钥) — the edge discipline support follows (reach.py)."""
    ws.put(
        "keys",
        {
            "key": key,
            "actor": actor,
            "organisation": organisation,
            "enrolled_at": e.position,
            "enrolled_by": enrolled_by,
            "retired_at": None,
            "retired_by": None,
        },
    )


def founded(ws: WorkingSet, e: Event) -> None:
    p: enrolment.RegistryFounded = e.payload
    ws.put(
        "organisations",
        {
            "id": p.national_federation,
            "kind": "national_federation",
            "name": p.national_federation_name,
            "parent": None,
            "region": None,
            "province": None,
            "position": e.position,
        },
    )
    ws.put(
        "actors",
        {
            "id": p.root_actor,
            "organisation": p.national_federation,
            "name": p.root_actor_name,
            "roles": ["registrar"],
            "key": e.signer,  # genesis is signed by the root key it pins
            "position": e.position,
        },
    )
    # The root key signs the genesis that pins it: no other key vouches for it.
    _key(ws, e, e.signer, p.root_actor, p.national_federation, None)


def organisation(ws: WorkingSet, e: Event) -> None:
    p: enrolment.OrganisationRegistered = e.payload
    province = province_and_city(p.region)[0]
    if province is None:
        province = ws.need("organisations", p.parent)["province"]
    ws.put(
        "organisations",
        {
            "id": e.stream,
            "kind": p.kind.value,
            "name": p.name,
            "parent": p.parent,
            "region": p.region,
            "province": province,
            "position": e.position,
        },
    )


def actor(ws: WorkingSet, e: Event) -> None:
    p: enrolment.ActorEnrolled = e.payload
    key = key_id(b64decode(p.public_key, what="public_key"))
    ws.put(
        "actors",
        {
            "id": e.stream,
            "organisation": p.organisation,
            "name": p.name,
            "roles": sorted(r.value for r in p.roles),
            "key": key,
            "position": e.position,
        },
    )
    _key(ws, e, key, e.stream, p.organisation, e.signer)


def _retire(ws: WorkingSet, e: Event, how: str) -> dict[str, object]:
    subject = ws.need("actors", e.stream)
    if subject["key"] is not None:
        old = ws.need("keys", subject["key"])
        old["retired_at"], old["retired_by"] = e.position, how
        ws.touch("keys", old)
    ws.touch("actors", subject)
    return subject


def key_rotated(ws: WorkingSet, e: Event) -> None:
    p: enrolment.ActorKeyRotated = e.payload
    subject = _retire(ws, e, "rotated")
    subject["key"] = key_id(b64decode(p.public_key, what="public_key"))
    _key(ws, e, str(subject["key"]), e.stream, str(subject["organisation"]), e.signer)


def key_revoked(ws: WorkingSet, e: Event) -> None:
    _retire(ws, e, "revoked")["key"] = None


def roles_changed(ws: WorkingSet, e: Event) -> None:
    p: enrolment.ActorRolesChanged = e.payload
    subject = ws.need("actors", e.stream)
    subject["roles"] = sorted(r.value for r in p.roles)
    ws.touch("actors", subject)
    # The actor row keeps only the current roles; discipline support needs who set each set
    # and from when, to follow the signing key to what the actor signed next (reach.py).
    ws.insert(
        "role_changes",
        {"position": e.position, "actor": e.stream, "roles": subject["roles"], "signer": e.signer},
    )


def policy(ws: WorkingSet, e: Event) -> None:
    p: PolicyAdopted = e.payload
    ws.put(
        "policies",
        {
            "id": e.stream,
            "version": p.version,
            "label": p.label,
            "position": e.position,
            "targets": {tier.value: n for tier, n in p.targets_2035.items()},
            "tiers": {tier.value: msgspec.to_builtins(rule) for tier, rule in p.tiers.items()},
        },
    )


def report_submitted(ws: WorkingSet, e: Event) -> None:
    p: reports.ReportSubmitted = e.payload
    ws.put(
        "reports",
        {
            "id": e.stream,
            "province": p.province,
            "region": ws.need("organisations", p.province)["region"],
            "period": p.period,
            "content_hash": p.content_hash,
            "summary": dict(p.summary),
            "submitted_at": e.time,
            "signer": e.signer,
            "acknowledged": False,
            "acknowledged_at": None,
        },
    )


def report_acknowledged(ws: WorkingSet, e: Event) -> None:
    report = ws.need("reports", e.stream)
    report["acknowledged"], report["acknowledged_at"] = True, e.time
    ws.touch("reports", report)


HANDLERS = {
    "RegistryFounded": founded,
    "OrganisationRegistered": organisation,
    "ActorEnrolled": actor,
    "ActorKeyRotated": key_rotated,
    "ActorKeyRevoked": key_revoked,
    "ActorRolesChanged": roles_changed,
    "PolicyAdopted": policy,
    "ReportSubmitted": report_submitted,
    "ReportAcknowledged": report_acknowledged,
}
