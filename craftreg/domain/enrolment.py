"""Events that build the chain of authority: genesis, organisations, actors and their keys."""

from __future__ import annotations

import msgspec

from craftreg.domain.authority import Actor, Key, Organisation, OrgKind, Role
from craftreg.domain.envelope import b64decode, key_id
from craftreg.domain.errors import GenesisError, MalformedEnvelope, RuleViolation
from craftreg.domain.rules import new_stream, nonempty, signer
from craftreg.domain.state import Admission, Change, EventKind, RegistryState


class Payload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class RegistryFounded(Payload):
    """创始: pins the origin name, the root key and the national federation (全国总工会)."""

    origin: str
    root_public_key: str
    national_federation: str  # organisation id (UUID)
    national_federation_name: str
    root_actor: str  # actor id (UUID) of the root key's holder
    root_actor_name: str


class OrganisationRegistered(Payload):
    """单位登记: an organisation under a parent, with its jurisdiction."""

    kind: OrgKind
    name: str
    parent: str
    region: str | None = None


class ActorEnrolled(Payload):
    """经办人登记: a person acting for an organisation, with a key and roles."""

    organisation: str
    name: str
    roles: list[Role]
    public_key: str


class ActorKeyRotated(Payload):
    """密钥更换: the new key replaces the current one from this position on."""

    public_key: str


class ActorKeyRevoked(Payload):
    """密钥吊销: the current key signs nothing after this position; earlier signatures stand."""

    key: str
    reason: str


class ActorRolesChanged(Payload):
    """角色调整."""

    roles: list[Role]


def _public_key(text: str) -> bytes:
    try:
        return b64decode(text, what="public_key")
    except MalformedEnvelope as exc:
        raise RuleViolation(exc.zh, exc.en, code="invalid-public-key") from None


def _roles(roles: list[Role]) -> frozenset[Role]:
    if not roles or len(set(roles)) != len(roles):
        raise RuleViolation(
            "角色列表不能为空，也不能重复。",
            "roles must be non-empty and distinct.",
            code="invalid-roles",
        )
    return frozenset(roles)


def found(state: RegistryState, a: Admission) -> Change:
    p: RegistryFounded = a.payload
    if state.chain.founded:
        raise GenesisError("登记处已创立，不能再次创立。", "the registry is already founded.")
    root = _public_key(p.root_public_key)
    if len(root) != 32 or a.envelope.signer != key_id(root):
        raise GenesisError(
            "创始事件必须由其中写明的根密钥签署。",
            "the genesis event must be signed by the root key it pins.",
        )
    a.signed.verify(root)
    for text, what in (
        (p.origin, "origin"),
        (p.national_federation_name, "national_federation_name"),
    ):
        nonempty(text, what)
    if len({a.envelope.stream, p.national_federation, p.root_actor}) != 3:
        raise GenesisError("创始事件中的标识必须互不相同。", "the ids in genesis must be distinct.")
    chain = state.chain

    def apply() -> None:
        root_id = key_id(root)
        chain.origin, chain.registry, chain.root_key = p.origin, a.envelope.stream, root_id
        chain.national_federation = p.national_federation
        chain.organisations[p.national_federation] = Organisation(
            p.national_federation,
            OrgKind.NATIONAL_FEDERATION,
            p.national_federation_name,
            None,
            None,
        )
        chain.actors[p.root_actor] = Actor(
            p.root_actor,
            p.national_federation,
            p.root_actor_name,
            frozenset({Role.REGISTRAR}),
            root_id,
        )
        chain.keys[root_id] = Key(root_id, root, p.root_actor)

    return apply


