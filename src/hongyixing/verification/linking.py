"""Linking push-list rows to the resident registry, set-based: a few IN queries per batch, no per-row ORM.

The cascade (domain.md §1): exact ID (blind index) → phone with the same name → name + birth date.
Every link carries a confidence and the reason; rows that do not link are routed by their address.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from hongyixing.areas.choices import PATH_LENGTH, UnitLevel
from hongyixing.core import phones
from hongyixing.core.crypto import blind_index
from hongyixing.core.masking import mask_id_number, mask_phone
from hongyixing.exchange.dates import parse_date
from hongyixing.people import idnumbers
from hongyixing.people.choices import DocumentType
from hongyixing.people.models import Person, PersonPhone

CHUNK = 500
VILLAGE_LENGTH = PATH_LENGTH[UnitLevel.VILLAGE]


@dataclass
class Candidate:
    """One row's identifying facts, normalised; never holds more plain personal data than the row."""

    row_number: int
    name: str
    id_number: str = ""
    id_index: str | None = None
    birth_date: dt.date | None = None
    phone_index: str | None = None
    document_masked: str = ""
    phone_masked: str = ""
    address: str = ""
    warnings: list[str] = field(default_factory=list)
    problem: str = ""
    person_id: int | None = None
    link_confidence: float = 0.0
    link_reason: str = ""
    household_hint: tuple[str, int | None] | None = None  # (unit_path, grid_id) of a phone owner's home
    arrival_date: dt.date | None = None
    # Blind indexes of the valid numbers one typo away from an invalid ID on the row.
    near_id_indexes: tuple[str, ...] = ()

    @property
    def identifiable(self) -> bool:
        return bool(self.name and (self.id_index or self.phone_index or self.address or self.birth_date))


def _clean_name(raw: str) -> str:
    return "".join(raw.split()).replace("·", "").replace("•", "")


def prepare(
    row_number: int, values: dict[str, str], damaged: Iterable[str] = (), today: dt.date | None = None
) -> Candidate:
    """Normalise one mapped row; every problem becomes a plain-language warning, never an exception.
    ``today`` is the day the list was received (it gives ``3月5日`` its year)."""
    candidate = Candidate(
        row_number=row_number,
        name=_clean_name(values.get("name", "")),
        address=values.get("address", "").strip()[:300],
    )
    arrival = values.get("arrival_time", "").strip()
    if arrival:
        candidate.arrival_date = parse_date(arrival, today or dt.date.today())
        if candidate.arrival_date is None:
            candidate.warnings.append(
                _("The arrival date “%(value)s” could not be read as a date; check it with the person")
                % {"value": arrival[:40]}
            )
    raw_id = values.get("id_number", "").strip()
    if (damaged and "id_number" in set(damaged)) or (raw_id and idnumbers.looks_like_excel_float(raw_id)):
        candidate.warnings.append(
            _("The ID number was turned into a number by a spreadsheet; its last digits are lost")
        )
        digits = "".join(ch for ch in raw_id if ch.isdigit())
        candidate.birth_date = _birth_from_digits(digits)
    elif raw_id:
        try:
            parsed = idnumbers.parse(raw_id)
        except idnumbers.IdNumberError as error:
            candidate.warnings.append(_("ID number: %(problem)s") % {"problem": error.message})
            candidate.birth_date = _birth_from_digits(idnumbers.normalise(raw_id))
            candidate.document_masked = mask_id_number(idnumbers.normalise(raw_id))
            candidate.near_id_indexes = tuple(
                blind_index("id", number) for number in idnumbers.near_misses(raw_id, today=today)
            )
        else:
            candidate.id_number = parsed.number
            candidate.id_index = blind_index("id", parsed.number)
            candidate.birth_date = parsed.birth_date
            candidate.document_masked = mask_id_number(parsed.number)
            if parsed.upgraded_from_15:
                candidate.warnings.append(_("A 15-digit ID number was upgraded to 18 digits"))
    raw_phone = values.get("phone", "").strip()
    if raw_phone:
        try:
            number = phones.normalise(raw_phone)
        except phones.PhoneError as error:
            candidate.warnings.append(_("Phone: %(problem)s") % {"problem": error.message})
        else:
            candidate.phone_index = blind_index("phone", number)
            candidate.phone_masked = mask_phone(number)
    if not candidate.name and not candidate.id_index and not candidate.phone_index:
        candidate.problem = _("Nothing identifies this person: no name, valid ID number or phone")
    elif not candidate.identifiable:
        candidate.problem = _("Only a name: add an ID number, phone or address to find this person")
    return candidate


