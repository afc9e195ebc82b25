"""Reading a written address: normalise it and cut it into the parts people write (domain §9).

This module knows grammar, not geography: markers (镇/街道, 村/社区/居委会, 组/队, 小区/家园…, 栋/幢/号楼,
单元, 室, 路+号), numerals, noise words and the province/city/district prefixes. Which words are real
place names comes from a :class:`Lexicon`; by default the divisions of public record shipped with the
product, and the gazetteer passes its own (with the local compounds). Nothing here touches the database.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.district import district_code
from hongyixing.areas.divisions import Division, aliases, core_name, read_divisions

HOME_PROVINCE = ("江苏省", "江苏")

STREET = "street"  # the token kind of a road, beside the unit levels

PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
    "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")

# Former districts of the same city that people still write (merged 2001–2016).
FORMER_NEIGHBOURS = ("楚州区", "清河区", "清浦区", "淮阴县", "淮阴市")

_TOWN_ENDS = ("街道办事处", "街道", "镇", "乡")
_VILLAGE_ENDS = ("社区居民委员会", "村民委员会", "社区居委会", "居民委员会", "居委会", "村委会", "社区", "村")
_COMPOUND_ENDS = (
    "小区", "花园", "家园", "花苑", "嘉园", "新村", "公寓", "华庭", "名邸", "雅居", "豪庭", "名城", "新城",
    "广场", "大厦", "苑",
)  # fmt: skip
_STREET_ENDS = ("大道", "大街", "路", "街", "巷")
_ENDS: dict[str, str] = {
    **dict.fromkeys(_STREET_ENDS, STREET),
    **dict.fromkeys(_COMPOUND_ENDS, UnitLevel.COMPOUND.value),
    **dict.fromkeys(_VILLAGE_ENDS, UnitLevel.VILLAGE.value),
    **dict.fromkeys(_TOWN_ENDS, UnitLevel.TOWN.value),
}
# Longest first, so 社区居委会 wins over 社区 and 街道 over 街.
_END_RE = re.compile("|".join(sorted(map(re.escape, _ENDS), key=len, reverse=True)))

_CN_DIGITS = {**dict(zip("零一二三四五六七八九", range(10), strict=True)), "〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN = "零〇一二两三四五六七八九十百千"
_NUMBER_MARKERS = "村民小组|小组|号楼|单元|组|队|号|栋|幢|座|室|楼|层|期|#"
# Numerals are converted only where a number is certain: before a marker, after 第, or after another
# numbered part (三栋二单元五零一); elsewhere they belong to names (三河镇, 五里牌村, 洪泽园三村).
_CN_BEFORE_MARKER = re.compile(f"[{_CN}]+(?={_NUMBER_MARKERS})|(?<=第)[{_CN}]+")
_ANY_CN = re.compile(f"[{_CN}]")
_CN_AFTER_PART = re.compile(f"(?:(?<=单元)|(?<=[栋幢组队]))[{_CN}]+$")

_DASHES = str.maketrans({"—": "-", "–": "-", "―": "-", "~": "-", "_": "-"})
_DROP = re.compile(r"[\s,;:.。、·'\"“”‘’/\\|]+")
_BRACKETS = re.compile(r"[(\[【〔{]([^)\]】〕}]*)[)\]】〕}]")
_NOISE_ANYWHERE = re.compile("斜对面|对面|附近|旁边|隔壁|老小区")
# Directions only count as noise at the end: inside a name they are part of it (街西居委会, 南街村).
_NOISE_TRAILING = re.compile(
    "(?:(?:东南|东北|西南|西北|东|西|南|北)(?:边|侧|面|头)|后面|前面|后边|前边|里面|门口|一带|周边|周围|对过)+$"
)

_NUMERIC_PART = re.compile(
    r"""
    (?P<triple>(?P<t_building>\d{1,3})-(?P<t_entrance>\d{1,2})-(?P<t_room>\d{1,5})室?)
    |(?P<pair>(?P<p_first>\d{1,3})-(?P<p_second>\d{1,5})室?)
    |第?(?P<group>\d{1,3})(?:村民小组|小组|组|队)
    |(?P<building>\d{1,3})(?:号楼|栋|幢|座|\#楼|\#)
    |(?P<entrance>\d{1,2})单元
    |(?P<room>\d{1,5})室
    |(?P<floor>\d{1,2})(?:楼|层)
    |(?P<house>\d{1,5})号(?!楼)
    |(?P<number>\d+)
    """,
    re.VERBOSE,
)


class Lexicon:
    """Known place words and the unit levels each can name, for longest-match reading."""

    def __init__(self, words: Mapping[str, Iterable[str]]) -> None:
        self._kinds = {word: frozenset(kinds) for word, kinds in words.items() if word}
        lengths: dict[str, set[int]] = {}
        for word in self._kinds:
            lengths.setdefault(word[0], set()).add(len(word))
        self._lengths = {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}

    def __contains__(self, word: object) -> bool:
        return word in self._kinds

    def __len__(self) -> int:
        return len(self._kinds)

    def kinds(self, word: str) -> frozenset[str]:
        return self._kinds.get(word, frozenset())

    def longest_at(self, text: str, start: int) -> str:
        """The longest known word starting at ``start`` ("" when none)."""
        for length in self._lengths.get(text[start : start + 1], ()):
            word = text[start : start + length]
            if word in self._kinds:
                return word
        return ""


@dataclass(frozen=True, slots=True)
class Token:
    """A place-like piece of the address: a known word, or an unknown one classified by its marker."""

    text: str  # as written
    kinds: frozenset[str]  # the levels it can name
    word: str = ""  # the lexicon word it was read as ("" when unknown)

    @property
    def known(self) -> bool:
        return bool(self.word)


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """What the text says, part by part; names as written (resolving them is the gazetteer's job)."""

    text: str
    normalized: str
    province: str = ""
    city: str = ""
    district: str = ""
    # True when the text names another province/city/district, False when it names ours, None when silent.
    outside_district: bool | None = None
    outside: str = ""  # the name that put it outside
    town: str = ""
    village: str = ""
    compound: str = ""
    street: str = ""
    house: int | None = None  # 振兴路117号
    group: int | None = None  # 3组, 3队, 第三村民小组
    building: int | None = None  # 3栋, 3幢, 3号楼
    entrance: int | None = None  # 2单元
    room: int | None = None  # 501室, or a trailing 501 after a building/entrance
    tokens: tuple[Token, ...] = ()
    hints: tuple[str, ...] = ()  # bracketed asides such as (原XX): former names worth a second look
    rest: str = ""  # text nothing could read


def cn_to_int(numeral: str) -> int:
    """三 → 3, 十二 → 12, 二十三 → 23, 一百零五 → 105; digit by digit without units: 五零一 → 501."""
    if not any(ch in _CN_UNITS for ch in numeral):
        return int("".join(str(_CN_DIGITS[ch]) for ch in numeral))
    total = current = 0
    for ch in numeral:
        if ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


def _digits(match: re.Match[str]) -> str:
    return str(cn_to_int(match.group()))


def _numerals_to_digits(text: str) -> str:
    if not _ANY_CN.search(text):
        return text
    return _CN_AFTER_PART.sub(_digits, _CN_BEFORE_MARKER.sub(_digits, text))


def _clean(text: str) -> str:
    return _DROP.sub("", text.translate(_DASHES))


def normalize(text: str) -> str:
    """Half-width, no spaces or punctuation, numbers in digits where they are numbers."""
    return _numerals_to_digits(_clean(unicodedata.normalize("NFKC", text)))


def _take_asides(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove bracketed asides; keep those that may name the place (原XX → XX), drop noise ones."""
    hints: list[str] = []
    for match in _BRACKETS.finditer(text):
        inner = _NOISE_TRAILING.sub("", _NOISE_ANYWHERE.sub("", match.group(1)))
        inner = inner.removeprefix("原").removeprefix("现")
        if len(inner) >= 2:
            hints.append(inner)
    return _BRACKETS.sub("", text), tuple(hints)


def _strip_noise(text: str) -> str:
    return _NOISE_TRAILING.sub("", _NOISE_ANYWHERE.sub("", text))


def _alternatives(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``words``, the longest where several start alike."""
    return re.compile("|".join(map(re.escape, sorted(set(words), key=len, reverse=True))))


@functools.cache
def _prefix_pattern() -> re.Pattern[str]:
    """One pattern for every prefix, tried in this order at each step; names from the shipped divisions."""
    divisions = read_divisions()
    home = next(d for d in divisions if d.code == district_code())
    city = next(d for d in divisions if d.code == home.parent_code)

    def names(division: Division) -> list[str]:
        return [division.name, *(alias for alias, _kind, _valid_to in aliases(division))]

    neighbours = list(FORMER_NEIGHBOURS)
    for division in divisions:
        if division.level == UnitLevel.DISTRICT and division.code != district_code():
            neighbours.append(division.name)
            short = core_name(division.name, division.level)
            if short not in names(city):  # 淮安 alone is the city, not 淮安区
                neighbours.append(short)
    provinces = _alternatives(p for p in PROVINCES if p not in HOME_PROVINCE).pattern
    alternatives = {
        "home_district": _alternatives(names(home)).pattern,
        # Before our city, so 淮安区 is read whole rather than as 淮安 + 区.
        "neighbour": _alternatives(neighbours).pattern,
        "home_city": _alternatives(names(city)).pattern,
        "home_province": _alternatives(HOME_PROVINCE).pattern,
        "province": f"(?:{provinces})(?:{_alternatives(PROVINCE_SUFFIXES).pattern})?",
        "city": r"[\u4e00-\u9fff]{2,3}市",
    }
    return re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in alternatives.items()))


_OTHER_COUNTY = re.compile(r"[\u4e00-\u9fff]{2,4}?[区县]")
_NOT_A_COUNTY = ("社区", "小区", "园区", "景区", "校区", "厂区", "营区", "矿区", "开发区")


@dataclass
class _Reading:
    """Mutable state of one parse; frozen into a :class:`ParsedAddress` at the end."""

    province: str = ""
    city: str = ""
    district: str = ""
    outside: str = ""
    home: bool = False
    tokens: list[Token] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    street: str = ""
    rest: list[str] = field(default_factory=list)


def _read_prefixes(text: str, lexicon: Lexicon, reading: _Reading) -> int:
    """Consume province/city/district names at the start; returns where the rest begins."""
    pattern = _prefix_pattern()
    position = 0

    def known_beyond(word: str) -> bool:
        # A place name that merely starts like a prefix (洪泽园三村, 洪泽湖花园) is not one; nor is a short
        # name that a marker turns into a compound or road (金湖花苑, 盱眙路).
        if len(lexicon.longest_at(text, position)) >= len(word):
            return True
        return not word.endswith(("省", "市", "区", "县")) and _extended(text, position + len(word), lexicon)

    while position < len(text):
        match = pattern.match(text, position)
        if match is not None:
            word, kind = match.group(), match.lastgroup
        elif not reading.district and (match := _OTHER_COUNTY.match(text, position)):
            # A county that is not ours, after a city (淮安市清河区, 南京市鼓楼区) or alone when it is a 县
            # (来安县): none of our towns, villages or compounds ends so; a bare 区 might (临河社区).
            word = match.group()
            county = word.endswith("县") or (reading.city and not word.endswith(_NOT_A_COUNTY))
            kind = "neighbour" if county else ""
        else:
            break
        if not kind or known_beyond(word):
            break
        if kind in ("home_district", "neighbour"):
            reading.district = word
        elif kind in ("home_city", "city"):
            reading.city = word
        else:
            reading.province = word
        if kind == "home_district":
            reading.home = True
        elif kind in ("neighbour", "province", "city"):
            reading.outside = reading.outside or word
        position += len(word)
    return position


def _flush(buffer: str, before: str, reading: _Reading) -> None:
    """Classify an unknown stretch by its markers; ``before`` is the kind of numbered part that follows."""
    if not buffer:
        return
    pieces: list[tuple[str, str]] = []
    start = 0
    for match in _END_RE.finditer(buffer):
        end, kind = match.group(), _ENDS[match.group()]
        if match.start() > start:
            pieces.append((buffer[start : match.end()], kind))
        elif pieces:
            # A bare ending right after a piece extends it: 惠民家园 + 社区, 南街 + 村.
            pieces.append((pieces.pop()[0] + end, kind))
        else:
            continue  # an ending at the very start opens a name instead (镇江路)
        start = match.end()
    if start < len(buffer):
        guess = {"building": UnitLevel.COMPOUND.value, "group": UnitLevel.VILLAGE.value, "house": STREET}
        pieces.append((buffer[start:], guess.get(before, "")))
    for text, kind in pieces:
        if kind == STREET:
            reading.street = text
        elif kind and len(text) >= 2:
            reading.tokens.append(Token(text, frozenset({kind})))
        else:
            reading.rest.append(text)


def _read_number(match: re.Match[str], reading: _Reading) -> str:
    """Record a numbered part; returns its kind ("" when it means nothing here)."""
    numbers = reading.numbers
    kind = match.lastgroup or ""
    if kind == "triple":
        numbers.update(
            building=int(match["t_building"]), entrance=int(match["t_entrance"]), room=int(match["t_room"])
        )
        return "building"
    if kind == "pair":
        # 3-501 is building-room; after a building, 2-501 is entrance-room.
        first = "entrance" if "building" in numbers else "building"
        numbers.update({first: int(match["p_first"]), "room": int(match["p_second"])})
        return "building"
    value = int(match[kind])
    if kind == "number":
        after_flat = "building" in numbers or "entrance" in numbers
        if after_flat and "room" not in numbers and len(match.group()) >= 3:
            numbers["room"] = value
            return "room"
        if "group" in numbers and "house" not in numbers:
            numbers["house"] = value
            return "house"
        reading.rest.append(match.group())
        return ""
    if kind != "floor":
        numbers.setdefault(kind, value)
    return kind


def _extended(text: str, after: int, lexicon: Lexicon) -> bool:
    """A known word followed by a marker it does not carry names something else: 临河路 is a road,
    幸福家园 a compound, not 临河 or 幸福 — unless the marker starts another known word (西顺河 + 街西)."""
    return bool(_END_RE.match(text, after)) and not lexicon.longest_at(text, after)


def _known_token(text: str, start: int, lexicon: Lexicon) -> Token | None:
    word = lexicon.longest_at(text, start)
    if not word:
        return None
    after = start + len(word)
    end = _END_RE.match(text, after)
    if end is None or lexicon.longest_at(text, after):
        return Token(word, lexicon.kinds(word), word)
    kind = _ENDS[end.group()]
    if kind in lexicon.kinds(word):
        # The right name with the wrong suffix is still the name: 高良涧镇 (the old name of 高良涧街道),
        # 临河村 for 临河社区. The suffix narrows which level it names.
        return Token(word + end.group(), frozenset({kind}), word)
    return None  # a marker of another kind makes it something else: 临河路, 幸福家园


def _read_body(text: str, start: int, lexicon: Lexicon, reading: _Reading) -> None:
    """Longest known word first, then numbered parts; what is left is classified by markers."""
    buffer: list[str] = []
    position = start
    while position < len(text):
        char = text[position]
        if token := _known_token(text, position, lexicon):
            _flush("".join(buffer), "", reading)
            buffer.clear()
            reading.tokens.append(token)
            position += len(token.text)
            continue
        if (char.isdigit() or char == "第") and (match := _NUMERIC_PART.match(text, position)):
            kind = _read_number(match, reading)
            _flush("".join(buffer), kind, reading)
            buffer.clear()
            position = match.end()
            continue
        if char == "-":
            _flush("".join(buffer), "", reading)
            buffer.clear()
        else:
            buffer.append(char)
        position += 1
    _flush("".join(buffer), "", reading)


def _roles(tokens: list[Token]) -> dict[str, str]:
    """The parser's own reading of town/village/compound: each token takes the shallowest open level."""
    order = (UnitLevel.TOWN.value, UnitLevel.VILLAGE.value, UnitLevel.COMPOUND.value)
    roles: dict[str, str] = {}
    reached = -1
    for token in tokens:
        for depth, level in enumerate(order):
            if depth > reached and level in token.kinds:
                roles[level] = token.text
                reached = depth
                break
    return roles


@functools.cache
def division_lexicon() -> Lexicon:
    """The towns and villages of public record with their name variants (no local compounds)."""
    words: dict[str, set[str]] = {}
    for division in read_divisions():
        if division.code.startswith(district_code()) and division.level in ("town", "village"):
            for name in (division.name, *(alias for alias, _kind, _valid_to in aliases(division))):
                words.setdefault(normalize(name), set()).add(division.level)
    return Lexicon(words)


def parse_address(text: str, lexicon: Lexicon | None = None) -> ParsedAddress:
    lexicon = lexicon if lexicon is not None else division_lexicon()
    cleaned, hints = _take_asides(unicodedata.normalize("NFKC", text))
    # Noise goes before numerals, so a room written 五零一 is still last once 附近 is gone.
    normalized = _numerals_to_digits(_strip_noise(_clean(cleaned)))
    reading = _Reading()
    body = _read_prefixes(normalized, lexicon, reading)
    _read_body(normalized, body, lexicon, reading)
    roles = _roles(reading.tokens)
    numbers = reading.numbers
    return ParsedAddress(
        text=text,
        normalized=normalized,
        province=reading.province,
        city=reading.city,
        district=reading.district,
        outside_district=True if reading.outside else (False if reading.home else None),
        outside=reading.outside,
        town=roles.get("town", ""),
        village=roles.get("village", ""),
        compound=roles.get("compound", ""),
        street=reading.street,
        house=numbers.get("house"),
        group=numbers.get("group"),
        building=numbers.get("building"),
        entrance=numbers.get("entrance"),
        room=numbers.get("room"),
        tokens=tuple(reading.tokens),
        hints=tuple(normalize(hint) for hint in hints),
        rest="".join(reading.rest),
    )
