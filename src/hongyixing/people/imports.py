"""Import spec for the household register (``residents``): rows → households, persons, relations.

A person is matched by ID number (15-digit and full-width forms folded to the 18-digit number) and
updated, never duplicated. What a newer register only implies — a person absent from their household
(died, moved out), a household whose place changed — is reported for a person to confirm, not applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hongyixing.areas.imports import BUILDING, COMPOUND, GROUP, TOWN, VILLAGE, TreeIndex, _clean
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.areas.services import do_bulk_create_households
from hongyixing.core import phones
from hongyixing.core.crypto import blind_index
from hongyixing.core.masking import mask_id_number
from hongyixing.exchange.columns import MappedRow
from hongyixing.exchange.importer import (
    CHANGED,
    NEW,
    UNCHANGED,
    Column,
    Implied,
    ImportContext,
    RowOutcome,
)
from hongyixing.people import idnumbers, services
from hongyixing.people.choices import DocumentType, Relation, Residency
from hongyixing.people.models import Person, PersonPhone

NAME = Column("name", gettext_lazy("Name"), ("姓名", "人员姓名", "户主姓名"), required=True)
SEX = Column("sex", gettext_lazy("Sex"), ("性别",))
ID_NUMBER = Column(
    "id_number",
    gettext_lazy("ID number"),
    ("公民身份号码", "身份证号码", "身份证号", "证件号码", "身份证件号码", "身份证"),
    required=True,
)
BIRTH = Column("birth_date", gettext_lazy("Birth date"), ("出生日期", "出生年月"))
ETHNICITY = Column("ethnicity", gettext_lazy("Ethnicity"), ("民族",))
HOUSEHOLD = Column("household", gettext_lazy("Household number"), ("户号", "户编号", "户籍号"), required=True)
RELATION = Column("relation", gettext_lazy("Relation to head"), ("与户主关系", "家庭关系", "关系"))
DOMICILE = Column("domicile", gettext_lazy("Registered domicile"), ("户籍地址", "户籍地", "户籍所在地"))
CURRENT = Column("current", gettext_lazy("Current address"), ("现住址", "现居住地址", "居住地址", "现住地址"))
PHONE = Column("phone", gettext_lazy("Phone"), ("联系电话", "手机号码", "手机号", "手机", "电话"))
HOUSEHOLD_ADDRESS = Column(
    "household_address", gettext_lazy("Household address"), ("户地址", "住户地址", "门牌地址", "标准地址")
)
_PHONE_SPLIT = re.compile(r"[、,，;；/]+")
ROOM = Column("room", gettext_lazy("Door / room"), ("室", "门牌号", "房号", "户室号", "单元室"))
RESIDENCY = Column("residency", gettext_lazy("Residency"), ("人员类别", "人口类别", "人员类型", "户籍类别"))

RELATIONS = {
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫"),
    Relation.CHILD: (
        "子女",
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "长女",
        "次子",
        "次女",
        "之子",
        "之女",
        "养子",
        "养女",
    ),
    Relation.PARENT: ("父", "母", "父亲", "母亲", "岳父", "岳母", "公公", "婆婆", "父母"),
    Relation.GRANDCHILD: ("孙子", "孙女", "外孙", "外孙女", "孙", "孙子女"),
    Relation.SIBLING: ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹"),
}
RESIDENCIES = {
    "户籍": Residency.REGISTERED,
    "户籍人口": Residency.REGISTERED,
    "常住": Residency.PERMANENT,
    "寄住": Residency.PERMANENT,
    "流动": Residency.FLOATING,
    "流动人口": Residency.FLOATING,
    "境外": Residency.FOREIGN,
}
_RELATION_OF = {word: relation for relation, words in RELATIONS.items() for word in words}
COMPARED = ("name", "relation", "residency", "domicile_address", "current_address")
LABELS = {
    "name": NAME.label,
    "relation": RELATION.label,
    "residency": RESIDENCY.label,
    "domicile_address": DOMICILE.label,
    "current_address": CURRENT.label,
    "household": HOUSEHOLD.label,
    "phone": PHONE.label,
}


def relation_of(text: str) -> str:
    text = _clean(text)
    if not text:
        return ""
    return str(_RELATION_OF.get(text, Relation.OTHER))


@dataclass
class ResidentsPlan:
    households: list[Household] = field(default_factory=list)
    specs: list[services.PersonSpec] = field(default_factory=list)
    updates: list[services.PersonUpdate] = field(default_factory=list)
    absent: list[Person] = field(default_factory=list)
    moved_households: list[tuple[Household, AdminUnit]] = field(default_factory=list)
    prepared: list[services.PersonRow] | None = None  # ``specs`` sealed ahead of the writing


@dataclass(slots=True)
class _Row:
    outcome: RowOutcome
    index: str
    number: str
    phones: list[str]  # normalised; the first is the primary
    parsed: idnumbers.IdNumber


CHUNK = 5_000  # rows planned (and persons looked up) at a time
APPLY_CHUNK = 20_000  # persons sealed and written at a time


@dataclass(slots=True)
class _OnFile:
    """What the plan needs of a person on file: plain values, not a model object."""

    pk: int
    household_id: int | None
    unit_path: str
    values: dict[str, str]  # the COMPARED fields
    phones: frozenset[str]  # blind indexes


def _on_file(indexes: list[str]) -> dict[str, _OnFile]:
    """Persons on file by ID blind index, with their phones' indexes: two queries per chunk."""
    found: dict[str, _OnFile] = {}
    for start in range(0, len(indexes), CHUNK):
        chunk = indexes[start : start + CHUNK]
        rows = services.persons_by_document_index(
            DocumentType.RESIDENT_ID, chunk, ("id", "document_index", "household_id", "unit_path", *COMPARED)
        )
        by_pk: dict[int, tuple[Any, ...]] = {row[0]: row for row in rows}
        phones_of: dict[int, set[str]] = {}
        for person_id, phone_index in PersonPhone.objects.filter(person_id__in=list(by_pk)).values_list(
            "person_id", "index"
        ):
            phones_of.setdefault(person_id, set()).add(phone_index)
        for pk, row in by_pk.items():
            found[row[1] or ""] = _OnFile(
                pk, row[2], row[3] or "", dict(zip(COMPARED, row[4:], strict=True)),
                frozenset(phones_of.get(pk, ())),
            )  # fmt: skip
    return found


