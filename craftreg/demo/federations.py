"""The demo's chain of authority: the federations, unions, enterprises and their officers.

Keys are derived from the seed, so the same seed gives the same key ids; each is written once
to the demo key folder so that a person can sign with it later.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.application import Registry
from craftreg.demo.people import enterprise_name, person_name
from craftreg.domain.authority import CULTIVATING_ROLES, OrgKind, Role
from craftreg.domain.regions import PROVINCES
from craftreg.keys import Signer, write_key

# A sample of prefecture-level cities (GB/T 2260): every provincial capital and a few more.
CITIES: dict[str, str] = {
    "110100": "北京市市辖区", "120100": "天津市市辖区", "130100": "石家庄市", "130200": "唐山市",
    "140100": "太原市", "150100": "呼和浩特市", "150200": "包头市", "210100": "沈阳市",
    "210200": "大连市", "220100": "长春市", "230100": "哈尔滨市", "310100": "上海市市辖区",
    "320100": "南京市", "320200": "无锡市", "320500": "苏州市", "330100": "杭州市",
    "330200": "宁波市", "340100": "合肥市", "350100": "福州市", "350200": "厦门市",
    "360100": "南昌市", "370100": "济南市", "370200": "青岛市", "410100": "郑州市",
    "420100": "武汉市", "430100": "长沙市", "440100": "广州市", "440300": "深圳市",
    "450100": "南宁市", "460100": "海口市", "500100": "重庆市市辖区", "510100": "成都市",
    "520100": "贵阳市", "530100": "昆明市", "540100": "拉萨市", "610100": "西安市",
    "620100": "兰州市", "630100": "西宁市", "640100": "银川市", "650100": "乌鲁木齐市",
}  # fmt: skip

INDUSTRIAL_UNIONS = (
    "中国机械冶金建材工会", "中国能源化学地质工会", "中国国防邮电工会", "中国财贸轻纺烟草工会",
    "中国农林水利气象工会", "中国海员建设工会", "中国教科文卫体工会", "中国金融工会",
    "中国铁路工会", "中国民航工会",
)  # fmt: skip


@dataclass
class Unit:
    """An organisation and the keys of its officers, by role."""

    id: str
    name: str
    region: str | None
    officers: dict[Role, Signer] = field(default_factory=dict)
    children: list[Unit] = field(default_factory=list)


@dataclass
class Federations:
    national: Unit
    unions: list[Unit]
    provinces: list[Unit]

    @property
    def cities(self) -> list[Unit]:
        return [city for province in self.provinces for city in province.children]


@dataclass
class ChainBuilder:
    registry: Registry
    key_dir: Path
    seed: int
    rng: random.Random
    made: dict[str, int]

    def key(self, label: str) -> Signer:
        digest = hashlib.sha256(f"craftreg-demo:{self.seed}:{label}".encode()).digest()
        signer = Signer(Ed25519PrivateKey.from_private_bytes(digest))
        path = self.key_dir / f"{label}.pem"
        if not path.exists():
            write_key(path, signer)
        return signer

    def count(self, what: str, n: int = 1) -> None:
        self.made[what] = self.made.get(what, 0) + n

    def organisation(
        self, signer: Signer, kind: OrgKind, name: str, parent: str, region: str | None
    ) -> Unit:
        self.count("organisations")
        return Unit(
            self.registry.register_organisation(signer, kind, name, parent, region), name, region
        )

    def staff(self, enroller: Signer, unit: Unit, label: str, roles: tuple[Role, ...]) -> Signer:
        """A registrar and one officer per role (two approvers, for four eyes); the registrar's key."""
        registrar = self.enrol(enroller, unit, f"{label}-registrar", Role.REGISTRAR)
        for role in roles:
            unit.officers[role] = self.enrol(registrar, unit, f"{label}-{role.value}", role)
        if Role.DISCIPLINE_APPROVER in roles:
            self.enrol(registrar, unit, f"{label}-approver-2", Role.DISCIPLINE_APPROVER)
        return registrar

    def enrol(self, enroller: Signer, unit: Unit, label: str, role: Role) -> Signer:
        key = self.key(label)
        self.registry.enrol_actor(
            enroller, unit.id, person_name(self.rng, self.rng.random() < 0.4), [role], key
        )
        self.count("actors")
        return key

    def build(self, root: Signer, enterprises_per_city: int) -> Federations:
        national = Unit(self.registry.national_federation, "中华全国总工会", None)
        self.staff(root, national, "national", (*CULTIVATING_ROLES, Role.AUDITOR, Role.WITNESS))
        unions = []
        for n, name in enumerate(INDUSTRIAL_UNIONS):
            union = self.organisation(root, OrgKind.INDUSTRIAL_UNION, name, national.id, None)
            union.officers[Role.RECOMMENDER] = self.enrol(
                root, union, f"union{n}-recommender", Role.RECOMMENDER
            )
            unions.append(union)
        provinces = []
        for code, (name, _english) in PROVINCES.items():
            province = self.organisation(
                root, OrgKind.PROVINCIAL_FEDERATION, f"{name}总工会", national.id, code
            )
            registrar = self.staff(
                root, province, f"p{code}", (*CULTIVATING_ROLES, Role.RECOMMENDER, Role.REPORTER)
            )
            for city_code, city_name in CITIES.items():
                if city_code[:2] == code[:2]:
                    province.children.append(
                        self.city(registrar, province, city_code, city_name, enterprises_per_city)
                    )
            provinces.append(province)
        return Federations(national, unions, provinces)

    def city(
        self, registrar: Signer, province: Unit, code: str, name: str, enterprises: int
    ) -> Unit:
        city = self.organisation(
            registrar, OrgKind.PREFECTURE_FEDERATION, f"{name}总工会", province.id, code
        )
        city_registrar = self.staff(
            registrar, city, f"c{code}", (*CULTIVATING_ROLES, Role.RECOMMENDER)
        )
        for n in range(enterprises):
            firm = self.organisation(
                city_registrar, OrgKind.ENTERPRISE, enterprise_name(self.rng, name), city.id, code
            )
            firm.officers[Role.RECOMMENDER] = self.enrol(
                city_registrar, firm, f"e{code}-{n}-recommender", Role.RECOMMENDER
            )
            city.children.append(firm)
        return city
