"""Name material for the demo district: surnames, given names by era and sex, compounds, numerals.

Everything here is data plus small pure functions that draw from a caller's ``random.Random``, so the
generator stays deterministic for a seed.
"""

from __future__ import annotations

import itertools
import random

# Surnames of northern Jiangsu (Huai'an) with rough weights (per mille of the population). The big
# national names dominate; local names (仇, 娄, 崔, 袁, 韦, 施 — several villages carry them) appear too.
SURNAME_WEIGHTS: dict[str, float] = {
    "王": 80,
    "张": 65,
    "陈": 60,
    "李": 55,
    "刘": 50,
    "徐": 35,
    "朱": 32,
    "吴": 28,
    "杨": 27,
    "孙": 26,
    "周": 25,
    "胡": 18,
    "赵": 17,
    "黄": 16,
    "高": 15,
    "马": 12,
    "许": 11,
    "蒋": 10,
    "唐": 10,
    "曹": 9,
    "沈": 9,
    "丁": 9,
    "郭": 8,
    "戴": 8,
    "韩": 8,
    "陆": 7,
    "钱": 6,
    "顾": 6,
    "姜": 6,
    "魏": 6,
    "于": 6,
    "董": 5,
    "潘": 5,
    "季": 5,
    "葛": 5,
    "范": 5,
    "程": 5,
    "袁": 5,
    "蔡": 5,
    "宋": 4,
    "何": 4,
    "郑": 4,
    "杜": 4,
    "汪": 4,
    "吕": 4,
    "谢": 4,
    "邵": 4,
    "史": 4,
    "仇": 3,
    "严": 3,
    "卢": 3,
    "彭": 3,
    "姚": 3,
    "万": 3,
    "邱": 3,
    "夏": 3,
    "施": 3,
    "薛": 3,
    "冯": 3,
    "罗": 3,
    "梁": 3,
    "崔": 3,
    "娄": 2,
    "韦": 2,
    "花": 2,
    "卞": 2,
    "殷": 2,
    "俞": 2,
    "单": 2,
    "管": 2,
    "倪": 2,
    "龚": 2,
    "谷": 2,
    "汤": 2,
    "荀": 1,
    "缪": 1,
    "裴": 1,
    "嵇": 1,
    "鲍": 1,
    "窦": 1,
    "欧阳": 0.5,
    "司马": 0.2,
    "诸葛": 0.1,
}
SURNAMES = list(SURNAME_WEIGHTS)
_SURNAME_CUM = list(itertools.accumulate(SURNAME_WEIGHTS.values()))

# Given-name material by birth era and sex: (first characters, second characters, single names).
# Two-character names combine a first and a second character; one-character names come from the
# third pool. The share of one-character names peaks for people born 1960–1990.
_POOLS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("old", "M"): (
        "建国德永志长洪兴金玉文学明春宝福广士家正开来桂成",
        "华林明生发山才富贵祥荣清海龙春根友义元平和章忠银",
        "福贵根发荣祥林山海明",
    ),
    ("old", "F"): (
        "秀桂玉凤兰春翠淑素金月巧美爱志家",
        "英兰珍芳华梅花琴云凤莲香娥霞荣侠萍",
        "英珍兰梅芳花琴凤香",
    ),
    ("mid", "M"): (
        "建国海志红卫立伟永明德晓小春大庆新振学冬军",
        "军华平兵东强林伟明刚斌勇忠峰波涛成辉民亮进",
        "伟勇军杰涛斌磊峰刚波辉华明强兵亮平林健俊",
    ),
    ("mid", "F"): (
        "红丽春秀桂美晓海玉彩小金爱雪冬凤",
        "梅霞燕芳琴英华红萍玲娟丽云艳兰香莉静",
        "丽红燕静敏艳娟霞芳玲萍慧梅琴英娜莉",
    ),
    ("young", "M"): (
        "浩子天俊家晓文志宇明振嘉建鹏成佳一凯",
        "杰宇阳鹏飞超浩磊龙强辉翔伟涛俊亮晨鑫凯楠斌宁",
        "浩宇鹏超杰磊伟俊帅晨昊阳强亮凯鑫飞涛斌旭",
    ),
    ("young", "F"): (
        "晓雨佳思雪文梦婷心欣丽静海小嘉美诗子",
        "婷雪倩琳欣丹静颖蕾洁晶悦怡慧敏璐月涵茹娜",
        "婷雪倩琳欣丹静颖蕾洁晶悦娜敏璐瑶月",
    ),
    ("child", "M"): (
        "子浩宇梓俊皓一博沐奕思铭睿锦嘉承佑宸煜",
        "轩然宸睿涵泽豪辰航阳哲铭宇熙恒诺杰瑞川逸",
        "轩睿昊哲宸浩宇航泽铭",
    ),
    ("child", "F"): (
        "梓欣子雨诗可一若语思紫依雅佳沐艺婉馨芷",
        "涵怡萱汐桐彤妍诺琪馨琳瑶然菲晴悦蕊溪希萌",
        "萱涵琪悦妍彤瑶菲晴",
    ),
}
_SINGLE_SHARE = {"old": 0.15, "mid": 0.35, "young": 0.25, "child": 0.1}