@dataclass
class _PlanState:
    """What the chunks of one plan share: households by number, who was seen, what changes."""

    households: dict[str, Household] = field(default_factory=dict)
    seen_households: set[int] = field(default_factory=set)
    present: set[int] = field(default_factory=set)
    updates: list[tuple[int, dict[str, str], list[str], Household | None]] = field(default_factory=list)

    def load_households(self, numbers: set[str]) -> None:
        wanted = sorted(n for n in numbers if n and n not in self.households)
        for start in range(0, len(wanted), CHUNK):
            found = Household.objects.filter(number__in=wanted[start : start + CHUNK]).only(
                "id", "number", "unit_id", "unit_path", "grid_id"
            )
            for household in found:
                self.households[household.number] = household


def _person_updates(
    updates: list[tuple[int, dict[str, str], list[str], Household | None]],
) -> list[services.PersonUpdate]:
    """The changed rows' persons as model objects (few, in a second run: only those that change)."""
    result = []
    for start in range(0, len(updates), CHUNK):
        chunk = updates[start : start + CHUNK]
        persons = Person.objects.filter(pk__in=[u[0] for u in chunk]).prefetch_related("phones").in_bulk()
        for pk, changes, new_phones, household in chunk:
            result.append(services.PersonUpdate(persons[pk], changes, new_phones, household))
    return result