def register_organisation(state: RegistryState, a: Admission) -> Change:
    p: OrganisationRegistered = a.payload
    chain = state.chain
    nonempty(p.name, "name")
    parent = chain.organisation(p.parent)
    chain.require(signer(a), Role.REGISTRAR, over=parent.id)
    new_stream(a)
    chain.check_placement(p.kind, parent, p.region)
    stream = a.envelope.stream

    def apply() -> None:
        chain.organisations[stream] = Organisation(stream, p.kind, p.name, p.parent, p.region)
        if p.kind is OrgKind.PROVINCIAL_FEDERATION and p.region is not None:
            chain.province_federations[p.region] = stream

    return apply


def enrol_actor(state: RegistryState, a: Admission) -> Change:
    p: ActorEnrolled = a.payload
    chain = state.chain
    nonempty(p.name, "name")
    org = chain.organisation(p.organisation)
    chain.require(signer(a), Role.REGISTRAR, over=org.id)
    new_stream(a)
    roles = _roles(p.roles)
    public = _public_key(p.public_key)
    new_key = chain.check_new_key(public)
    stream = a.envelope.stream

    def apply() -> None:
        chain.actors[stream] = Actor(stream, p.organisation, p.name, roles, new_key)
        chain.keys[new_key] = Key(new_key, public, stream)

    return apply


def rotate_key(state: RegistryState, a: Admission) -> Change:
    p: ActorKeyRotated = a.payload
    subject = _subject_actor(state, a, self_allowed=True)
    public = _public_key(p.public_key)
    new_key = state.chain.check_new_key(public)
    keys = state.chain.keys

    def apply() -> None:
        if subject.key is not None:
            keys[subject.key].retired_at, keys[subject.key].retired_by = a.position, "更换"
        subject.key = new_key
        keys[new_key] = Key(new_key, public, subject.id)

    return apply


def revoke_key(state: RegistryState, a: Admission) -> Change:
    p: ActorKeyRevoked = a.payload
    subject = _subject_actor(state, a, self_allowed=True)
    nonempty(p.reason, "reason")
    if subject.key != p.key:
        raise RuleViolation(
            f"密钥 {p.key} 不是 {subject.name} 当前使用的密钥。",
            f"key {p.key} is not {subject.name}'s current key.",
            code="not-current-key",
        )
    key = state.chain.keys[p.key]

    def apply() -> None:
        key.retired_at, key.retired_by = a.position, "吊销"
        subject.key = None

    return apply


def change_roles(state: RegistryState, a: Admission) -> Change:
    p: ActorRolesChanged = a.payload
    subject = _subject_actor(state, a, self_allowed=False)
    if signer(a).id == subject.id:
        raise RuleViolation(
            "经办人不能调整自己的角色，须由上级登记员办理。",
            "an actor cannot change their own roles; a registrar above them must.",
            code="own-roles",
        )
    roles = _roles(p.roles)

    def apply() -> None:
        subject.roles = roles

    return apply


def _subject_actor(state: RegistryState, a: Admission, *, self_allowed: bool) -> Actor:
    """The actor whose stream this is; a registrar above it, or (where allowed) itself, signs."""
    subject = state.chain.actors.get(a.envelope.stream)
    if subject is None:
        raise RuleViolation(
            f"记录 {a.envelope.stream} 不是已登记的经办人。",
            f"record {a.envelope.stream} is not an enrolled actor.",
            code="unknown-actor",
        )
    actor = signer(a)
    if not (self_allowed and actor.id == subject.id):
        state.chain.require(actor, Role.REGISTRAR, over=subject.organisation)
    return subject


KINDS = (
    EventKind("RegistryFounded", RegistryFounded, found, "genesis (创始)"),
    EventKind("OrganisationRegistered", OrganisationRegistered, register_organisation, "单位登记"),
    EventKind("ActorEnrolled", ActorEnrolled, enrol_actor, "经办人登记"),
    EventKind("ActorKeyRotated", ActorKeyRotated, rotate_key, "密钥更换"),
    EventKind("ActorKeyRevoked", ActorKeyRevoked, revoke_key, "密钥吊销"),
    EventKind("ActorRolesChanged", ActorRolesChanged, change_roles, "角色调整"),
)
