"""Plausible people and employers for the demo: Chinese names, trades, enterprises, ID numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from craftreg.privacy import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_FEMALE = "芳娜敏静丽艳娟秀霞桂英玉兰萍红燕欣怡梓涵雨桐慧婷晶雪琳倩颖"
GIVEN_MALE = "伟强磊军洋勇杰涛明超平刚华鹏辉建国志宏海文博宇浩然子轩晨阳思远嘉豪俊峰斌亮"
TRADES = (
    "数控车工", "钳工", "焊工", "电工", "铣工", "模具工", "装配钳工", "工具钳工", "仪表维修工",
    "锅炉操作工", "化工总控工", "汽车维修工", "飞机装配工", "轨道列车司机", "电力线路工",
    "工业机器人系统运维员", "集成电路工程技术人员", "人工智能训练师", "大数据工程技术人员",
    "云计算工程技术人员", "精细木工", "石油钻井工", "船舶电焊工", "高铁动车组机械师",
)  # fmt: skip
INDUSTRY_WORDS = (
    "重工", "精密机械", "汽轮动力", "电气", "新能源", "半导体", "航空", "船舶", "轨道交通",
    "钢铁", "化工", "智能装备", "汽车", "电子信息", "生物医药", "数控机床", "光伏", "电力",
)  # fmt: skip
ORG_SUFFIXES = ("集团有限公司", "股份有限公司", "有限责任公司", "科技有限公司")
TAGS = (
    "top_innovative_talent",
    "urgently_needed_field",
    "big_data",
    "artificial_intelligence",
    "cloud_computing",
)


def person_name(rng: random.Random, female: bool) -> str:
    given = GIVEN_FEMALE if female else GIVEN_MALE
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


def enterprise_name(rng: random.Random, city: str) -> str:
    place = city.removesuffix("市市辖区").removesuffix("市")
    return f"{place}{rng.choice(INDUSTRY_WORDS)}{rng.choice(ORG_SUFFIXES)}"


def identity_number(rng: random.Random, region: str, born: date) -> str:
    """A well-formed resident identity number (GB 11643): region, birth date, order, check."""
    order = rng.randrange(0, 1000)
    first17 = f"{region[:4]}{rng.randrange(1, 30):02d}{born:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def birth_date(rng: random.Random, on: date, young: bool) -> date:
    age = rng.randint(26, 35) if young else rng.randint(36, 56)
    return on - timedelta(days=365 * age + rng.randrange(0, 365))
