"""The shared cast: a small real-shaped district built through services, and one user per persona.

Town A is 高良涧街道 (grid A1 in 临河社区), town B is 岔河镇 (the outsider's town, grid B1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from hongyixing.accounts import services as accounts
from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
from hongyixing.accounts.models import User
from hongyixing.areas import services as areas
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.people import idnumbers
from hongyixing.people.models import Person
from hongyixing.people.services import PersonSpec, create_person

DISTRICT = "320813"
TOWN_A = "320813001"  # 高良涧街道
VILLAGE_A = "320813001001"  # 临河社区居委会
TOWN_B = "320813103"  # 岔河镇
VILLAGE_B = "320813103001"
PASSWORD = "Persona-pass-2020"


@dataclass
class Place:
    town: AdminUnit
    village: AdminUnit
    building: AdminUnit
    grid: Grid
    household: Household
    persons: list[Person] = field(default_factory=list)
    plain_ids: list[str] = field(default_factory=list)
    plain_phones: list[str] = field(default_factory=list)
    task: Any = None


@dataclass
class World:
    a: Place
    b: Place
    users: dict[str, User]
    batch: Any = None


def _place(tag: str, town_path: str, village_path: str, grid_number: int, id_seed: int) -> Place:
    town = AdminUnit.objects.get(path=town_path)
    village = AdminUnit.objects.get(path=village_path)
    grid = areas.do_create_grid(
        None, village, grid_number, f"{village.name}第{grid_number}网格", "网格员" + tag
    )
    compound = areas.do_create_unit(None, village, "compound", 1, f"幸福家园{tag}", grid=grid)
    building = areas.do_create_unit(None, compound, "building", 3, "3栋", grid=grid)
    household = areas.do_create_household(
        None, building, f"{village_path}{tag}0001", f"{village.name}幸福家园3栋501室", "501室"
    )
    place = Place(town, village, building, grid, household)
    for offset, (name, sex_seq) in enumerate([("王建国", 11), ("李秀英", 22)]):
        number = idnumbers.make("320829", dt.date(1960 + id_seed, 1 + offset, 15), sex_seq + id_seed)
        phone = f"1381234{id_seed:02d}{offset:02d}"
        person, created = create_person(
            None,
            PersonSpec(
                name=name,
                document_number=number,
                phones=[phone],
                household=household,
                relation="head" if offset == 0 else "spouse",
            ),
        )
        assert created
        place.persons.append(person)
        place.plain_ids.append(number)
        place.plain_phones.append(phone)
    return place


def build_world(*, push_list: bool = True) -> World:
    areas.do_load_divisions(None)
    a = _place("A", TOWN_A, VILLAGE_A, 1, 10)
    b = _place("B", TOWN_B, VILLAGE_B, 1, 20)
    district = AdminUnit.objects.get(path=DISTRICT)

    def user(name: str, role: str | None = None, **grant: Any) -> User:
        created = accounts.do_create_user(None, name, password=PASSWORD, display_name=name)
        if role:
            accounts.do_grant(None, created, role, **grant)
        return created

    users = {
        "district": user("district", "district_office", unit=district),
        "town_a": user("town_a", "town_officer", unit=a.town),
        "town_b": user("town_b", "town_officer", unit=b.town),
        "grid_a1": user("grid_a1", "grid_worker", grid=a.grid),
        "cdc": user("cdc", "cdc_staff", unit=district),
        "enterprise": user("enterprise", "enterprise", unit=district),
    }
    superuser = accounts.do_create_user(None, "root", password=PASSWORD, is_superuser=True)
    users["superuser"] = superuser
    world = World(a, b, users)
    if push_list:
        _push_list(world)
    return world


def _push_list(world: World) -> None:
    """One push list naming a person of each place: a verification task in grid A1 and one in B1."""
    from hongyixing.verification.models import PushSource
    from hongyixing.verification.services import PlainRow, do_intake

    rows = [
        PlainRow(
            row_number=n + 2,
            values={"name": p.persons[0].name, "id_number": p.plain_ids[0]},
            raw=[p.persons[0].name, p.plain_ids[0]],
        )
        for n, p in enumerate((world.a, world.b))
    ]
    result = do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查名单",
        category="general",
        headers=["姓名", "身份证号"],
        mapping={"name": "姓名", "id_number": "身份证号"},
    )
    tasks = {t.grid_id: t for t in result.batch.tasks.all()}
    world.a.task, world.b.task = tasks[world.a.grid.id], tasks[world.b.grid.id]
    world.batch = result.batch


def login(client: Client, user: User) -> Client:
    """Sign in as the user, second factor passed (login flows are tested on their own)."""
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR] = True
    session.save()
    return client
