"""Demo data through the normal signed append path: the federations and their officers.

Deterministic for a seed: record ids and demo keys are derived from it, so two runs with the
same seed build the same registry (up to event times). Keys are kept in ``<key_dir>/demo/``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.application import Registry
from craftreg.domain.authority import OrgKind, Role
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

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕文博宇浩然子轩欣怡梓涵晨阳思远嘉豪俊杰雨桐"


@dataclass
class DemoBuilder:
    registry: Registry
    key_dir: Path
    seed: int
    report: Callable[[str], None] = print
    rng: random.Random = field(init=False)
    made: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.registry.new_id = lambda: str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def key(self, label: str) -> Signer:
        """A demo key derived from the seed, written once to the demo key folder."""
        seed = hashlib.sha256(f"craftreg-demo:{self.seed}:{label}".encode()).digest()
        signer = Signer(Ed25519PrivateKey.from_private_bytes(seed))
        path = self.key_dir / f"{label}.pem"
        if not path.exists():
            write_key(path, signer)
        return signer

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))

    def count(self, what: str) -> None:
        self.made[what] = self.made.get(what, 0) + 1

    def officers(
        self, signer: Signer, organisation: str, label: str, roles: Iterable[Role]
    ) -> Signer:
        """Enrol a registrar and one officer per role; returns the registrar's key."""
        registrar = self.key(f"{label}-registrar")
        self.registry.enrol_actor(signer, organisation, self.person(), [Role.REGISTRAR], registrar)
        self.count("actors")
        for role in roles:
            self.registry.enrol_actor(
                registrar, organisation, self.person(), [role], self.key(f"{label}-{role.value}")
            )
            self.count("actors")
        return registrar

    def build(self, root: Signer) -> dict[str, int]:
        national = self.registry.national_federation
        cultivating = (Role.REVIEWER, Role.CULTIVATION_OFFICER, Role.ASSESSOR, Role.CERTIFIER)
        self.officers(
            root, national, "national", (*cultivating, Role.DISCIPLINE_OFFICER, Role.AUDITOR)
        )
        for name in INDUSTRIAL_UNIONS:
            union = self.registry.register_organisation(
                root, OrgKind.INDUSTRIAL_UNION, name, national
            )
            self.count("organisations")
            self.registry.enrol_actor(
                root, union, self.person(), [Role.RECOMMENDER], self.key(f"union-{union[:8]}")
            )
            self.count("actors")
        for code, (name, _english) in PROVINCES.items():
            province = self.registry.register_organisation(
                root, OrgKind.PROVINCIAL_FEDERATION, f"{name}总工会", national, code
            )
            self.count("organisations")
            registrar = self.officers(
                root, province, f"p{code}", (*cultivating, Role.RECOMMENDER, Role.REPORTER)
            )
            for city_code, city in CITIES.items():
                if city_code[:2] != code[:2]:
                    continue
                city_federation = self.registry.register_organisation(
                    registrar, OrgKind.PREFECTURE_FEDERATION, f"{city}总工会", province, city_code
                )
                self.count("organisations")
                self.officers(
                    registrar, city_federation, f"c{city_code}", (*cultivating, Role.RECOMMENDER)
                )
            self.report(f"  {name}: federation, cities and officers enrolled")
        return self.made


def build_demo(registry: Registry, root: Signer, key_dir: Path, seed: int) -> dict[str, int] | None:
    """Build the demo set, or return None when the store already holds it."""
    if len(registry.current().chain.province_federations) > 0:
        return None
    return DemoBuilder(registry, key_dir / "demo", seed).build(root)