class ResidentsSpec:
    kind = "residents"
    columns = (
        NAME, SEX, ID_NUMBER, BIRTH, ETHNICITY, HOUSEHOLD, RELATION, DOMICILE, CURRENT, PHONE,
        TOWN, VILLAGE, GROUP, COMPOUND, BUILDING, ROOM, HOUSEHOLD_ADDRESS, RESIDENCY,
    )  # fmt: skip

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], ResidentsPlan]:
        """Set-based: persons and households on file are looked up a chunk of rows at a time by blind
        index and number (plain values, no model objects), so a 285,000-row register takes a few
        hundred queries and never holds the whole register's persons in memory at once."""
        index = TreeIndex.load(context)
        plan = ResidentsPlan()
        outcomes: list[RowOutcome] = []
        parsed: list[_Row | None] = []
        first_row_of: dict[str, int] = {}
        for row in rows:
            outcome = RowOutcome(row.row_number, UNCHANGED)
            outcomes.append(outcome)
            parsed.append(self._check(row, outcome, first_row_of))
        del first_row_of
        state = _PlanState()
        for start in range(0, len(rows), CHUNK):
            self._plan_chunk(
                rows[start : start + CHUNK], parsed[start : start + CHUNK], index, plan, state, context
            )
        plan.updates = _person_updates(state.updates)
        plan.absent = self._absent(state.seen_households, state.present)
        return outcomes, plan

    def _plan_chunk(
        self,
        rows: list[MappedRow],
        parsed: list[_Row | None],
        index: TreeIndex,
        plan: ResidentsPlan,
        state: _PlanState,
        context: ImportContext,
    ) -> None:
        existing = _on_file([p.index for p in parsed if p is not None])
        state.load_households({_clean(r.get("household")) for r, p in zip(rows, parsed, strict=True) if p})
        for row, item in zip(rows, parsed, strict=True):
            if item is None:
                continue
            outcome = item.outcome
            unit = self._unit(index, row, outcome)
            if unit is None:
                continue
            number = _clean(row.get("household"))
            household = state.households.get(number)
            if household is None:
                household = Household(
                    number=number,
                    unit=unit,
                    address=(row.get("household_address").strip() or row.get("current").strip() or unit.name)[
                        :200
                    ],
                    door=_clean(row.get("room"))[:40],
                )
                state.households[number] = household
                plan.households.append(household)
            elif household.pk is not None:
                if not context.covers(household.unit_path):
                    # zh: 户号 %(number)s 属于你辖区以外的一户
                    outcome.fail(_("Household %(number)s belongs to another area") % {"number": number})
                    continue
                state.seen_households.add(household.pk)
                if household.unit_id != unit.pk and (household, unit) not in plan.moved_households:
                    plan.moved_households.append((household, unit))
            values = {
                "name": _clean(row.get("name"))[:60],
                "relation": relation_of(row.get("relation")),
                "residency": str(RESIDENCIES.get(_clean(row.get("residency")), Residency.REGISTERED)),
                "domicile_address": row.get("domicile").strip()[:200],
                "current_address": row.get("current").strip()[:200],
            }
            person = existing.get(item.index)
            if person is None:
                plan.specs.append(
                    services.PersonSpec(
                        name=values["name"],
                        document_number=item.number,
                        phones=item.phones,
                        household=household,
                        relation=values["relation"],
                        residency=values["residency"],
                        domicile_address=values["domicile_address"],
                        current_address=values["current_address"],
                        parsed_id=item.parsed,
                    )
                )
                outcome.status = NEW
                continue
            state.present.add(person.pk)
            self._compare(person, household, values, item, outcome, state, context)

    def _check(self, row: MappedRow, outcome: RowOutcome, first_row_of: dict[str, int]) -> _Row | None:
        if not _clean(row.get("name")):
            outcome.fail(_("The name is missing"))  # zh: 缺少姓名
        for column, text, limit in (
            (NAME, _clean(row.get("name")), 60),
            (DOMICILE, row.get("domicile").strip(), 200),
            (CURRENT, row.get("current").strip(), 200),
            (HOUSEHOLD_ADDRESS, row.get("household_address").strip(), 200),
            (ROOM, _clean(row.get("room")), 40),
        ):
            if len(text) > limit:  # the register's columns: a longer cell is refused, never cut
                # zh: %(column)s超过 %(n)s 个字
                outcome.fail(
                    _("%(column)s is longer than %(n)s characters") % {"column": column.label, "n": limit}
                )
        if not _clean(row.get("household")):
            outcome.fail(_("The household number is missing"))  # zh: 缺少户号
        number = ""
        parsed = None
        try:
            parsed = idnumbers.parse(row.get("id_number"))
            number = parsed.number
        except idnumbers.IdNumberError as error:
            outcome.fail(error.message)
        numbers = self._phones(row.get("phone"), outcome)
        if number:
            outcome.key = mask_id_number(number)
            if number in first_row_of:
                # zh: 同一个身份证号在第 %(row)s 行已经出现过
                outcome.fail(
                    _("The same ID number already appears in row %(row)s") % {"row": first_row_of[number]}
                )
            first_row_of.setdefault(number, row.row_number)
        if outcome.errors or parsed is None:
            return None
        return _Row(outcome, blind_index("id", number), number, numbers, parsed)

    def _phones(self, cell: str, outcome: RowOutcome) -> list[str]:
        """One number, or several written "13912345678、0517-80001234" (the first is the primary)."""
        if not cell.strip():
            return []
        try:
            return [phones.normalise(cell)]
        except phones.PhoneError as error:
            parts = [part for part in _PHONE_SPLIT.split(cell) if part.strip()]
            if len(parts) < 2:
                outcome.fail(error.message)
                return []
        numbers: list[str] = []
        for part in parts:
            try:
                number = phones.normalise(part)
            except phones.PhoneError as error:
                outcome.fail(error.message)
                continue
            if number not in numbers:
                numbers.append(number)
        return numbers

    def _unit(self, index: TreeIndex, row: MappedRow, outcome: RowOutcome) -> AdminUnit | None:
        village = index.place(row, outcome)
        if village is None:
            return None
        unit = village
        for column in (GROUP, COMPOUND):
            name = _clean(row.get(column.field))
            if name:
                found = index.child(village, name)
                if found is None or found.pk is None:
                    # zh: %(village)s没有“%(name)s”（请先导入村民小组、小区和楼栋）
                    outcome.fail(
                        _("%(village)s has no “%(name)s” (import the groups, compounds and buildings first)")
                        % {"village": village.name, "name": name}
                    )
                    return None
                unit = found
        building = _clean(row.get("building"))
        if building and unit is not village:
            found = index.child(unit, building)
            if found is None or found.pk is None:
                outcome.fail(
                    _("%(village)s has no “%(name)s” (import the groups, compounds and buildings first)")
                    % {"village": village.name, "name": unit.name + building}
                )
                return None
            unit = found
        if unit.grid_id is None:
            # zh: “%(name)s”还没有划入任何网格（请先导入网格）
            outcome.fail(
                _("“%(name)s” is not covered by any grid yet (import the grids first)") % {"name": unit.name}
            )
            return None
        return unit

    def _compare(
        self,
        person: _OnFile,
        household: Household,
        values: dict[str, str],
        item: _Row,
        outcome: RowOutcome,
        state: _PlanState,
        context: ImportContext,
    ) -> None:
        if person.unit_path and not context.covers(person.unit_path):
            # zh: 这个身份证号属于你辖区以外的人
            outcome.fail(_("This ID number belongs to a person outside your area"))
            return
        if person.household_id is not None and person.household_id != household.pk:
            other = Household.objects.filter(pk=person.household_id).values_list("number", flat=True).first()
            # zh: 这个身份证号属于户号 %(number)s 的人；如果此人已迁入本户，请先在人员页面登记迁移，或更正户号
            outcome.fail(
                _(
                    "This ID number belongs to a person of household %(number)s; if they moved here, record "
                    "the move on the person's page first, or correct the household number"
                )
                % {"number": other}
            )
            return
        changes = {name: value for name, value in values.items() if person.values[name] != value}
        new_phones = [phone for phone in item.phones if blind_index("phone", phone) not in person.phones]
        joins = person.household_id is None
        if not (changes or new_phones or joins):
            return
        outcome.status = CHANGED
        outcome.changes = [str(LABELS[name]) for name in changes]
        if new_phones:
            outcome.changes.append(str(LABELS["phone"]))
        if joins:
            outcome.changes.append(str(LABELS["household"]))
        state.updates.append((person.pk, changes, new_phones, household if joins else None))

    def _absent(self, households: set[int], present: set[int]) -> list[Person]:
        """Persons on file in the file's households whom the file no longer lists."""
        missing: list[int] = []
        ids = sorted(households)
        for start in range(0, len(ids), CHUNK):
            members = Person.objects.filter(household_id__in=ids[start : start + CHUNK])
            missing.extend(pk for pk in members.values_list("id", flat=True) if pk not in present)
        absent: list[Person] = []
        for start in range(0, len(missing), CHUNK):
            chunk = Person.objects.filter(pk__in=missing[start : start + CHUNK]).select_related("household")
            absent.extend(chunk.order_by("id"))
        return absent

    def implied(self, plan: ResidentsPlan, context: ImportContext) -> list[Implied]:
        lines = []
        for person in plan.absent:
            household: Any = person.household
            # zh: %(name)s（%(id)s）不在户号 %(number)s 的新名单里：是否已去世或迁出？请在人员页面确认
            text = _(
                "%(name)s (%(id)s) is no longer listed in household %(number)s: died or moved out? "
                "Confirm on the person's page"
            ) % {"name": person.name, "id": person.document_masked, "number": household.number}
            lines.append(Implied(text, reverse("people:register", args=[person.pk])))
        for household, unit in plan.moved_households:
            # zh: 户号 %(number)s 的新地址在%(unit)s：是否整户搬迁？请在住户页面确认
            text = _(
                "Household %(number)s is now listed in %(unit)s: did it move? Confirm on the household page"
            ) % {"number": household.number, "unit": unit.name}
            lines.append(Implied(text, reverse("people:household_move", args=[household.pk])))
        return lines

    def prepare(self, plan: ResidentsPlan) -> None:
        """The new persons checked, sealed and indexed before the writing transaction."""
        plan.prepared = services.prepare_persons(_new_persons(plan.specs))

    def apply(self, plan: ResidentsPlan, context: ImportContext) -> None:
        actor = context.actor
        for start in range(0, len(plan.households), APPLY_CHUNK):
            do_bulk_create_households(actor, plan.households[start : start + APPLY_CHUNK])
        # In slices, inside the import's one transaction: all or nothing still, but the sealed values,
        # model objects and audit rows of one slice at a time.
        persons: Sequence[services.PersonSpec | services.PersonRow] = (
            plan.prepared if plan.prepared is not None else _new_persons(plan.specs)
        )
        for start in range(0, len(persons), APPLY_CHUNK):
            services.do_bulk_load_persons(actor, persons[start : start + APPLY_CHUNK])
        services.do_bulk_update_persons(actor, plan.updates)


def _new_persons(specs: list[services.PersonSpec]) -> list[services.PersonSpec]:
    for spec in specs:
        spec.unit = None  # a new person's place is its household's
    return specs


RESIDENTS = ResidentsSpec()
