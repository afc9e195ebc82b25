"""Import spec for the staff list (``staff``): users, their roles and what each role is granted on.

A user's login name is their mobile number. A grid worker is granted the grids named in 负责网格;
everybody else the units named there, or else their own unit (单位). Grants are added, never taken
away by a file: removing a grant is an administrator's decision on the user's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hongyixing.accounts import admin_services
from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant, User
from hongyixing.areas import services as area_services
from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.district import district_path
from hongyixing.areas.imports import _clean
from hongyixing.areas.models import AdminUnit, Grid, UnitAlias
from hongyixing.core import phones
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

NAME = Column("name", gettext_lazy("Name"), ("姓名", "人员姓名"), required=True)
PHONE = Column(
    "phone", gettext_lazy("Mobile"), ("手机", "手机号码", "手机号", "联系电话", "电话"), required=True
)
UNIT = Column("unit", gettext_lazy("Unit"), ("单位", "所在单位", "工作单位", "所属单位"), required=True)
POST = Column("post", gettext_lazy("Post"), ("岗位", "职务", "职位"))
ROLE = Column("role", gettext_lazy("Role"), ("角色", "系统角色", "权限角色"), required=True)
SCOPE = Column(
    "scope",
    gettext_lazy("Responsible for"),
    ("负责网格/单位", "负责网格", "负责单位", "负责范围", "负责区域"),
)

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_OFFICE: ("区指挥部", "指挥部", "区指挥部办公室", "指挥部办公室", "区疫情防控指挥部办公室"),
    Role.WORKING_GROUP: ("工作组", "专班", "工作专班", "指挥部工作组"),
    Role.TOWN_OFFICER: ("镇街干部", "镇（街道）干部", "镇干部", "街道干部", "乡镇干部", "镇街"),
    Role.VILLAGE_CADRE: ("村（社区）干部", "村干部", "社区干部", "村居干部", "村（居）干部"),
    Role.GRID_WORKER: ("网格员", "专职网格员", "兼职网格员", "网格长"),
    Role.COMMUNITY_POLICE: ("社区民警", "民警", "派出所"),
    Role.CDC_STAFF: ("疾控", "疾控人员", "疾控中心", "流调人员"),
    Role.SITE_MANAGER: ("隔离点负责人", "隔离点管理员", "集中隔离点"),
    Role.ENTERPRISE: ("企业联络员", "企业"),
}
_ROLE_OF = {word: role for role, words in ROLE_WORDS.items() for word in (*words, role)}
_SPLIT = re.compile(r"[、,，;；/\s]+")
# Roles whose unit is the district as a whole when their 单位 is a department (区卫健委, 区疾控中心).
DISTRICT_WIDE = frozenset({Role.DISTRICT_OFFICE, Role.WORKING_GROUP, Role.CDC_STAFF, Role.COMMUNITY_POLICE})


def role_of(text: str) -> str | None:
    text = _clean(text)
    if text in _ROLE_OF:
        return str(_ROLE_OF[text])
    for label_role in Role:
        if text in (str(label_role.label), _clean(str(label_role.label))):
            return str(label_role.value)
    return None


@dataclass
class StaffPlan:
    users: list[User] = field(default_factory=list)
    changed: list[tuple[User, dict[str, Any]]] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    # Places a row names, for making the user their grid worker or responsible person (ADR 0013).
    places: list[tuple[User, AdminUnit | Grid]] = field(default_factory=list)


def _grant_path(grant: Grant) -> str:
    if grant.unit is not None:
        return grant.unit.path
    return grant.grid.unit_path if grant.grid is not None else ""


class _Places:
    """District, towns and villages of the area by every name; grids by code and name."""

    def __init__(self, context: ImportContext) -> None:
        units = [
            u
            for u in AdminUnit.objects.filter(level__in=["district", "town", "village"])
            if context.covers(u.path)
        ]
        self.units: dict[str, list[AdminUnit]] = {}
        by_id = {unit.pk: unit for unit in units}
        for unit in units:
            self.units.setdefault(_clean(unit.name), []).append(unit)
        for unit_id, alias in UnitAlias.objects.filter(unit__in=units).values_list("unit_id", "alias"):
            self.units.setdefault(_clean(alias), []).append(by_id[unit_id])
        served = district_path()
        self.district = next((u for u in units if u.level == UnitLevel.DISTRICT and u.path == served), None)
        self.grids: dict[str, Grid] = {}
        for grid in Grid.objects.all():
            if context.covers(grid.unit_path):
                self.grids[_clean(grid.code)] = grid
                self.grids.setdefault(_clean(grid.name), grid)

    def unit(self, name: str) -> AdminUnit | None:
        found = {u.pk: u for u in self.units.get(_clean(name), [])}
        return next(iter(found.values())) if len(found) == 1 else None


class StaffSpec:
    kind = "staff"
    columns = (NAME, PHONE, UNIT, POST, ROLE, SCOPE)

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], StaffPlan]:
        places = _Places(context)
        plan = StaffPlan()
        outcomes = []
        numbers = {}
        for row in rows:
            try:
                numbers[row.row_number] = phones.normalise(row.get("phone"))
            except phones.PhoneError:
                continue
        existing = {u.username: u for u in User.objects.filter(username__in=numbers.values())}
        on_file = list(Grant.objects.filter(user__in=existing.values()).select_related("unit", "grid"))
        grants_on_file = {(g.user_id, g.role, g.unit_id, g.grid_id) for g in on_file}
        # A user whose grants all lie outside the importer's area is somebody else's to administer.
        inside = {g.user_id for g in on_file if context.covers(_grant_path(g))}
        foreign = {g.user_id for g in on_file} - inside
        new_users: dict[str, User] = {}
        first_row: dict[str, int] = {}
        for row in rows:
            outcome = RowOutcome(row.row_number, UNCHANGED)
            outcomes.append(outcome)
            name, post = _clean(row.get("name"))[:60], row.get("post").strip()[:60]
            if not name:
                outcome.fail(_("The name is missing"))
            username = self._username(row, outcome)
            role = role_of(row.get("role"))
            if role is None:
                # zh: 未知的角色“%(role)s”
                outcome.fail(_("Unknown role “%(role)s”") % {"role": row.get("role").strip()})
            if username and username in first_row:
                # zh: 同一个手机号在第 %(row)s 行已经出现过
                outcome.fail(
                    _("The same mobile number already appears in row %(row)s") % {"row": first_row[username]}
                )
            if username:
                first_row.setdefault(username, row.row_number)
                outcome.key = username[:3] + "****" + username[-4:]
            places_granted = self._places(row, role, places, outcome) if role else []
            if outcome.errors or not username or not role:
                continue
            user = existing.get(username)
            if user is not None and user.pk in foreign:
                # zh: 这个手机号已经是你辖区以外的用户
                outcome.fail(_("This mobile number already belongs to a user outside your area"))
                continue
            if user is None:
                user = User(username=username, display_name=name, title=post)
                new_users[username] = user
                plan.users.append(user)
                outcome.status = NEW
            else:
                changes = {
                    k: v for k, v in (("display_name", name), ("title", post)) if getattr(user, k) != v
                }
                if changes:
                    plan.changed.append((user, changes))
                    outcome.status = CHANGED
                    outcome.changes += [
                        str(NAME.label if k == "display_name" else POST.label) for k in changes
                    ]
            for place in places_granted:
                plan.places.append((user, place))
                unit = place if isinstance(place, AdminUnit) else None
                grid = place if isinstance(place, Grid) else None
                key = (user.pk, role, unit.pk if unit else None, grid.pk if grid else None)
                if user.pk is not None and key in grants_on_file:
                    continue
                grants_on_file.add(key)
                plan.grants.append(Grant(user=user, role=role, unit=unit, grid=grid))
                if outcome.status == UNCHANGED:
                    outcome.status = CHANGED
                if outcome.status == CHANGED and str(ROLE.label) not in outcome.changes:
                    outcome.changes.append(str(ROLE.label))
        return outcomes, plan

    def _username(self, row: MappedRow, outcome: RowOutcome) -> str:
        try:
            number = phones.normalise(row.get("phone"))
        except phones.PhoneError as error:
            outcome.fail(error.message)
            return ""
        if not phones.is_mobile(number):
            # zh: 需要手机号码（用作登录名），这是一个固定电话
            outcome.fail(_("A mobile number is needed (it is the login name); this is a landline"))
            return ""
        return number

    def _places(
        self, row: MappedRow, role: str, places: _Places, outcome: RowOutcome
    ) -> list[AdminUnit | Grid]:
        named = [item for item in _SPLIT.split(row.get("scope")) if _clean(item)]
        if role == Role.GRID_WORKER:
            grids = []
            for item in named:
                grid = places.grids.get(_clean(item))
                if grid is None:
                    # zh: 你的辖区里没有网格“%(name)s”
                    outcome.fail(_("There is no grid “%(name)s” in your area") % {"name": item})
                else:
                    grids.append(grid)
            if not named:
                # zh: 网格员需要填写负责网格
                outcome.fail(_("A grid worker needs the grids they are responsible for"))
            return list(grids)
        units: list[AdminUnit | Grid] = []
        for item in named or [row.get("unit")]:
            unit = places.unit(item)
            if unit is None and not named and role in DISTRICT_WIDE and places.district is not None:
                unit = places.district
            if unit is None:
                # zh: 你的辖区里没有“%(name)s”这个单位
                outcome.fail(_("There is no unit “%(name)s” in your area") % {"name": item.strip()})
            else:
                units.append(unit)
        return units

    def implied(self, plan: StaffPlan, context: ImportContext) -> list[Implied]:
        return []

    def prepare(self, plan: StaffPlan) -> None:
        return None  # nothing of its writing can be done ahead

    def apply(self, plan: StaffPlan, context: ImportContext) -> None:
        admin_services.do_bulk_create_users(context.actor, plan.users)
        admin_services.do_bulk_update_users(context.actor, plan.changed)
        admin_services.do_bulk_grant(context.actor, plan.grants)
        units, grids = responsibles_named(plan.places)
        area_services.do_link_responsibles(context.actor, units, grids)


def _name(text: str) -> str:
    return "".join(text.split())


def responsibles_named(
    places: list[tuple[User, AdminUnit | Grid]],
) -> tuple[list[tuple[AdminUnit, User]], list[tuple[Grid, User]]]:
    """Which named places get the row's user as their responsible person or grid worker.

    A grid without a worker account gets the grid worker whose name the grids file recorded, or,
    with no name recorded, the first grid worker naming it. A unit without a responsible account
    gets the user whose name equals the one recorded. An account already set is never replaced by a
    file (the unit's or grid's page changes it)."""
    units: dict[int, tuple[AdminUnit, User]] = {}
    grids: dict[int, tuple[Grid, User]] = {}
    for user, place in places:
        name = _name(user.display_name)
        if isinstance(place, Grid):
            if place.worker_id is not None or place.pk in grids and _name(place.responsible_name) != name:
                continue
            if not place.responsible_name or _name(place.responsible_name) == name:
                grids[place.pk] = (place, user)
        elif (
            place.responsible_id is None and place.responsible_name and _name(place.responsible_name) == name
        ):
            units.setdefault(place.pk, (place, user))
    return list(units.values()), list(grids.values())


STAFF = StaffSpec()
