"""Editing units, grids and households: the page and the API refuse the same values with the same
code and words, out of scope is 404, a stale version is refused, and every change is logged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from hongyixing.accounts import services as accounts
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.areas.services import do_edit_unit
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog, DomainEvent
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _patch(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def _village_cadre(world: World, name: str = "陈书记") -> Any:
    cadre = accounts.do_create_user(None, "cadre_a", password=PASSWORD, display_name=name, title="党组织书记")
    accounts.do_grant(None, cadre, "village_cadre", unit=world.a.village)
    return cadre


def test_unit_edit_page_sets_a_staff_member_and_shows_their_name(world: World, client_for: Any) -> None:
    cadre = _village_cadre(world)
    village = world.a.village
    client = client_for("town_a")
    page = client.get(f"/areas/units/{village.path}/edit/")
    assert page.status_code == 200
    assert "陈书记（党组织书记）" in page.content.decode()  # offered: a grant on the village
    assert "town_b" not in page.content.decode()  # another town's officer is not
    answer = client.post(
        f"/areas/units/{village.path}/edit/",
        {
            "version": village.version,
            "name": village.name,
            "responsible": cadre.pk,
            "responsible_title": "书记",
        },
    )
    assert answer.status_code == 302
    village.refresh_from_db()
    assert village.responsible == cadre and village.responsible_title == "书记"
    shown = client.get(f"/areas/units/{village.path}/").content.decode()
    assert "陈书记" in shown and "编辑" in shown
    log = ChangeLog.objects.filter(
        object_type="areas.adminunit", object_id=village.pk, action="update"
    ).last()
    assert log is not None and log.changes["responsible_id"] == [None, cadre.pk]
    assert DomainEvent.objects.filter(name="unit.updated", subject_id=village.pk).exists()


def test_form_and_api_refuse_a_user_without_a_post_there_alike(world: World, client_for: Any) -> None:
    village = world.a.village
    outsider = world.users["town_b"]
    client = client_for("town_a")
    form = client.post(
        f"/areas/units/{village.path}/edit/",
        {
            "version": village.version,
            "name": village.name,
            "responsible": outsider.pk,
            "responsible_title": "",
        },
    )
    api = _patch(
        client, f"/api/units/{village.path}", {"version": village.version, "responsible_id": outsider.pk}
    )
    assert form.status_code == 200 and api.status_code == 400
    assert api.json()["code"] == "unit.not_staff" and api.json()["field"] == "responsible"
    assert api.json()["detail"] in form.content.decode()
    assert "负责人须是" in api.json()["detail"]
    empty = _patch(client, f"/api/units/{village.path}", {"version": village.version, "name": "  "})
    page = client.post(f"/areas/units/{village.path}/edit/", {"version": village.version, "name": ""})
    assert empty.json()["code"] == "text.required" and empty.json()["detail"] in page.content.decode()
    village.refresh_from_db()
    assert village.responsible is None and village.version == 1


def test_api_patch_changes_only_what_is_sent_and_refuses_a_stale_version(
    world: World, client_for: Any
) -> None:
    cadre = _village_cadre(world)
    village = world.a.village
    client = client_for("district")
    answer = _patch(client, f"/api/units/{village.path}", {"version": 1, "responsible_id": cadre.pk})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["responsible_name"] == "陈书记" and body["name"] == village.name and body["version"] == 2
    stale = _patch(client, f"/api/units/{village.path}", {"version": 1, "name": "临河社区"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
    page = client.post(f"/areas/units/{village.path}/edit/", {"version": 1, "name": "临河社区"})
    assert stale.json()["detail"] in page.content.decode()
    village.refresh_from_db()
    assert village.name != "临河社区"


def test_a_town_officer_cannot_edit_another_towns_unit_grid_or_household(
    world: World, client_for: Any
) -> None:
    client = client_for("town_a")
    b = world.b
    for url in (
        f"/areas/units/{b.village.path}/edit/",
        f"/areas/grids/{b.grid.id}/edit/",
        f"/areas/households/{b.household.id}/edit/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1, "name": "改名"}).status_code == 404, url
    for url, body in (
        (f"/api/units/{b.village.path}", {"version": 1, "name": "改名"}),
        (f"/api/grids/{b.grid.id}", {"version": 1, "name": "改名"}),
        (f"/api/households/{b.household.id}", {"version": 1, "address": "改名"}),
    ):
        assert _patch(client, url, body).status_code == 404, url
    assert (
        not AdminUnit.objects.filter(name="改名").exists() and not Grid.objects.filter(name="改名").exists()
    )
    assert Household.objects.get(pk=b.household.pk).version == 1


def test_a_grid_worker_keeps_households_but_does_not_rename_the_tree(world: World, client_for: Any) -> None:
    client = client_for("grid_a1")
    a = world.a
    assert client.get(f"/areas/units/{a.building.path}/edit/").status_code == 404
    assert client.get(f"/areas/grids/{a.grid.id}/edit/").status_code == 404
    assert "编辑" not in client.get(f"/areas/grids/{a.grid.id}/").content.decode()
    answer = client.post(
        f"/areas/households/{a.household.id}/edit/",
        {"version": 1, "number": a.household.number, "address": "临河社区幸福家园3栋502室", "door": "502室"},
    )
    assert answer.status_code == 302
    a.household.refresh_from_db()
    assert a.household.door == "502室" and a.household.version == 2
    assert ChangeLog.objects.filter(object_type="areas.household", object_id=a.household.pk, action="update")
    assert DomainEvent.objects.filter(name="household.updated", subject_id=a.household.pk).exists()


def test_grid_worker_is_picked_from_the_villages_grid_workers(world: World, client_for: Any) -> None:
    grid = world.a.grid
    client = client_for("town_a")
    page = client.get(f"/areas/grids/{grid.id}/edit/").content.decode()
    assert f'value="{world.users["grid_a1"].pk}"' in page
    assert f'value="{world.users["town_a"].pk}"' not in page  # an officer is no grid worker
    refused = _patch(client, f"/api/grids/{grid.id}", {"version": 1, "worker_id": world.users["town_a"].pk})
    form = client.post(f"/areas/grids/{grid.id}/edit/", {"version": 1, "name": grid.name, "worker": "x"})
    assert refused.json()["code"] == "grid.not_staff" and refused.json()["detail"] in form.content.decode()
    done = _patch(client, f"/api/grids/{grid.id}", {"version": 1, "worker_id": world.users["grid_a1"].pk})
    assert done.status_code == 200 and done.json()["responsible_name"] == "grid_a1"
    grid.refresh_from_db()
    assert grid.worker == world.users["grid_a1"] and grid.responsible_name == ""
    assert "grid_a1" in client.get(f"/areas/grids/{grid.id}/").content.decode()
    assert DomainEvent.objects.filter(name="grid.updated", subject_id=grid.pk).exists()
    log = ChangeLog.objects.filter(object_type="areas.grid", object_id=grid.pk, action="update").last()
    assert log is not None and log.changes["worker_id"] == [None, world.users["grid_a1"].pk]


def test_household_number_taken_is_refused_alike(world: World, client_for: Any) -> None:
    a, b = world.a, world.b
    client = client_for("district")
    api = _patch(client, f"/api/households/{a.household.id}", {"version": 1, "number": b.household.number})
    form = client.post(
        f"/areas/households/{a.household.id}/edit/",
        {"version": 1, "number": b.household.number, "address": a.household.address, "door": ""},
    )
    assert api.status_code == 400 and api.json()["code"] == "household.number_taken"
    assert api.json()["detail"] in form.content.decode()
    assert Household.objects.get(pk=a.household.pk).number == a.household.number


def test_service_refuses_a_deactivated_user(world: World) -> None:
    cadre = _village_cadre(world)
    cadre.is_active = False
    cadre.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as refused:
        do_edit_unit(
            None, world.a.village, 1, name="临河社区居委会", responsible_id=cadre.pk, responsible_title=""
        )
    assert refused.value.code == "unit.not_staff"


def test_a_responsible_whose_grant_moved_stays_until_someone_else_is_chosen(
    world: World, client_for: Any
) -> None:
    from hongyixing.accounts.models import Grant

    cadre = _village_cadre(world)
    village = world.a.village
    do_edit_unit(None, village, 1, name=village.name, responsible_id=cadre.pk, responsible_title="书记")
    Grant.objects.filter(user=cadre).delete()
    client = client_for("town_a")
    page = client.get(f"/areas/units/{village.path}/edit/").content.decode()
    assert f'<option value="{cadre.pk}" selected>' in page
    renamed = _patch(client, f"/api/units/{village.path}", {"version": 2, "responsible_title": "原书记"})
    assert renamed.status_code == 200 and renamed.json()["responsible_id"] == cadre.pk
    again = _patch(
        client, f"/api/units/{village.path}", {"version": 3, "responsible_id": world.users["town_b"].pk}
    )
    assert again.json()["code"] == "unit.not_staff"
