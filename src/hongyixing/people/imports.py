"""Import spec for the household register (``residents``): rows → households, persons, relations.

A person is matched by ID number (15-digit and full-width forms folded to the 18-digit number) and
updated, never duplicated. What a newer register only implies — a person absent from their household
(died, moved out), a household whose place changed — is reported for a person to confirm, not applied.
"""

from __future__ import annotations

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
from hongyixing.people.models import Person

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
ROOM = Column("room", gettext_lazy("Door / room"), ("室", "门牌号", "房号", "户室号", "单元室"))
RESIDENCY = Column("residency", gettext_lazy("Residency"), ("人员类别", "人口类别", "人员类型", "户籍类别"))

RELATIONS = {
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫"),
    Relation.CHILD: (
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


@dataclass
class _Row:
    outcome: RowOutcome
    index: str
    number: str
    phone: str


class ResidentsSpec:
    kind = "residents"
    columns = (
        NAME, SEX, ID_NUMBER, BIRTH, ETHNICITY, HOUSEHOLD, RELATION, DOMICILE, CURRENT, PHONE,
        TOWN, VILLAGE, GROUP, COMPOUND, BUILDING, ROOM, RESIDENCY,
    )  # fmt: skip

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], ResidentsPlan]:
        index = TreeIndex.load(context)
        plan = ResidentsPlan()
        outcomes: list[RowOutcome] = []
        parsed: list[_Row | None] = []
        first_row_of: dict[str, int] = {}
        for row in rows:
            outcome = RowOutcome(row.row_number, UNCHANGED)
            outcomes.append(outcome)
            parsed.append(self._check(row, outcome, first_row_of))
        existing = self._existing([p.index for p in parsed if p is not None])
        households = {
            h.number: h for h in Household.objects.filter(number__in={r.get("household") for r in rows})
        }
        new_households: dict[str, Household] = {}
        seen_households: set[int] = set()
        for row, item in zip(rows, parsed, strict=True):
            if item is None:
                continue
            outcome = item.outcome
            unit = self._unit(index, row, outcome)
            if unit is None:
                continue
            number = _clean(row.get("household"))
            household = households.get(number) or new_households.get(number)
            if household is None:
                household = Household(
                    number=number,
                    unit=unit,
                    address=row.get("current").strip() or unit.name,
                    door=_clean(row.get("room"))[:40],
                )
                new_households[number] = household
                plan.households.append(household)
            elif household.pk is not None:
                if not context.covers(household.unit_path):
                    # zh: 户号 %(number)s 属于你辖区以外的一户
                    outcome.fail(_("Household %(number)s belongs to another area") % {"number": number})
                    continue
                seen_households.add(household.pk)
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
                        phones=[item.phone] if item.phone else [],
                        household=household,
                        relation=values["relation"],
                        residency=values["residency"],
                        domicile_address=values["domicile_address"],
                        current_address=values["current_address"],
                    )
                )
                outcome.status = NEW
                continue
            self._compare(person, household, values, item, outcome, plan, context)
        plan.absent = self._absent(seen_households, {p.pk for p in existing.values()})
        return outcomes, plan

    def _check(self, row: MappedRow, outcome: RowOutcome, first_row_of: dict[str, int]) -> _Row | None:
        if not _clean(row.get("name")):
            outcome.fail(_("The name is missing"))  # zh: 缺少姓名
        if not _clean(row.get("household")):
            outcome.fail(_("The household number is missing"))  # zh: 缺少户号
        number = ""
        try:
            number = idnumbers.parse(row.get("id_number")).number
        except idnumbers.IdNumberError as error:
            outcome.fail(error.message)
        phone = ""
        if row.get("phone").strip():
            try:
                phone = phones.normalise(row.get("phone"))
            except phones.PhoneError as error:
                outcome.fail(error.message)
        if number:
            outcome.key = mask_id_number(number)
            if number in first_row_of:
                # zh: 同一个身份证号在第 %(row)s 行已经出现过
                outcome.fail(
                    _("The same ID number already appears in row %(row)s") % {"row": first_row_of[number]}
                )
            first_row_of.setdefault(number, row.row_number)
        if outcome.errors:
            return None
        return _Row(outcome, blind_index("id", number), number, phone)

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

    def _existing(self, indexes: list[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for start in range(0, len(indexes), 500):
            chunk = indexes[start : start + 500]
            persons = Person.objects.filter(document_type=DocumentType.RESIDENT_ID, document_index__in=chunk)
            for person in persons.select_related("household").prefetch_related("phones"):
                found[person.document_index or ""] = person
        return found

    def _compare(
        self,
        person: Person,
        household: Household,
        values: dict[str, str],
        item: _Row,
        outcome: RowOutcome,
        plan: ResidentsPlan,
        context: ImportContext,
    ) -> None:
        if person.unit_path and not context.covers(person.unit_path):
            # zh: 这个身份证号属于你辖区以外的人
            outcome.fail(_("This ID number belongs to a person outside your area"))
            return
        if person.household_id is not None and person.household_id != household.pk:
            other: Any = person.household
            # zh: 这个身份证号属于户号 %(number)s 的人；如果此人已迁入本户，请先在人员页面登记迁移，或更正户号
            outcome.fail(
                _(
                    "This ID number belongs to a person of household %(number)s; if they moved here, record "
                    "the move on the person's page first, or correct the household number"
                )
                % {"number": other.number}
            )
            return
        changes = {name: value for name, value in values.items() if getattr(person, name) != value}
        new_phone = None
        if item.phone and blind_index("phone", item.phone) not in {p.index for p in person.phones.all()}:
            new_phone = item.phone
        joins = person.household_id is None
        if not (changes or new_phone or joins):
            return
        outcome.status = CHANGED
        outcome.changes = [str(LABELS[name]) for name in changes]
        if new_phone:
            outcome.changes.append(str(LABELS["phone"]))
        if joins:
            outcome.changes.append(str(LABELS["household"]))
        plan.updates.append(services.PersonUpdate(person, changes, new_phone, household if joins else None))

    def _absent(self, households: set[int], present: set[int]) -> list[Person]:
        """Persons on file in the file's households whom the file no longer lists."""
        absent: list[Person] = []
        ids = sorted(households)
        for start in range(0, len(ids), 500):
            members = Person.objects.filter(household_id__in=ids[start : start + 500]).exclude(pk__in=present)
            absent.extend(members.select_related("household"))
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

    def apply(self, plan: ResidentsPlan, context: ImportContext) -> None:
        actor = context.actor
        do_bulk_create_households(actor, plan.households)
        for spec in plan.specs:
            spec.unit = None
        services.do_bulk_create_persons(actor, plan.specs)
        services.do_bulk_update_persons(actor, plan.updates)


RESIDENTS = ResidentsSpec()
