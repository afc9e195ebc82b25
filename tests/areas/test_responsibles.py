"""Responsible persons and grid workers are users: the data migration matches recorded names, the
grids and staff imports set the accounts, and the pages show the account's name (ADR 0013)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from hongyixing.accounts import services as accounts
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.models import ChangeLog
from tests.exchange.test_master_imports import (
    GRID_HEADER,
    STAFF_HEADER,
    TOWN_A,
    UNITS_HEADER,
    VILLAGE_A,
    csv_bytes,
    district_import,
)
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db
migration = importlib.import_module("hongyixing.areas.migrations.0003_responsible_users")


def _user(username: str, name: str, role: str, **place: Any) -> Any:
    user = accounts.do_create_user(None, username, password=PASSWORD, display_name=name)
    accounts.do_grant(None, user, role, **place)
    return user


def test_the_migration_matches_one_covering_user_by_name(world: World) -> None:
    a, b = world.a, world.b
    cadre = _user("cadre_a", "陈 书记", "village_cadre", unit=a.village)
    _user("cadre_b", "周书记", "village_cadre", unit=b.village)
    _user("cadre_b2", "周书记", "village_cadre", unit=b.village)  # two of the same name: no guess
    _user("town_b_officer", "吴主任", "town_officer", unit=b.town)
    AdminUnit.objects.filter(pk=a.village.pk).update(responsible_name="陈书记")
    AdminUnit.objects.filter(pk=b.village.pk).update(responsible_name="周书记")
    AdminUnit.objects.filter(pk=a.town.pk).update(responsible_name="吴主任")  # another town's officer
    Grid.objects.filter(pk=a.grid.pk).update(responsible_name="grid_a1")
    migration.match_names(apps, None)
    village_a, village_b, town_a = (AdminUnit.objects.get(pk=u.pk) for u in (a.village, b.village, a.town))
    assert village_a.responsible == cadre and village_a.responsible_name == ""
    assert village_a.responsible_display == "陈 书记"
    assert village_b.responsible is None and village_b.responsible_display == "周书记"
    assert town_a.responsible is None and town_a.responsible_name == "吴主任"
    grid = Grid.objects.get(pk=a.grid.pk)
    assert grid.worker == world.users["grid_a1"] and grid.worker_display == "grid_a1"
    migration.restore_names(apps, None)
    assert AdminUnit.objects.get(pk=a.village.pk).responsible_name == "陈 书记"


def test_the_grids_import_sets_an_existing_worker_account(world: World) -> None:
    district_import("units", csv_bytes([UNITS_HEADER, [TOWN_A, VILLAGE_A, "", "丽景花园", "1栋"]]))
    worker = _user("13912345678", "赵网格", "grid_worker", grid=world.a.grid)
    data = csv_bytes(
        [GRID_HEADER, ["G-A-9", "临河第9网格", TOWN_A, VILLAGE_A, "赵网格", "13912345678", "丽景花园"]]
    )
    district_import("grids", data)
    grid = Grid.objects.get(code="G-A-9")
    assert grid.worker == worker and grid.responsible_name == ""
    renamed = csv_bytes([GRID_HEADER, ["G-A-9", "临河第9网格", TOWN_A, VILLAGE_A, "钱网格", "", "丽景花园"]])
    district_import("grids", renamed)  # nobody of that name has an account: the name is kept
    grid.refresh_from_db()
    assert grid.worker is None and grid.worker_display == "钱网格"


def test_the_staff_import_gives_grids_and_units_their_accounts(world: World, client_for: Any) -> None:
    district_import("units", csv_bytes([UNITS_HEADER, [TOWN_A, VILLAGE_A, "", "丽景花园", "1栋"]]))
    grids = csv_bytes([GRID_HEADER, ["G-A-9", "临河第9网格", TOWN_A, VILLAGE_A, "赵网格", "", "丽景花园"]])
    district_import("grids", grids)
    AdminUnit.objects.filter(pk=world.a.village.pk).update(responsible_name="陈书记")
    staff = csv_bytes(
        [
            STAFF_HEADER,
            ["钱一", "13700000001", VILLAGE_A, "网格员", "网格员", "G-A-9"],  # not the recorded worker
            ["赵网格", "13700000002", VILLAGE_A, "网格员", "网格员", "G-A-9"],
            ["陈书记", "13700000003", VILLAGE_A, "党组织书记", "村（社区）干部", VILLAGE_A],
        ]
    )
    district_import("staff", staff)
    grid = Grid.objects.get(code="G-A-9")
    assert grid.worker is not None and grid.worker.username == "13700000002" and grid.responsible_name == ""
    village = AdminUnit.objects.get(pk=world.a.village.pk)
    assert village.responsible is not None and village.responsible.username == "13700000003"
    assert ChangeLog.objects.filter(object_type="areas.grid", object_id=grid.pk, action="update").exists()
    page = client_for("town_a").get(f"/areas/units/{village.path}/").content.decode()
    assert "陈书记" in page and "赵网格" in page
    # A worker set is not replaced by a later file (the grid's page changes it).
    again = csv_bytes([STAFF_HEADER, ["孙三", "13700000004", VILLAGE_A, "网格员", "网格员", "G-A-9"]])
    district_import("staff", again)
    assert Grid.objects.get(code="G-A-9").worker.username == "13700000002"
