"""The 户籍变动 and 整户迁移 pages and their API: forms with CSRF, refusals inline in Chinese, success
redirects with a message, the same services behind the page and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from hongyixing.areas import services as areas
from hongyixing.control import services as control
from hongyixing.people.choices import PersonStatus
from hongyixing.people.models import Person
from tests.personas import World, login

pytestmark = pytest.mark.django_db

YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _body(response) -> str:
    return response.content.decode()


def test_the_person_page_links_to_the_register_changes(world: World, client_for) -> None:
    person = world.a.persons[0]
    body = _body(client_for("town_a").get(f"/people/{person.id}/"))
    assert "户籍变动" in body and f"/people/{person.id}/register/" in body
    household = _body(client_for("town_a").get(f"/people/households/{world.a.household.id}/"))
    assert f"/people/households/{world.a.household.id}/move/" in household and "整户迁移" in household


def test_a_town_officer_sees_the_forms_a_grid_worker_only_the_status(world: World, client_for) -> None:
    url = f"/people/{world.a.persons[0].id}/register/"
    town = _body(client_for("town_a").get(url))
    assert "登记死亡" in town and "登记迁移" in town and "换户" in town and "csrfmiddlewaretoken" in town
    grid = client_for("grid_a1").get(url)
    assert grid.status_code == 200
    assert "在册" in _body(grid) and "登记死亡" not in _body(grid)
    refused = client_for("grid_a1").post(url, {"action": "death", "on": YESTERDAY})
    assert refused.status_code == 400 and "户籍变动只能由" in _body(refused)
    assert Person.objects.get(pk=world.a.persons[0].pk).status == PersonStatus.RESIDENT


def test_a_future_date_is_refused_inline(world: World, client_for) -> None:
    person = world.a.persons[0]
    response = client_for("town_a").post(
        f"/people/{person.id}/register/", {"action": "death", "on": TOMORROW, "version": person.version}
    )
    assert response.status_code == 400
    assert "日期不能晚于今天" in _body(response)
    assert Person.objects.get(pk=person.pk).status == PersonStatus.RESIDENT


def test_a_move_away_redirects_with_a_message_and_marks_the_person(world: World, client_for) -> None:
    person = world.a.persons[0]
    client = client_for("town_a")
    response = client.post(
        f"/people/{person.id}/register/",
        {"action": "move_away", "on": YESTERDAY, "destination": "南京市鼓楼区", "version": person.version},
    )
    assert response.status_code == 302 and response["Location"] == f"/people/{person.id}/"
    page = _body(client.get(response["Location"]))
    assert "迁出已登记" in page and "已迁出" in page and "南京市鼓楼区" in page
    timeline = page[page.index('class="history"') :]
    assert "迁出：登记" in timeline
    found = _body(client.get("/people/", {"q": "王建国"}))
    assert "已迁出" in found


def test_a_move_away_under_a_measure_says_to_transfer_it_first(world: World, client_for) -> None:
    person = world.a.persons[0]
    control.do_open_measure(world.users["district"], person, control.MeasureSpec(type="home_isolation"))
    response = client_for("town_a").post(
        f"/people/{person.id}/register/",
        {"action": "move_away", "on": YESTERDAY, "destination": "南京市鼓楼区"},
    )
    assert response.status_code == 400 and "转出" in _body(response)
    assert Person.objects.get(pk=person.pk).status == PersonStatus.RESIDENT


def test_changing_household_needs_a_household_of_the_area(world: World, client_for) -> None:
    person = world.a.persons[0]
    response = client_for("town_a").post(
        f"/people/{person.id}/register/",
        {"action": "change_household", "on": YESTERDAY, "household_number": world.b.household.number},
    )
    assert response.status_code == 400 and "您的辖区内没有这个户号" in _body(response)


def test_the_household_move_page_moves_the_household(world: World, client_for) -> None:
    village = world.a.village
    grid = areas.do_create_grid(None, village, 2, f"{village.name}第2网格", "网格员A2")
    compound = areas.do_create_unit(None, village, "compound", 2, "锦绣花园", grid=grid)
    building = areas.do_create_unit(None, compound, "building", 1, "1栋", grid=grid)
    client = client_for("town_a")
    url = f"/people/households/{world.a.household.id}/move/"
    page = _body(client.get(url))
    assert f'value="u{building.pk}"' in page and f'value="g{grid.pk}"' in page
    elsewhere = client.post(url, {"code": world.b.building.path, "on": YESTERDAY})
    assert elsewhere.status_code == 400 and "您的辖区内没有这个地点" in _body(elsewhere)
    moved = client.post(url, {"target": f"u{building.pk}", "on": YESTERDAY, "note": "拆迁安置"})
    assert moved.status_code == 302
    assert "整户迁移已登记" in _body(client.get(moved["Location"]))
    assert set(Person.objects.filter(household=world.a.household).values_list("grid_id", flat=True)) == {
        grid.pk
    }


def test_the_forms_need_the_csrf_token(world: World) -> None:
    client = login(Client(enforce_csrf_checks=True), world.users["town_a"])
    response = client.post(f"/people/{world.a.persons[0].id}/register/", {"action": "death", "on": YESTERDAY})
    assert response.status_code == 403


def test_the_api_records_through_the_same_services(world: World, client_for) -> None:
    client = client_for("town_a")
    person = world.a.persons[1]
    future = client.post(
        f"/api/persons/{person.id}/death", json.dumps({"on": TOMORROW}), content_type="application/json"
    )
    assert future.status_code == 400 and future.json()["code"] == "register.future_date"
    died = client.post(
        f"/api/persons/{person.id}/death",
        json.dumps({"on": YESTERDAY, "note": "病故", "version": person.version}),
        content_type="application/json",
    )
    assert died.status_code == 200, died.content
    assert (died.json()["status"], died.json()["status_since"]) == ("deceased", YESTERDAY)
    away = client.post(
        f"/api/persons/{world.a.persons[0].id}/move-away",
        json.dumps({"on": YESTERDAY, "destination": "上海市"}),
        content_type="application/json",
    )
    assert away.status_code == 200 and away.json()["moved_to"] == "上海市"
    back = client.post(
        f"/api/persons/{world.a.persons[0].id}/move-in",
        json.dumps({"on": YESTERDAY, "household_id": world.a.household.id}),
        content_type="application/json",
    )
    assert back.status_code == 200 and back.json()["status"] == "resident"
    nowhere = client.post(
        f"/api/persons/households/{world.a.household.id}/move",
        json.dumps({"on": YESTERDAY, "unit_path": world.b.building.path}),
        content_type="application/json",
    )
    assert nowhere.status_code == 404
