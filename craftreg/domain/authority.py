"""The chain of authority (授权链): who may sign what, as it stood at each point of the log.

The national federation (全国总工会) holds the root key pinned by genesis. Organisations are
registered under a parent, each with a jurisdiction; actors (经办人) are enrolled at an
organisation with an Ed25519 key and roles. A registrar (登记员) of an organisation acts for it
and for every organisation below it (Art. 3: each tier is cultivated by its own federation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from craftreg.domain.envelope import key_id
from craftreg.domain.errors import (
    GenesisError,
    OutsideJurisdiction,
    RevokedKey,
    RuleViolation,
    UnknownKey,
    WrongRole,
)
from craftreg.domain.regions import is_prefecture, is_province, province_of


class Role(StrEnum):
    REGISTRAR = "registrar"  # 登记员: registers organisations, enrols actors
    RECOMMENDER = "recommender"  # 推荐人 (Art. 9)
    REVIEWER = "reviewer"  # 审核人 (Art. 9)
    CULTIVATION_OFFICER = "cultivation_officer"  # 培养专员 (Art. 10–14)
    ASSESSOR = "assessor"  # 考核人 (Art. 15)
    CERTIFIER = "certifier"  # 发证人 (Art. 15)
    DISCIPLINE_OFFICER = "discipline_officer"  # 纪律专员 (Art. 20)
    DISCIPLINE_APPROVER = "discipline_approver"  # 纪律审批人 (Art. 20)
    REPORTER = "reporter"  # 报告人 (Art. 22)
    AUDITOR = "auditor"  # 审计员
    WITNESS = "witness"  # 见证人: cosigns ledger checkpoints


CULTIVATING_ROLES = (
    Role.REVIEWER,
    Role.CULTIVATION_OFFICER,
    Role.ASSESSOR,
    Role.CERTIFIER,
    Role.DISCIPLINE_OFFICER,
    Role.DISCIPLINE_APPROVER,
)
"""The officers of a cultivating body (Art. 3) and of its exit mechanism (Art. 20)."""


class OrgKind(StrEnum):
    NATIONAL_FEDERATION = "national_federation"  # 全国总工会
    PROVINCIAL_FEDERATION = "provincial_federation"  # 省级总工会
    PREFECTURE_FEDERATION = "prefecture_federation"  # 地市级总工会
    INDUSTRIAL_UNION = "industrial_union"  # 全国产业工会
    ORGAN_FEDERATION = "organ_federation"  # 中央和国家机关工会联合会
    ORGAN_DEPARTMENT = "organ_department"  # 经批准的中央和国家机关部门
    ENTERPRISE = "enterprise"  # 企业
    TRAINING_INSTITUTION = "training_institution"  # 院校、工匠学院等培训机构


FEDERATIONS = frozenset(
    {
        OrgKind.NATIONAL_FEDERATION,
        OrgKind.PROVINCIAL_FEDERATION,
        OrgKind.PREFECTURE_FEDERATION,
        OrgKind.INDUSTRIAL_UNION,
        OrgKind.ORGAN_FEDERATION,
    }
)

# Which kind of organisation may stand directly under which (the union's own structure).
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.NATIONAL_FEDERATION: frozenset(),
    OrgKind.PROVINCIAL_FEDERATION: frozenset({OrgKind.NATIONAL_FEDERATION}),
    OrgKind.PREFECTURE_FEDERATION: frozenset({OrgKind.PROVINCIAL_FEDERATION}),
    OrgKind.INDUSTRIAL_UNION: frozenset({OrgKind.NATIONAL_FEDERATION}),
    OrgKind.ORGAN_FEDERATION: frozenset({OrgKind.NATIONAL_FEDERATION}),
    OrgKind.ORGAN_DEPARTMENT: frozenset({OrgKind.ORGAN_FEDERATION}),
    OrgKind.ENTERPRISE: FEDERATIONS,
    OrgKind.TRAINING_INSTITUTION: FEDERATIONS,
}


@dataclass
class Organisation:
    id: str
    kind: OrgKind
    name: str
    parent: str | None
    region: str | None


@dataclass
class Actor:
    id: str
    organisation: str
    name: str
    roles: frozenset[Role]
    key: str | None


@dataclass
class Key:
    id: str
    public_key: bytes
    actor: str
    retired_at: int | None = None  # log position of the event that revoked or replaced it
    retired_by: str | None = None


@dataclass
class Chain:
    """The organisations, actors and keys, as folded from the log so far."""

    origin: str = ""
    registry: str = ""
    root_key: str = ""
    national_federation: str = ""
    organisations: dict[str, Organisation] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    province_federations: dict[str, str] = field(default_factory=dict)

    def organisation_province(self, organisation: str) -> str | None:
        """The province an organisation lies in: its own region's, or its nearest parent's;
        None for one at the national level."""
        found = self.organisations.get(organisation)
        while found is not None:
            if found.region is not None:
                return province_of(found.region)
            found = self.organisations.get(found.parent) if found.parent else None
        return None

    @property
    def founded(self) -> bool:
        return bool(self.registry)

    def signer(self, signer_key: str) -> tuple[Actor, Key]:
        key = self.keys.get(signer_key)
        if key is None:
            raise UnknownKey(
                f"密钥 {signer_key} 未在登记处登记。",
                f"key {signer_key} is not enrolled in the registry.",
            )
        if key.retired_at is not None:
            raise RevokedKey(
                f"密钥 {signer_key} 已于日志位置 {key.retired_at} 被{key.retired_by}，此后不能签署。",
                f"key {signer_key} was {_EN_RETIRED.get(key.retired_by or '', 'retired')} at log "
                f"position {key.retired_at} and signs nothing after it.",
            )
        return self.actors[key.actor], key

    def lineage(self, organisation: str) -> list[str]:
        """The organisation and its ancestors, nearest first."""
        chain: list[str] = []
        current: str | None = organisation
        while current is not None:
            chain.append(current)
            current = self.organisations[current].parent
        return chain

    def require(self, actor: Actor, role: Role, over: str) -> None:
        """The actor must hold ``role`` at ``over`` or at an organisation above it."""
        if role not in actor.roles:
            raise WrongRole(
                f"{actor.name} 不具有“{role.value}”角色，无权签署此事件。",
                f"{actor.name} does not hold the role '{role.value}' needed for this event.",
            )
        if actor.organisation not in self.lineage(over):
            name = self.organisations[over].name
            raise OutsideJurisdiction(
                f"{actor.name} 所在单位对“{name}”没有管辖权。",
                f"{actor.name}'s organisation has no jurisdiction over '{name}'.",
            )

    def require_at(self, actor: Actor, role: Role, organisation: str) -> None:
        """The actor must hold ``role`` at exactly ``organisation`` (e.g. its cultivating body)."""
        self.require(actor, role, organisation)
        if actor.organisation != organisation:
            name = self.organisations[organisation].name
            raise OutsideJurisdiction(
                f"此事件只能由“{name}”的经办人签署。",
                f"only an actor of '{name}' may sign this event.",
            )

    def organisation(self, organisation: str) -> Organisation:
        org = self.organisations.get(organisation)
        if org is None:
            raise RuleViolation(
                f"单位 {organisation} 未登记。",
                f"organisation {organisation} is not registered.",
                code="unknown-organisation",
            )
        return org

    def check_new_key(self, public_key: bytes) -> str:
        if len(public_key) != 32:
            raise RuleViolation(
                "公钥必须是 32 字节的 Ed25519 公钥。",
                "a public key is 32 Ed25519 bytes.",
                code="invalid-public-key",
            )
        new = key_id(public_key)
        if new in self.keys:
            raise RuleViolation(
                f"密钥 {new} 已登记过，不能重复使用。",
                f"key {new} was enrolled before and cannot be reused.",
                code="key-reused",
            )
        return new

    def check_placement(self, kind: OrgKind, parent: Organisation, region: str | None) -> None:
        """Where an organisation of ``kind`` may stand (Art. 3 jurisdictions)."""
        if kind is OrgKind.NATIONAL_FEDERATION:
            raise GenesisError(
                "全国总工会只能在创始事件中登记。",
                "the national federation is registered by genesis only.",
            )
        if parent.kind not in ALLOWED_PARENTS[kind]:
            raise RuleViolation(
                f"“{kind.value}”类单位不能隶属于“{parent.kind.value}”类单位。",
                f"an organisation of kind '{kind.value}' cannot stand under one of kind "
                f"'{parent.kind.value}'.",
                code="misplaced-organisation",
            )
        if kind is OrgKind.PROVINCIAL_FEDERATION:
            if region is None or not is_province(region):
                raise RuleViolation(
                    "省级总工会须填写省级行政区划代码（GB/T 2260，如 330000）。",
                    "a provincial federation needs a provincial GB/T 2260 code such as 330000.",
                    code="invalid-region",
                )
            if region in self.province_federations:
                raise RuleViolation(
                    f"行政区 {region} 已有省级总工会。",
                    f"region {region} already has a provincial federation.",
                    code="duplicate-federation",
                )
        if kind is OrgKind.PREFECTURE_FEDERATION and (
            region is None or not is_prefecture(region) or province_of(region) != parent.region
        ):
            raise RuleViolation(
                "地市级总工会须填写其上级省份内的地级区划代码（如 330100）。",
                "a prefecture federation needs a prefecture code inside its parent's province "
                "(such as 330100).",
                code="invalid-region",
            )
        if region is not None and not (len(region) == 6 and region.isdigit()):
            raise RuleViolation(
                "行政区划代码为 6 位数字。", "a region code is six digits.", code="invalid-region"
            )


_EN_RETIRED = {"吊销": "revoked", "更换": "replaced"}
