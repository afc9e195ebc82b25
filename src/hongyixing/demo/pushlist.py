"""Push lists for the demo and the W1 benchmark: people of the demo registry plus people from outside
the district, written the way senders write them, with realistic noise and the ground truth kept.

Noise rates follow the issue (W1): ID missing 10 %, one-digit typo 2 %, transposition 1 %, 15-digit
legacy 1 %; homophone name 3 %, dropped character 1 %; phone missing 5 %, off by a digit 2 %, shared by
the household 10 %. Addresses follow what real lists carry (``ADDRESS_MIX``, docs/benchmarks.md W1),
not what the register knows: most name the village or community and a street and number, without the
villager group or the building; some only the village, some a group number the register does not have,
some only the compound; the rest the full address, written every way `addresses.written` knows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from hongyixing.demo import addresses, names
from hongyixing.demo.addresses import Place
from hongyixing.demo.population import generate
from hongyixing.people import idnumbers

HEADERS = ["序号", "姓名", "身份证号码", "联系电话", "现住址", "推送原因", "数据来源", "到达时间"]
REASONS = ("行程轨迹", "健康码异常", "时空伴随", "外省返洪", "密接的密接排查")
# Characters often confused by sound (同音/近音) in lists typed from phone calls.
HOMOPHONES = {
    "王": "汪",
    "李": "黎",
    "张": "章",
    "刘": "留",
    "陈": "程",
    "杨": "羊",
    "黄": "皇",
    "周": "舟",
    "吴": "武",
    "徐": "许",
    "孙": "荪",
    "朱": "诸",
    "胡": "湖",
    "林": "琳",
    "华": "化",
    "明": "铭",
    "军": "君",
    "红": "虹",
    "丽": "莉",
    "伟": "玮",
    "芳": "方",
    "强": "墙",
    "建": "健",
    "国": "郭",
    "英": "瑛",
    "平": "萍",
    "秀": "琇",
    "文": "雯",
    "立": "力",
    "海": "凯",
    "峰": "锋",
    "杰": "洁",
    "娟": "鹃",
    "静": "靖",
    "敏": "闽",
    "玲": "铃",
}
OUTSIDE_PLACES = (
    "江苏省南京市鼓楼区中山路",
    "江苏省苏州市姑苏区人民路",
    "上海市浦东新区张杨路",
    "安徽省合肥市蜀山区长江西路",
    "江苏省淮安市清江浦区淮海南路",
    "江苏省淮安市淮安区翔宇大道",
    "浙江省杭州市西湖区文三路",
    "江苏省盱眙县马坝镇",
    "山东省临沂市兰山区解放路",
    "湖北省武汉市江汉区建设大道",
)


# How the in-district addresses of a list are written (shares of in-district rows). 70 % carry no
# group or building: street (village + street and number), village only and compound only.
ADDRESS_MIX: tuple[tuple[str, float], ...] = (
    ("street", 0.40),  # 临河社区人民路18号
    ("village", 0.20),  # 临河社区
    ("unknown_group", 0.10),  # 胡庄村二十三组5号 (the register has no such group)
    ("compound", 0.10),  # 幸福家园 (rural households: written as a street address instead)
    ("full", 0.20),  # 临河社区幸福家园3栋2单元501室 / 胡庄村三组12号
)
STREETS = (
    "人民路", "解放路", "建设路", "东风路", "幸福路", "友谊路", "大庆路", "洪泽湖大道", "东七街",
    "西顺河路", "健康路", "光明路", "新街", "老街", "中心路", "府前路", "育才路", "南环路",
)  # fmt: skip
# Registers number villager groups from 1; a list written from memory or an old register says more.
UNKNOWN_GROUP_OFFSET = 30


@dataclass(frozen=True)
class Truth:
    """What a row really is: the resident's ID (empty for people from outside) and where they live."""

    id_number: str
    outside: bool
    village_core: str
    town: str
    leaf: tuple[str, ...] | None
    address_kind: str = ""


@dataclass(frozen=True)
class Resident:
    name: str
    id_number: str
    phone: str
    household_phone: str
    place: Place
    leaf: tuple[str, ...]


def residents(persons: int, seed: int) -> list[Resident]:
    """The demo registry as seeded with (persons, seed), regenerated without the database."""
    _plan, households = generate(seed, persons)
    found = []
    for household in households:
        shared = next((m.phones[0] for m in household.members if m.phones), "")
        for member in household.members:
            found.append(
                Resident(
                    member.name,
                    member.document_number,
                    member.phones[0] if member.phones else "",
                    shared,
                    household.place,
                    tuple(str(k) for k in household.leaf),
                )
            )
    return found


def _typo(rng: random.Random, number: str) -> str:
    position = rng.randrange(17)
    digit = str((int(number[position]) + rng.randint(1, 9)) % 10)
    return number[:position] + digit + number[position + 1 :]


