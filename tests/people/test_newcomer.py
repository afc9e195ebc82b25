"""A newcomer registered from the household page: the form and POST /api/persons go through one
service, refuse the same values with the same words, and never confirm an ID on file elsewhere."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation

from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.people import idnumbers
from hongyixing.people.models import Person
from tests.personas import World

pytestmark = pytest.mark.django_db
NUMBER = idnumbers.make("340104", dt.date(1996, 4, 2), 321)  # a tenant from Hefei


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _form(number: str, **extra: str) -> dict[str, str]:
    return {
        "name": "王新来",
        "document_type": "resident_id",
        "document_number": number,
        "phone": "13905171234",
        "relation": "other",
        "residency": "floating",
        "domicile_address": "安徽省合肥市瑶海区",
        "current_address": "",
        **extra,
    }


def _api(client: Any, household_id: int, number: str) -> Any:
    body = {
        "name": "王新来",
        "document_number": number,
        "household_id": household_id,
        "phones": ["13905171234"],
    }
    return client.post("/api/persons", json.dumps(body), content_type="application/json")


def test_a_grid_worker_registers_a_newcomer_at_the_door(world: World, client_for: Any) -> None:
    household = world.a.household
    client = client_for("grid_a1")
    page = client.get(f"/people/households/{household.id}/").content.decode()
    assert f"/people/households/{household.id}/add/" in page and "登记新来人员" in page
    form = client.get(f"/people/households/{household.id}/add/").content.decode()
    assert household.address in form  # the current address starts as the household's
    household.refresh_from_db()
    before = household.person_count
    answer = client.post(f"/people/households/{household.id}/add/", _form(NUMBER))
    assert answer.status_code == 302
    person = Person.objects.get(name="王新来")
    assert answer["Location"] == f"/people/{person.id}/"
    assert person.household_id == household.id and person.grid_id == household.grid_id
    assert person.residency == "floating" and person.birth_date == dt.date(1996, 4, 2)
    household.refresh_from_db()
    assert household.person_count == before + 1
    assert ChangeLog.objects.filter(
        object_type="people.person", object_id=person.id, action="create"
    ).exists()
    shown = client.get(answer["Location"]).content.decode()
    assert NUMBER not in shown and person.document_masked in shown  # masked, as everywhere

    again = client.post(f"/people/households/{household.id}/add/", _form(NUMBER, name="王新"))
    assert again["Location"] == f"/people/{person.id}/"  # the one on file, not a second
    assert Person.objects.filter(document_index=person.document_index).count() == 1


def test_the_form_and_the_api_refuse_alike(world: World, client_for: Any) -> None:
    household = world.a.household
    client = client_for("town_a")
    count = Person.objects.count()
    # An ID on file in another town: the one refusal, which names no place, and the attempt recorded.
    page = client.post(f"/people/households/{household.id}/add/", _form(world.b.plain_ids[0]))
    api = _api(client, household.id, world.b.plain_ids[0])
    assert page.status_code == 200 and api.status_code == 400
    assert api.json()["code"] == "person.not_registered"
    assert api.json()["detail"] == "无法在此登记此人，请联系区指挥部。"
    assert api.json()["detail"] in page.content.decode()
    assert world.b.persons[0].name not in page.content.decode()
    assert DomainEvent.objects.filter(name="person.registration_refused").count() == 2
    # A number whose check character is wrong.
    broken = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    page = client.post(f"/people/households/{household.id}/add/", _form(broken))
    api = _api(client, household.id, broken)
    assert page.status_code == 200 and api.status_code == 400
    assert api.json()["detail"] in page.content.decode()
    assert Person.objects.count() == count


def test_another_grids_household_is_not_found(world: World, client_for: Any) -> None:
    outside = world.b.household
    client = client_for("grid_a1")
    assert client.get(f"/people/households/{outside.id}/add/").status_code == 404
    assert client.post(f"/people/households/{outside.id}/add/", _form(NUMBER)).status_code == 404
    assert not Person.objects.filter(name="王新来").exists()


@pytest.mark.parametrize(("field", "value"), [("name", "王" * 61), ("current_address", "洪泽" * 101)])
def test_too_long_is_refused_not_cut(world: World, client_for: Any, field: str, value: str) -> None:
    household = world.a.household
    client = client_for("town_a")
    count = Person.objects.count()
    page = client.post(f"/people/households/{household.id}/add/", _form(NUMBER, **{field: value}))
    body = {"name": "王新来", "document_number": NUMBER, "household_id": household.id, field: value}
    api = client.post("/api/persons", json.dumps(body), content_type="application/json")
    assert page.status_code == 200 and api.status_code == 400
    assert api.json()["code"] == "text.too_long" and api.json()["field"] == field
    assert api.json()["detail"] in page.content.decode()
    assert Person.objects.count() == count