def _birth_from_digits(digits: str) -> dt.date | None:
    if len(digits) >= 14 and digits[:6].isdigit():
        try:
            birth = dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        except ValueError:
            return None
        return birth if idnumbers.EARLIEST_BIRTH <= birth <= dt.date.today() else None
    return None


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True)
class Resident:
    id: int
    name: str
    birth_date: dt.date | None
    unit_path: str
    grid_id: int | None
    document_index: str | None = None


def _in(count: int) -> str:
    return "(" + ", ".join(["%s"] * count) + ")"


def _select(table: str, columns: str, where: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """One lookup of a chunk, in SQL we write: the ORM built and checked a lookup for each of a
    chunk's 500 values, seconds for a list of 100,000 rows. ``table``, ``columns`` and ``where`` are
    this module's own text, never input; the values are parameters."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE {where}", params)  # noqa: S608
        return cursor.fetchall()


_PERSONS = Person._meta.db_table
_PHONES = PersonPhone._meta.db_table
_RESIDENT_COLUMNS = "id, name, birth_date, unit_path, grid_id, document_index"
_ID = str(DocumentType.RESIDENT_ID.value)


def _as_date(value: Any) -> dt.date | None:
    # SQLite hands back the text the ORM stored; PostgreSQL a date.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _residents(where: str, params: Sequence[Any]) -> list[Resident]:
    return [
        Resident(pk, name, _as_date(birth), path, grid_id, index)
        for pk, name, birth, path, grid_id, index in _select(_PERSONS, _RESIDENT_COLUMNS, where, params)
    ]


def _by_id_index(indexes: Sequence[str]) -> list[Resident]:
    return _residents(f"document_type = %s AND document_index IN {_in(len(indexes))}", [_ID, *indexes])


def contradiction(c: Candidate, resident: Resident) -> str:
    """Why the row cannot be this resident, if its own ID number or birth date says otherwise."""
    if c.id_index and resident.document_index and c.id_index != resident.document_index:
        return _("the ID number on the list is not the resident's")
    if c.birth_date and resident.birth_date and c.birth_date != resident.birth_date:
        return _("the birth date on the list is not the resident's")
    return ""


def _blocked(c: Candidate, resident: Resident, why: str) -> None:
    warning = _("Not linked to %(name)s in the registry: %(why)s. Check who this is.") % {
        "name": resident.name,
        "why": why,
    }
    if warning not in c.warnings:
        c.warnings.append(warning)


@functools.lru_cache(maxsize=65_536)
def _readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character (曾: zeng, ceng). Only pypinyin's single-character
    dictionary is loaded: its phrase dictionary took a second to load and names are not phrases."""
    # pypinyin's package loads its phrase dictionary on import unless told not to; nothing here uses it.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin.pinyin_dict import pinyin_dict

    text = pinyin_dict.get(ord(char))
    if not text:
        return frozenset({char})
    return frozenset(_toneless(reading) for reading in text.split(","))


def _toneless(reading: str) -> str:
    spelled = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")  # lǜ → lv, not lu
    return "".join(ch for ch in spelled if not unicodedata.combining(ch))


def homophones(a: str, b: str) -> bool:
    """Two different names read alike (黎秀英 for 李秀英): the usual slip of a clerk typing from speech.
    Each pair of characters must share a reading (a surname read either way counts)."""
    return (
        a != b
        and len(a) == len(b)
        and all(x == y or _readings(x) & _readings(y) for x, y in zip(a, b, strict=True))
    )


def _one_typo_away(c: Candidate, by_near_index: dict[str, Resident]) -> Resident | None:
    """The one resident whose ID is a typing slip away from the row's invalid one and who has the row's
    name (or, read aloud, the same name). The birth date read from the mistyped number proves nothing."""
    near = [by_near_index[index] for index in c.near_id_indexes if index in by_near_index]
    fitting = [r for r in near if r.name == c.name or homophones(r.name, c.name)]
    return fitting[0] if len(fitting) == 1 else None


def link(candidates: Sequence[Candidate]) -> dict[int, Resident]:
    """Fill ``person_id``/confidence/reason on each candidate; return the residents it found by id."""
    found: dict[int, Resident] = {}
    by_index: dict[str, Resident] = {}
    id_indexes = sorted({c.id_index for c in candidates if c.id_index})
    for chunk in _chunks(id_indexes):
        for resident in _by_id_index(chunk):
            by_index[resident.document_index or ""] = resident
            found[resident.id] = resident

    by_near_index: dict[str, Resident] = {}
    near_indexes = sorted({index for c in candidates if not c.id_index for index in c.near_id_indexes})
    for chunk in _chunks(near_indexes):
        for resident in _by_id_index(chunk):
            by_near_index[resident.document_index or ""] = resident
            found[resident.id] = resident

    phone_owners: dict[str, list[int]] = defaultdict(list)
    phone_indexes = sorted({c.phone_index for c in candidates if c.phone_index})
    for chunk in _chunks(phone_indexes):
        where = f'"index" IN {_in(len(chunk))}'
        for person_id, index in _select(_PHONES, 'person_id, "index"', where, chunk):
            phone_owners[index].append(person_id)
    missing = sorted({pid for ids in phone_owners.values() for pid in ids} - set(found))

    # Name and birth date together: asking by name alone brought back every namesake in a city's
    # register (124,000 residents for a list of 10,000 at a million persons).
    unlinked_pairs = sorted(
        {(c.name, c.birth_date) for c in candidates if c.name and c.id_index not in by_index and c.birth_date}
    )
    by_name_birth: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    for chunk in _chunks(unlinked_pairs):
        wanted = set(chunk)
        names, births = sorted({name for name, _birth in chunk}), sorted({b for _n, b in chunk})
        where = f"name IN {_in(len(names))} AND birth_date IN {_in(len(births))}"
        for resident in _residents(where, [*names, *births]):
            if (resident.name, resident.birth_date) in wanted:
                by_name_birth[(resident.name, resident.birth_date)].append(resident.id)  # type: ignore[index]
                found[resident.id] = resident
    for chunk in _chunks(missing):
        for resident in _residents(f"id IN {_in(len(chunk))}", chunk):
            found[resident.id] = resident

    # The reasons in the active language, looked up once per list rather than once per row.
    id_matches, id_name_differs = _("ID number matches"), _("ID number matches; the name differs")
    name_differs = _("The name on the list differs from the registry")
    one_slip = _("The ID number is one typing slip from the resident's, and the name matches")
    phone_and_name, name_and_birth = _("Phone and name match"), _("Name and birth date match")
    for c in candidates:
        if c.problem:
            continue
        linked = by_index.get(c.id_index) if c.id_index else None
        if linked is not None:
            resident = linked
            same_name = resident.name == c.name
            c.person_id, c.link_confidence = resident.id, 1.0 if same_name else 0.9
            c.link_reason = id_matches if same_name else id_name_differs
            if not same_name:
                c.warnings.append(name_differs)
            continue
        if c.near_id_indexes and (typo := _one_typo_away(c, by_near_index)) is not None:
            c.person_id, c.link_confidence = typo.id, 0.9
            c.link_reason = one_slip
            continue
        owners = [found[pid] for pid in phone_owners.get(c.phone_index or "", []) if pid in found]
        named = [r for r in owners if r.name == c.name]
        if len(named) == 1 and (why := contradiction(c, named[0])):
            _blocked(c, named[0], why)
        elif len(named) == 1:
            c.person_id, c.link_confidence, c.link_reason = named[0].id, 0.95, phone_and_name
            continue
        if c.birth_date is not None:
            matches = by_name_birth.get((c.name, c.birth_date), [])
            if len(matches) == 1 and (why := contradiction(c, found[matches[0]])):
                _blocked(c, found[matches[0]], why)
            elif len(matches) == 1:
                c.person_id, c.link_confidence, c.link_reason = matches[0], 0.9, name_and_birth
                continue
        if owners:
            # A family shares one phone: the person is probably in the owner's household.
            homes = {(r.unit_path, r.grid_id) for r in owners}
            if len(homes) == 1:
                c.household_hint = homes.pop()
    return found


def link_by_place(candidates: Sequence[Candidate], places: Sequence[str]) -> dict[int, Resident]:
    """Last stage: an unlinked row whose address was placed at a village or community, or deeper, is the
    resident of that place with the same name, provided exactly one resident there has it and the row's
    own ID number or birth date does not say otherwise. Where the address reached a group or building
    and nobody there has the name, a homophone of it counts, only when the row's birth date or phone
    agrees as well. A few queries for the batch (by name, then the deep places' residents)."""
    open_rows = [
        (c, place)
        for c, place in zip(candidates, places, strict=True)
        if c.person_id is None and not c.problem and c.name and place and len(place) >= VILLAGE_LENGTH
    ]
    if not open_rows:
        return {}
    # Namesakes only in the villages the rows were placed at: by name alone, a list of 10,000 brought
    # back a city's every namesake. Sorted by village, a chunk of pairs spans a few villages.
    # Each resident is kept by the one chunk holding its own (village, name): two chunks that share a
    # village and a name would otherwise both bring it back, and a resident counted twice is no
    # longer the only one of that name there.
    by_name: dict[str, list[Resident]] = defaultdict(list)
    for chunk in _chunks(sorted({(place[:VILLAGE_LENGTH], c.name) for c, place in open_rows})):
        wanted = set(chunk)
        villages, names = sorted({v for v, _name in chunk}), sorted({name for _v, name in chunk})
        where = f"name IN {_in(len(names))} AND SUBSTR(unit_path, 1, %s) IN {_in(len(villages))}"
        for resident in _residents(where, [*names, VILLAGE_LENGTH, *villages]):
            if (resident.unit_path[:VILLAGE_LENGTH], resident.name) in wanted:
                by_name[resident.name].append(resident)
    nameless = sorted(
        {
            place
            for c, place in open_rows
            if len(place) > VILLAGE_LENGTH
            and not any(r.unit_path.startswith(place) for r in by_name.get(c.name, ()))
        }
    )
    by_place: dict[str, list[Resident]] = defaultdict(list)
    for chunk in _chunks(nameless):
        for resident in _residents(f"unit_path IN {_in(len(chunk))}", chunk):
            by_place[resident.unit_path].append(resident)
    phones_of: dict[int, set[str]] = defaultdict(set)
    resident_ids = sorted({r.id for people in by_place.values() for r in people})
    if any(c.phone_index for c, _place in open_rows):
        for chunk in _chunks(resident_ids):
            for person_id, index in _select(
                _PHONES, 'person_id, "index"', f"person_id IN {_in(len(chunk))}", chunk
            ):
                phones_of[person_id].add(index)
    found: dict[int, Resident] = {}
    for c, place in open_rows:
        deep = len(place) > VILLAGE_LENGTH
        same = [r for r in by_name.get(c.name, ()) if r.unit_path.startswith(place)]
        if same:
            fitting = [r for r in same if not contradiction(c, r)]
            if len(same) == 1 and not fitting:
                _blocked(c, same[0], contradiction(c, same[0]))
            if len(fitting) != 1:
                continue
            match = fitting[0]
            confidence, reason = (
                (0.85, _("Name matches a resident at the reported address"))
                if deep
                else (
                    0.8,
                    _("Name matches the only resident of that name in the reported village or community"),
                )
            )
        elif deep:
            close = [
                r
                for r in by_place.get(place, [])
                if homophones(r.name, c.name)
                and not contradiction(c, r)
                and (
                    (c.birth_date is not None and c.birth_date == r.birth_date)
                    or (c.phone_index is not None and c.phone_index in phones_of.get(r.id, ()))
                )
            ]
            if len(close) != 1:
                continue
            match, confidence, reason = (
                close[0],
                0.75,
                _("Sounds like a resident at the reported address; birth date or phone agrees"),
            )
            c.warnings.append(_("The name on the list differs from the registry"))
        else:
            continue
        c.person_id, c.link_confidence, c.link_reason = match.id, confidence, reason
        found[match.id] = match
    return found
