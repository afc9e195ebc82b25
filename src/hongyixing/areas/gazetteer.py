"""The district's own gazetteer: route a written address to town → village → group/compound/building →
grid, with a confidence and the evidence for it (domain §1 step 2, §9).

The whole tree is held in memory (a few set-based queries), so routing a batch costs no query per row.
:mod:`hongyixing.areas.addressparse` reads the text; this module decides which units it names.

Confidence is the product of the evidence factors below, so it orders the cases: 1.0 for official names
down to a grid, ≈0.97 with the usual short names (临河社区), ≈0.75 with a misspelt village, ≤0.5 when the
grid is not determined (a village over several grids, or none), ≤0.3 for the town alone, ≈0.15 when two
units fit equally, 0 when nothing was placed. Below about 0.6 an address deserves a look by a person.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Length
from django.utils import timezone

from hongyixing.areas.addressparse import Lexicon, ParsedAddress, Token, normalize, parse_address
from hongyixing.areas.choices import PATH_LENGTH, UnitLevel, ancestor_paths
from hongyixing.areas.divisions import core_name
from hongyixing.areas.models import AdminUnit, Grid, UnitAlias

# How well a written word names a unit.
EXACT, ALIAS, FUZZY = "exact", "alias", "fuzzy"
QUALITY = {EXACT: 1.0, ALIAS: 0.97, FUZZY: 0.75}
# Structural evidence.
NO_TOWN = 0.95  # a village/compound unique in the district, its town not written
CONFLICT = 0.7  # per written name that belongs elsewhere
UNREAD = 0.85  # a place-like word that names nothing we know
NUMBER_NOT_FOUND = 0.8  # 9组 / 7栋 written but no such unit
BUILDING_WITHOUT_COMPOUND = 0.9  # 3栋 found through the village's only compound with a building 3
SPANS_GRIDS = 0.8  # the unit has a grid but its subtree reaches into others
AMBIGUOUS = 0.5  # another reading is as good
GRID_UNRESOLVED = 0.5  # a village/compound over several grids (or none), nothing finer written
TOWN_ONLY = 0.3
SUGGESTIONS = 5

NAMED_LEVELS = (UnitLevel.TOWN.value, UnitLevel.VILLAGE.value, UnitLevel.COMPOUND.value)
VILLAGE_LENGTH = PATH_LENGTH[UnitLevel.VILLAGE]
TOWN_LENGTH = PATH_LENGTH[UnitLevel.TOWN]
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Unit:
    path: str
    name: str
    level: str
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class GridInfo:
    id: int
    name: str
    village_path: str
    households: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    unit_path: str
    names: str  # 岔河镇 › 淮宝居委会 › 阳光花园
    score: float
    grid_id: int | None = None


@dataclass(frozen=True, slots=True)
class Routing:
    """Where an address goes. ``confidence`` is about ``unit_path``/``grid_id``: an address outside the
    district is routed nowhere (0.0) with ``outside_district`` set, for the desk to forward (转外地协查)."""

    text: str
    unit_path: str | None  # the deepest unit resolved
    grid_id: int | None
    level: str | None
    confidence: float
    reason: str
    outside_district: bool
    suggestions: tuple[Suggestion, ...] = ()
    parsed: ParsedAddress | None = field(default=None, repr=False, compare=False)
    # How sure the placement at ``unit_path`` is, leaving out whether one grid follows: a village
    # placed for certain over several grids is work for the village's desk, not for a person to read.
    place_confidence: float = 0.0
    # Several units fit the address equally well (the suggestions list them).
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class _Match:
    path: str
    how: str


@dataclass(frozen=True, slots=True)
class _Evidence:
    token: Token
    matches: tuple[_Match, ...]


@dataclass
class _Reading:
    """One hypothesis: ``anchor`` is the deepest named unit, ``named`` the words that name its chain."""

    anchor: str
    named: dict[str, tuple[Token, _Match]]
    support: int
    conflicts: list[Token]
    quality: float
    key: tuple[int, int, int, float] = field(init=False)  # how good, best first

    def __post_init__(self) -> None:
        self.key = (self.support, -len(self.conflicts), len(self.anchor), self.quality)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def unit_number(name: str, path: str) -> int:
    """The number a group or building is written with: 十二组 → 12, 3栋 → 3; else the path's own digits."""
    match = re.match(r"\d+", normalize(name).removeprefix("第"))
    return int(match.group()) if match else int(path[-3:])