def _transpose(rng: random.Random, number: str) -> str:
    position = rng.randrange(16)
    if number[position] == number[position + 1]:
        return _typo(rng, number)
    return number[:position] + number[position + 1] + number[position] + number[position + 2 :]


def _noisy_id(rng: random.Random, number: str) -> str:
    roll = rng.random()
    if roll < 0.10:
        return ""
    if roll < 0.12:
        return _typo(rng, number)
    if roll < 0.13:
        return _transpose(rng, number)
    if roll < 0.14 and number[6:8] == "19":
        return number[:6] + number[8:17]
    return number


def _noisy_name(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        positions = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
        if positions:
            i = rng.choice(positions)
            return name[:i] + HOMOPHONES[name[i]] + name[i + 1 :]
    elif roll < 0.04 and len(name) >= 3:
        i = rng.randrange(1, len(name))
        return name[:i] + name[i + 1 :]
    return name


def _noisy_phone(rng: random.Random, phone: str, household_phone: str) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.07 and phone:
        i = rng.randrange(3, len(phone))
        return phone[:i] + str((int(phone[i]) + 1) % 10) + phone[i + 1 :]
    if roll < 0.17 and household_phone:
        return household_phone
    return phone


def _address_kind(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for kind, share in ADDRESS_MIX:
        total += share
        if roll < total:
            return kind
    return ADDRESS_MIX[-1][0]


def realistic_address(rng: random.Random, place: Place, kind: str | None = None) -> tuple[str, str]:
    """(address, how it is written) for a resident's home, drawn from ``ADDRESS_MIX`` unless ``kind``."""
    kind = kind or _address_kind(rng)
    if kind == "compound" and not place.compound:
        kind = "street"
    if kind == "street":
        text = addresses.written_village(rng, place) + f"{rng.choice(STREETS)}{rng.randint(1, 300)}号"
    elif kind == "village":
        text = addresses.written_village(rng, place)
    elif kind == "unknown_group":
        group = (place.group or rng.randint(1, 9)) + UNKNOWN_GROUP_OFFSET
        text = addresses.written_village(rng, place) + f"{group}组{rng.randint(1, 80)}号"
    elif kind == "compound":
        text = place.compound
    else:
        text = _full_address(rng, place)
    return text, kind


def _full_address(rng: random.Random, place: Place) -> str:
    roll = rng.random()
    text = addresses.written(rng, place)
    if place.compound and roll < 0.15:
        text = text.split("单元")[0].rstrip("0123456789一二三四五六七八九十") if "单元" in text else text
    if rng.random() < 0.10:
        text += rng.choice(("对面", "附近", "旁边", "(老小区)"))
    return text


def _outsider(rng: random.Random, arrival: dt.date) -> tuple[list[str], Truth]:
    code = rng.choice(("320102", "320508", "310115", "340104", "320812", "320803", "330106", "420103"))
    birth = dt.date(rng.randint(1950, 2010), rng.randint(1, 12), rng.randint(1, 28))
    number = idnumbers.make(code, birth, rng.randrange(1000))
    name = names.full_name(rng, rng.choice("MF"), birth.year)
    phone = "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
    address = rng.choice(OUTSIDE_PLACES) + f"{rng.randint(1, 300)}号"
    row = [name, number if rng.random() > 0.1 else "", phone, address]
    return row, Truth(number, True, "", "", None)


def push_rows(
    pool: list[Resident],
    rows: int,
    seed: int,
    outside_share: float = 0.3,
    *,
    address_kind: str | None = None,
    identified: bool = True,
) -> Iterator[tuple[list[str], Truth]]:
    """Rows with their truth. ``address_kind`` writes every in-district address one way of
    ``ADDRESS_MIX``; without ``identified`` the rows carry no ID number or phone (routing by address)."""
    rng = random.Random(seed)
    arrival = dt.date(2022, 3, 1)
    for index in range(rows):
        if rng.random() < outside_share:
            cells, truth = _outsider(rng, arrival)
        else:
            person = rng.choice(pool)
            address, kind = realistic_address(rng, person.place, address_kind)
            cells = [
                _noisy_name(rng, person.name),
                _noisy_id(rng, person.id_number) if identified else "",
                _noisy_phone(rng, person.phone, person.household_phone) if identified else "",
                address,
            ]
            truth = Truth(
                person.id_number, False, person.place.village_core, person.place.town, person.leaf, kind
            )
        moment = dt.datetime.combine(arrival, dt.time(8)) + dt.timedelta(minutes=rng.randrange(60 * 24 * 5))
        yield (
            [str(index + 1), *cells, rng.choice(REASONS), "省大数据中心", moment.strftime("%Y-%m-%d %H:%M")],
            truth,
        )
