"""Addresses of the demo district: the canonical form and the ways people really write them (domain §9)."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hongyixing.demo.names import VILLAGE_STEMS, VILLAGE_TAILS, cn_number

PROVINCE_CITY_DISTRICT = "江苏省淮安市洪泽区"


@dataclass(frozen=True)
class Place:
    """Where a household lives: a numbered house in a villager group, or a flat in a building."""

    town: str  # 高良涧街道
    town_core: str  # 高良涧
    village_core: str  # 临河
    is_community: bool
    group: int = 0  # villager group number (rural)
    house: int = 0  # house number in the group
    compound: str = ""  # 幸福家园
    building: int = 0
    entrance: int = 0  # 单元
    room: int = 0  # 501

    @property
    def village(self) -> str:
        """The village's canonical short name: 临河社区, 胡庄村."""
        return self.village_core + ("社区" if self.is_community else "村")

    @property
    def door(self) -> str:
        if self.compound:
            return f"{self.entrance}单元{self.room}室"
        return f"{self.house}号"

    @property
    def canonical(self) -> str:
        head = f"{PROVINCE_CITY_DISTRICT}{self.town}{self.village}"
        if self.compound:
            return f"{head}{self.compound}{self.building}栋{self.entrance}单元{self.room}室"
        return f"{head}{cn_number(self.group)}组{self.house}号"


class _Variants:
    """Weighted ways of writing one part of an address; only the drawn one is formatted."""

    def __init__(self, *options: tuple[Callable[..., str], float]) -> None:
        self.writers = [writer for writer, _weight in options]
        self.cumulative = list(itertools.accumulate(weight for _writer, weight in options))
        self.total = self.cumulative[-1]

    def write(self, rng: random.Random, *args: Any) -> str:
        index = bisect.bisect(self.cumulative, rng.random() * self.total)
        return self.writers[min(index, len(self.writers) - 1)](*args)


_PREFIX = _Variants(
    (lambda: "江苏省淮安市洪泽区", 0.25),
    (lambda: "淮安市洪泽区", 0.15),
    (lambda: "洪泽区", 0.22),
    (lambda: "江苏省洪泽县", 0.03),
    (lambda: "淮安洪泽县", 0.05),
    (lambda: "淮安市洪泽县", 0.03),
    (lambda: "洪泽县", 0.1),
    (lambda: "洪泽", 0.05),
    (lambda: "", 0.12),
)
_COMMUNITY = _Variants(
    (lambda c: c + "社区", 0.5),
    (lambda c: c + "居委会", 0.25),
    (lambda c: c + "社区居委会", 0.1),
    (lambda c: c, 0.15),
)
_VILLAGE = _Variants(
    (lambda c: c + "村", 0.75),
    (lambda c: c + "村委会", 0.08),
    (lambda c: c + "村民委员会", 0.02),
    (lambda c: c, 0.15),
)
_FLAT = _Variants(
    (lambda b, e, r: f"{b}栋{e}单元{r}室", 0.35),
    (lambda b, e, r: f"{b}栋{e}单元{r}", 0.25),
    (lambda b, e, r: f"{b}号楼{e}单元{r}室", 0.15),
    (lambda b, e, r: f"{b}-{e}-{r}", 0.1),
    (lambda b, e, r: f"{b}幢{e}单元{r}室", 0.1),
    (lambda b, e, r: f"{cn_number(b)}栋{e}单元{r}", 0.05),
)
_GROUP = _Variants(
    (lambda g: f"{cn_number(g)}组", 0.45),
    (lambda g: f"{g}组", 0.35),
    (lambda g: f"第{cn_number(g)}组", 0.05),
    (lambda g: f"{cn_number(g)}队", 0.05),
    (lambda g: f"{g}队", 0.03),
    (lambda g: f"第{cn_number(g)}村民小组", 0.07),
)
_HOUSE = _Variants((lambda n: f"{n}号", 0.55), (lambda n: f"{cn_number(n)}号", 0.15), (lambda n: "", 0.3))
_NOISE = ("对面", "附近", "旁边", "东侧", "后面", "(老小区)", "老小区")


def written_village(rng: random.Random, place: Place) -> str:
    """The head of an address as people write it, down to the village or community only."""
    parts = [_PREFIX.write(rng), place.town if rng.random() < 0.85 else place.town_core]
    if place.is_community:
        parts.append(_COMMUNITY.write(rng, place.village_core))
    else:
        parts.append(_VILLAGE.write(rng, place.village_core))
    return "".join(parts)


def written(rng: random.Random, place: Place) -> str:
    """One way a person might write ``place`` on a form: prefix, suffix and numeral variants, noise."""
    parts = [_PREFIX.write(rng), place.town if rng.random() < 0.85 else place.town_core]
    if place.is_community:
        parts.append(_COMMUNITY.write(rng, place.village_core))
    else:
        parts.append(_VILLAGE.write(rng, place.village_core))
    if place.compound:
        name = place.compound
        if not name.endswith("小区") and rng.random() < 0.2:
            name += "小区"
        parts.append(name)
        parts.append(_FLAT.write(rng, place.building, place.entrance, place.room))
    else:
        parts.append(_GROUP.write(rng, place.group))
        parts.append(_HOUSE.write(rng, place.house))
    if rng.random() < 0.04:
        parts.append(rng.choice(_NOISE))
    return "".join(parts)


# Where people born outside Hongze come from: address code → (province+city+county, towns).
ORIGINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "320803": ("江苏省淮安市淮安区", ("车桥镇", "流均镇", "范集镇", "钦工镇", "苏嘴镇", "季桥镇")),
    "320804": ("江苏省淮安市淮阴区", ("王营镇", "渔沟镇", "徐溜镇", "棉花庄镇", "南陈集镇")),
    "320830": ("江苏省盱眙县", ("马坝镇", "官滩镇", "管镇镇", "旧铺镇", "桂五镇")),
    "320826": ("江苏省涟水县", ("高沟镇", "唐集镇", "保滩镇", "红窑镇")),
    "320831": ("江苏省金湖县", ("黎城街道", "银涂镇", "前锋镇", "吕良镇")),
    "321302": ("江苏省宿迁市宿城区", ("项里街道", "埠子镇", "耿车镇", "龙河镇")),
    "341102": ("安徽省滁州市琅琊区", ("琅琊街道", "清流街道", "扬子街道", "西涧街道")),
    "341122": ("安徽省来安县", ("新安镇", "半塔镇", "水口镇", "汊河镇")),
}
ORIGIN_WEIGHTS = {
    "320803": 0.22,
    "320804": 0.2,
    "320830": 0.16,
    "320826": 0.1,
    "320831": 0.1,
    "321302": 0.1,
    "341102": 0.07,
    "341122": 0.05,
}


def origin_address(rng: random.Random, area_code: str) -> str:
    """A registered domicile outside Hongze, written the usual way."""
    county, towns = ORIGINS[area_code]
    if rng.random() < 0.3:
        county = county.removeprefix("江苏省").removeprefix("安徽省")
    village = rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_TAILS) + "村"
    group = rng.randint(1, 12)
    tail = f"{cn_number(group)}组" if rng.random() < 0.5 else f"{group}组"
    return f"{county}{rng.choice(towns)}{village}{tail}{rng.randint(1, 80)}号"