class Gazetteer:
    """Every unit, alias and grid of the district, indexed for routing; immutable once built."""

    _current: ClassVar[Gazetteer | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        units: Iterable[Unit],
        aliases: Iterable[tuple[str, str]],
        grids: Iterable[GridInfo],
        signature: tuple[Any, ...] = (),
    ) -> None:
        """``aliases`` are (unit path, alias) pairs."""
        self.signature = signature
        self.units: dict[str, Unit] = {unit.path: unit for unit in units}
        self.grids: dict[int, GridInfo] = {grid.id: grid for grid in grids}
        self._words: dict[str, dict[str, str]] = {}  # word → {path: how}
        self._numbered: dict[tuple[str, int], str] = {}  # (village or compound path, number) → unit path
        self._village_buildings: dict[tuple[str, int], list[str]] = {}
        self._grids_under: dict[str, set[int]] = {}
        self._cores: dict[str, dict[str, str]] = {}  # fuzzy keys: town/village cores, compound names
        # The grid of the deepest unit on each path that has one (a building's, else its compound's).
        self._grid_owner: dict[str, str] = {}
        for unit in sorted(self.units.values(), key=lambda u: u.path):
            self._index_unit(unit)
        for path, alias in aliases:
            if path in self.units and self.units[path].level in NAMED_LEVELS:
                self._add_word(normalize(alias), path, ALIAS)
        for grid in self.grids.values():
            self._grids_under.setdefault(grid.village_path, set()).add(grid.id)
        self._fuzzy_index: dict[str, set[str]] = {}
        for core in self._cores:
            for deleted in _deletions(core):
                self._fuzzy_index.setdefault(deleted, set()).add(core)
        self._matches = {
            word: tuple(_Match(path, how) for path, how in paths.items())
            for word, paths in self._words.items()
        }
        self.lexicon = Lexicon(
            {word: {self.units[path].level for path in paths} for word, paths in self._words.items()}
        )

    def _add_word(self, word: str, path: str, how: str) -> None:
        paths = self._words.setdefault(word, {})
        if paths.get(path) != EXACT:
            paths[path] = how

    def _index_unit(self, unit: Unit) -> None:
        name = normalize(unit.name)
        if unit.level in NAMED_LEVELS:
            self._add_word(name, unit.path, EXACT)
            core = normalize(core_name(unit.name, unit.level))
            self._add_word(core, unit.path, ALIAS)
            self._cores.setdefault(core, {})[unit.path] = FUZZY
            if unit.level == UnitLevel.COMPOUND and not name.endswith("小区"):
                self._add_word(name + "小区", unit.path, ALIAS)  # 幸福家园小区: people add it
        parent = unit.path[:-3] if len(unit.path) > VILLAGE_LENGTH else ""
        if unit.level in (UnitLevel.GROUP, UnitLevel.BUILDING) and parent:
            number = unit_number(unit.name, unit.path)
            self._numbered.setdefault((parent, number), unit.path)
            if unit.level == UnitLevel.BUILDING:
                self._village_buildings.setdefault((unit.path[:VILLAGE_LENGTH], number), []).append(unit.path)
        if unit.grid_id is not None:
            for path in ancestor_paths(unit.path):
                if len(path) >= VILLAGE_LENGTH:
                    self._grids_under.setdefault(path, set()).add(unit.grid_id)
        if len(unit.path) >= VILLAGE_LENGTH:
            inherited = self._grid_owner.get(unit.path[:-3], "")
            self._grid_owner[unit.path] = unit.path if unit.grid_id is not None else inherited

    # ------------------------------------------------------------------ loading and caching

    @classmethod
    def build(cls) -> Gazetteer:
        """Load the current tree: one query each for units, aliases and grids (and the fingerprint's)."""
        return cls._load(_signature())

    @classmethod
    def _load(cls, signature: tuple[Any, ...]) -> Gazetteer:
        today = timezone.localdate()
        current = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        units = [
            Unit(path, name, level, grid_id)
            for path, name, level, grid_id in AdminUnit.objects.filter(current)
            .order_by("path")
            .values_list("path", "name", "level", "grid_id")
        ]
        aliases = list(UnitAlias.objects.values_list("unit__path", "alias"))
        grids = [
            GridInfo(pk, name, village_path, households)
            for pk, name, village_path, households in Grid.objects.values_list(
                "pk", "name", "unit_path", "household_count"
            )
        ]
        return cls(units, aliases, grids, signature)

    @classmethod
    def get(cls) -> Gazetteer:
        """The process-wide gazetteer, rebuilt when the tree changed since it was built."""
        signature = _signature()
        cached = cls._current
        if cached is not None and cached.signature == signature:
            return cached
        with cls._lock:
            if cls._current is None or cls._current.signature != signature:
                cls._current = cls._load(signature)
            return cls._current

    @classmethod
    def invalidate(cls) -> None:
        with cls._lock:
            cls._current = None

    # ------------------------------------------------------------------ routing

    def route_many(self, texts: Sequence[str]) -> list[Routing]:
        # Push lists repeat addresses (one household, several people): route each text once.
        seen: dict[str, Routing] = {}
        return [seen[text] if text in seen else seen.setdefault(text, self.route(text)) for text in texts]

    def route(self, text: str) -> Routing:
        parsed = parse_address(text, self.lexicon)
        if parsed.outside_district:
            return Routing(
                text, None, None, None, 0.0, f"outside the district: {parsed.outside}", True, parsed=parsed
            )
        evidence, unread = self._evidence(parsed.tokens)
        readings = self._readings(evidence)
        if parsed.hints and (not readings or len(readings[0].anchor) < VILLAGE_LENGTH):
            # A bracketed former name is the next best thing when the main text did not place the village.
            hinted, _unread = self._evidence(
                tuple(token for hint in parsed.hints for token in parse_address(hint, self.lexicon).tokens)
            )
            readings = self._readings(evidence + hinted) or readings
        if not readings:
            reason = "no place recognised" + (f"; unrecognised {'/'.join(unread)}" if unread else "")
            return Routing(
                text, None, None, None, 0.0, reason, False, self._near_misses(parsed.tokens), parsed
            )
        return self._resolve(parsed, readings, unread)

    def _evidence(self, tokens: Iterable[Token]) -> tuple[list[_Evidence], list[str]]:
        """What each place word can name; the words that name nothing we know."""
        evidence: list[_Evidence] = []
        unread: list[str] = []
        for token in tokens:
            if token.known:
                matches = self._matches.get(token.word, ())
                if token.text != token.word:
                    matches = tuple(m for m in matches if self.units[m.path].level in token.kinds)
            else:
                matches = self._fuzzy(token)
                if not matches:
                    unread.append(token.text)
            if matches:
                evidence.append(_Evidence(token, matches))
        return evidence, unread

    def _fuzzy(self, token: Token) -> tuple[_Match, ...]:
        """Cores one dropped, extra or (for 3+ characters) changed character away from the written one."""
        return tuple(
            _Match(path, FUZZY) for key in self._near(token, loose=False) for path in self._cores[key]
        )

    def _near(self, token: Token, *, loose: bool) -> list[str]:
        """Known cores one edit from the token's; ``loose`` also allows a changed character in short ones
        (too weak to route on: 龙山 is as near 长山 as 龟山, but fine to suggest)."""
        kind = next(iter(token.kinds), "")
        query = core_name(token.text, kind) if kind in ("town", "village") else token.text
        if len(query) < 2:
            return []
        keys = set(self._fuzzy_index.get(query, ()))  # a character was dropped
        deleted = _deletions(query)
        keys.update(d for d in deleted if d in self._cores and len(d) >= 2)  # a character was added
        if loose or len(query) >= 3:  # a character was changed
            keys.update(k for d in deleted for k in self._fuzzy_index.get(d, ()) if len(k) == len(query))
        keys.discard(query)
        return sorted(keys)

    def _readings(self, evidence: list[_Evidence]) -> list[_Reading]:
        """Every unit some word names, as a hypothesis; best first."""
        if all(len(item.matches) == 1 for item in evidence):
            # The usual case: each word names one unit, and they nest; the deepest explains them all.
            paths = [item.matches[0].path for item in evidence]
            if all(len(a) < len(b) and b.startswith(a) for a, b in zip(paths, paths[1:], strict=False)):
                reading = self._reading(paths[-1], evidence) if paths else None
                return [reading] if reading is not None else []
        anchors = {match.path for item in evidence for match in item.matches}
        readings = [r for r in (self._reading(anchor, evidence) for anchor in anchors) if r is not None]
        return sorted(readings, key=lambda r: (r.key, r.anchor), reverse=True)

    def _reading(self, anchor: str, evidence: list[_Evidence]) -> _Reading | None:
        named: dict[str, tuple[Token, _Match]] = {}
        conflicts: list[Token] = []
        support = 0
        depth = 0
        for item in evidence:
            on_chain = [m for m in item.matches if anchor.startswith(m.path)]
            if not on_chain:
                conflicts.append(item.token)
                continue
            support += 1
            # Words come town first: each names the shallowest level below the previous one (so
            # 蒋坝镇蒋坝 is town then village, and 蒋坝 alone is the town).
            deeper = [m for m in on_chain if len(m.path) > depth and m.path not in named]
            if deeper:
                pick = min(deeper, key=lambda m: (len(m.path), -QUALITY[m.how]))
                named[pick.path] = (item.token, pick)
                depth = len(pick.path)
        if anchor not in named:
            return None
        quality = 1.0
        for _token, match in named.values():
            quality *= QUALITY[match.how]
        return _Reading(anchor, named, support, conflicts, quality)

    def _resolve(self, parsed: ParsedAddress, readings: list[_Reading], unread: list[str]) -> Routing:
        best = readings[0]
        rivals = [r for r in readings if r.key[:3] == best.key[:3] and best.quality - r.quality < 0.1]
        confidence = best.quality
        reasons = [
            f"{self.units[p].level} {token.text} {m.how}" for p, (token, m) in sorted(best.named.items())
        ]
        suggestions: list[Suggestion] = []
        if len(rivals) > 1:
            return self._ambiguous(parsed, rivals, reasons)
        town_written = any(len(p) == TOWN_LENGTH for p in best.named) or any(
            UnitLevel.TOWN in token.kinds for token in best.conflicts
        )
        if not town_written and len(best.anchor) > TOWN_LENGTH:
            confidence *= NO_TOWN
            reasons.append("town not written")
        for token in best.conflicts:
            confidence *= CONFLICT
            reasons.append(f"{token.text} does not fit")
        leftover = [*unread, *([parsed.rest] if _HAS_CJK.search(parsed.rest) else [])]
        if leftover:
            # Text we could not read may be the real place (小张庄 read as 张庄): worth a look.
            confidence *= UNREAD
            reasons.append(f"unrecognised {'/'.join(leftover)}")
            suggestions += [
                s for s in self._near_misses(parsed.tokens) if s.unit_path.startswith(best.anchor)
            ]
        deepest, factor, notes, options = self._descend(best.anchor, parsed)
        confidence *= factor
        reasons += notes
        suggestions += options
        place_confidence = confidence
        grid_id, factor, notes, options = self._grid(deepest)
        confidence *= factor
        reasons += notes
        suggestions += options
        return Routing(
            parsed.text,
            deepest,
            grid_id,
            self.units[deepest].level,
            round(confidence, 3),
            "; ".join(reasons),
            False,
            tuple(suggestions[:SUGGESTIONS]),
            parsed,
            round(place_confidence, 3),
        )

    def _ambiguous(self, parsed: ParsedAddress, rivals: list[_Reading], reasons: list[str]) -> Routing:
        """Several units fit equally: route only as deep as they agree, and list them."""
        shared = os.path.commonprefix([r.anchor for r in rivals])
        agreed = next((p for p in reversed(ancestor_paths(shared)) if p in self.units), None)
        grid_id, factor = None, TOWN_ONLY
        if agreed is not None and len(agreed) < TOWN_LENGTH:
            agreed = None
        elif agreed is not None:
            grid_id, factor, _notes, _options = self._grid(agreed)
        names = " / ".join(self.chain(r.anchor) for r in rivals[:SUGGESTIONS])
        suggestions = tuple(self._suggest(parsed, r) for r in rivals[:SUGGESTIONS])
        return Routing(
            parsed.text,
            agreed,
            grid_id,
            self.units[agreed].level if agreed else None,
            round(rivals[0].quality * AMBIGUOUS * factor, 3),
            "; ".join([*reasons, f"ambiguous: {names}"]),
            False,
            suggestions,
            parsed,
            # Every rival lies under the agreed unit: that much is as sure as the readings are.
            round(rivals[0].quality, 3) if agreed else 0.0,
            ambiguous=True,
        )

    def _suggest(self, parsed: ParsedAddress, reading: _Reading) -> Suggestion:
        """A rival reading taken as deep as the written numbers go, with its grid when that is certain."""
        deepest, factor, _notes, _options = self._descend(reading.anchor, parsed)
        grid_id, grid_factor, _notes, _options = self._grid(deepest)
        score = reading.quality * AMBIGUOUS * factor * grid_factor
        return Suggestion(deepest, self.chain(deepest), round(score, 3), grid_id)

    def _descend(self, anchor: str, parsed: ParsedAddress) -> tuple[str, float, list[str], list[Suggestion]]:
        """Below the named units: the group or building by its number."""
        unit = self.units[anchor]
        if unit.level == UnitLevel.VILLAGE and parsed.group is not None:
            group = self._numbered.get((anchor, parsed.group))
            if group is None:
                return anchor, NUMBER_NOT_FOUND, [f"group {parsed.group}组 not found"], []
            return group, 1.0, [f"group {self.units[group].name}"], []
        if parsed.building is None or unit.level not in (UnitLevel.VILLAGE, UnitLevel.COMPOUND):
            return anchor, 1.0, [], []
        if unit.level == UnitLevel.COMPOUND:
            building = self._numbered.get((anchor, parsed.building))
            if building is None:
                return anchor, NUMBER_NOT_FOUND, [f"building {parsed.building}栋 not found"], []
            return building, 1.0, [f"building {self.units[building].name}"], []
        found = self._village_buildings.get((anchor, parsed.building), [])
        if len(found) == 1:
            compound = self.units[found[0][: PATH_LENGTH[UnitLevel.COMPOUND]]].name
            note = f"building {self.units[found[0]].name} in {compound}, the only one so numbered"
            return found[0], BUILDING_WITHOUT_COMPOUND, [note], []
        share = round(AMBIGUOUS / max(len(found), 1), 3)
        options = [Suggestion(p, self.chain(p), share, self.units[p].grid_id) for p in found]
        note = f"building {parsed.building}栋 " + ("in several compounds" if found else "not found")
        return anchor, NUMBER_NOT_FOUND, [note], options

    def _grid(self, deepest: str) -> tuple[int | None, float, list[str], list[Suggestion]]:
        unit = self.units[deepest]
        if len(deepest) < VILLAGE_LENGTH:
            return None, TOWN_ONLY, ["grid unresolved: only the town"], []
        under = sorted(self._grids_under.get(deepest, ()))
        owner = self._grid_owner.get(deepest, "")
        if grid_id := self.units[owner].grid_id if owner else None:
            note = f"grid {self._grid_name(grid_id)}"
            if len(under) > 1:
                return grid_id, SPANS_GRIDS, [f"{note} ({unit.name} spans {len(under)} grids)"], []
            return grid_id, 1.0, [note], []
        if len(under) == 1:
            return under[0], 1.0, [f"grid {self._grid_name(under[0])}, the only one of {unit.name}"], []
        if not under:
            return None, GRID_UNRESOLVED, [f"grid unresolved: no grid covers {unit.name}"], []
        total = sum(self.grids[g].households for g in under if g in self.grids) or len(under)
        options = sorted(
            (
                Suggestion(
                    deepest,
                    f"{self.chain(deepest)} › {self._grid_name(g)}",
                    # A grid's share of the households is the best prior we have.
                    round(GRID_UNRESOLVED * (self.grids[g].households or total / len(under)) / total, 3),
                    g,
                )
                for g in under
            ),
            key=lambda s: -s.score,
        )
        return None, GRID_UNRESOLVED, [f"grid unresolved: {unit.name} has {len(under)} grids"], options

    def _near_misses(self, tokens: Iterable[Token]) -> tuple[Suggestion, ...]:
        paths = sorted(
            {
                path
                for t in tokens
                if not t.known
                for key in self._near(t, loose=True)
                for path in self._cores[key]
            }
        )
        return tuple(Suggestion(p, self.chain(p), 0.1, self._sole_grid(p)) for p in paths[:SUGGESTIONS])

    def _sole_grid(self, path: str) -> int | None:
        under = self._grids_under.get(path, set())
        return next(iter(under)) if len(under) == 1 else None

    def _grid_name(self, grid_id: int) -> str:
        grid = self.grids.get(grid_id)
        return grid.name if grid else str(grid_id)

    def chain(self, path: str) -> str:
        """Names from the town down: 高良涧街道 › 临河社区居委会 › 幸福家园 › 3栋."""
        return " › ".join(
            self.units[p].name for p in ancestor_paths(path) if len(p) >= TOWN_LENGTH and p in self.units
        )


def _signature() -> tuple[Any, ...]:
    """Cheap fingerprint of the tree (one scan per table): changes when units, aliases or grids are added
    or removed, renamed (``do_update_unit`` bumps ``version``; ``do_load_divisions`` does not, hence the
    name lengths) or regridded, and with the date, because units expire (``valid_to``)."""
    units = AdminUnit.objects.aggregate(
        n=Count("id"), top=Max("id"), versions=Sum("version"), names=Sum(Length("name")), grids=Sum("grid_id")
    )
    aliases = UnitAlias.objects.aggregate(n=Count("id"), top=Max("id"), names=Sum(Length("alias")))
    grids = Grid.objects.aggregate(n=Count("id"), top=Max("id"))
    return (
        tuple(units.values()),
        tuple(aliases.values()),
        tuple(grids.values()),
        dt.date.isoformat(timezone.localdate()),
    )


def route(text: str) -> Routing:
    return Gazetteer.get().route(text)


def route_many(texts: Sequence[str]) -> list[Routing]:
    return Gazetteer.get().route_many(texts)