def era_of(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    if birth_year < 1985:
        return "mid"
    if birth_year < 2005:
        return "young"
    return "child"


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    era = era_of(birth_year)
    first, second, single = _POOLS[(era, "F" if sex == "F" else "M")]
    if rng.random() < _SINGLE_SHARE[era]:
        return rng.choice(single)
    return rng.choice(first) + rng.choice(second)


def full_name(rng: random.Random, sex: str, birth_year: int, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, sex, birth_year)


def staff_name(rng: random.Random) -> str:
    """A working adult's name (cadres, grid workers, group leaders)."""
    sex = "M" if rng.random() < 0.6 else "F"
    return full_name(rng, sex, rng.randint(1962, 1995))


# Residential compounds: prefix + suffix, drawn without repeats district-wide.
COMPOUND_PREFIXES = (
    "幸福",
    "金湖",
    "翰林",
    "湖滨",
    "阳光",
    "锦绣",
    "书香",
    "盛世",
    "东方",
    "明珠",
    "泰和",
    "康居",
    "怡景",
    "金色",
    "世纪",
    "丽水",
    "滨湖",
    "建设",
    "城南",
    "府前",
    "文苑",
    "银河",
    "紫金",
    "淮河",
    "湖景",
    "新城",
    "御景",
    "水岸",
    "龙城",
    "福地",
    "东湖",
    "和美",
    "绿洲",
    "凤凰",
    "桃源",
    "状元",
    "洪泽湖",
    "大堤",
    "泽园",
    "丰泽",
    "古堰",
    "渔港",
)
COMPOUND_SUFFIXES = (
    "家园",
    "花苑",
    "苑",
    "小区",
    "花园",
    "新村",
    "名邸",
    "华庭",
    "雅居",
    "豪庭",
    "嘉园",
    "公寓",
)
# A few names a district like this really has, used first.
COMPOUND_CLASSICS = (
    "幸福家园",
    "金湖花苑",
    "翰林苑",
    "湖滨小区",
    "阳光花园",
    "东方名城",
    "锦绣华庭",
    "泽园小区",
)


class CompoundNamer:
    """Hands out distinct compound names in a deterministic order."""

    def __init__(self, rng: random.Random) -> None:
        combos = [
            p + s for p in COMPOUND_PREFIXES for s in COMPOUND_SUFFIXES if p + s not in COMPOUND_CLASSICS
        ]
        rng.shuffle(combos)
        self._names = [*COMPOUND_CLASSICS, *combos]
        self._next = 0

    def next(self) -> str:
        name = self._names[self._next % len(self._names)]
        rounds = self._next // len(self._names)
        self._next += 1
        return name if rounds == 0 else f"{name}{rounds + 1}期"


# Place-name material for addresses outside Hongze (people born elsewhere).
VILLAGE_STEMS = "张李王刘陈杨朱徐孙周吴胡大小东西南北新前后"
VILLAGE_TAILS = ("庄", "集", "圩", "湾", "桥", "营", "楼", "河", "沟", "岗")

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numerals as written in addresses: 3 → 三, 12 → 十二, 20 → 二十, 105 → 一百零五."""
    if n < 0 or n >= 10000:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = _DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + _DIGITS[rest]
        if rest < 20:
            return head + "一" + cn_number(rest)
        return head + cn_number(rest)
    rest = n % 1000
    head = _DIGITS[n // 1000] + "千"
    if rest == 0:
        return head
    return head + ("零" if rest < 100 else "") + cn_number(rest)


def group_name(n: int) -> str:
    """The official name of villager group ``n``: 一组, 十二组."""
    return cn_number(n) + "组"
