"""Editing a person: the page and the API share one validator, phones follow core.phones, the ID
number stays read-only, the birth date is never shown in full, and each change is logged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation

from hongyixing.core.crypto import unseal
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.people.models import Person, PersonPhone
from hongyixing.people.services import PersonSpec, create_person
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _patch(client: Any, person: Person, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/persons/{person.id}", json.dumps(body), content_type="application/json")


def _form(person: Person, **changes: Any) -> dict[str, Any]:
    values = {
        "version": person.version,
        "name": person.name,
        "sex": person.sex,
        "birth_date": "",
        "relation": person.relation,
        "residency": person.residency,
        "domicile_address": person.domicile_address,
        "current_address": person.current_address,
        "phone": "",
    }
    return {**values, **changes}


def test_person_edit_page_changes_details_and_adds_a_phone(world: World, client_for: Any) -> None:
    person = world.a.persons[0]
    client = client_for("grid_a1")  # the grid worker keeps the register of their grid
    page = client.get(f"/people/{person.id}/edit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "证件号码不能在这里修改" in body and world.a.plain_ids[0] not in body
    assert "1960-01-15" not in body and "1970-01-15" not in body  # the full birth date never shows
    answer = client.post(
        f"/people/{person.id}/edit/",
        _form(
            person, current_address="临河社区幸福家园3栋502室", residency="permanent", phone="139 1234 5678"
        ),
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    person.refresh_from_db()
    assert person.current_address == "临河社区幸福家园3栋502室" and person.residency == "permanent"
    assert person.version == 2
    added = person.phones.get(masked__startswith="139")
    assert unseal(added.ciphertext) == "13912345678" and not added.is_primary
    assert ChangeLog.objects.filter(
        object_type="people.person", object_id=person.pk, action="update"
    ).exists()
    assert ChangeLog.objects.filter(object_type="people.personphone", object_id=added.pk, action="create")
    assert DomainEvent.objects.filter(name="person.updated", subject_id=person.pk).exists()
    assert "编辑" in client.get(f"/people/{person.id}/").content.decode()


def test_form_and_api_refuse_a_bad_phone_alike(world: World, client_for: Any) -> None:
    person = world.a.persons[0]
    client = client_for("town_a")
    api = _patch(client, person, {"version": 1, "phone": "12345"})
    form = client.post(f"/people/{person.id}/edit/", _form(person, phone="12345"))
    assert api.status_code == 400 and api.json()["field"] == "phone"
    assert api.json()["detail"] in form.content.decode()
    empty_api = _patch(client, person, {"version": 1, "name": " "})
    empty_form = client.post(f"/people/{person.id}/edit/", _form(person, name=""))
    assert empty_api.json()["code"] == "person.no_name"
    assert empty_api.json()["detail"] in empty_form.content.decode()
    bad = _patch(client, person, {"version": 1, "residency": "tourist"})
    assert bad.json()["code"] == "person.bad_residency"
    assert (
        bad.json()["detail"]
        in client.post(f"/people/{person.id}/edit/", _form(person, residency="x")).content.decode()
    )
    person.refresh_from_db()
    assert person.version == 1 and person.phones.count() == 1


def test_sex_and_birth_date_come_from_the_id_number(world: World, client_for: Any) -> None:
    person = world.a.persons[0]
    client = client_for("district")
    refused = _patch(client, person, {"version": 1, "birth_date": "1990-05-01"})
    assert refused.status_code == 400 and refused.json()["code"] == "person.from_id_number"
    form = client.post(f"/people/{person.id}/edit/", _form(person, sex="F" if person.sex == "M" else "M"))
    assert refused.json()["detail"] in form.content.decode()
    person.refresh_from_db()
    assert person.version == 1


def test_a_person_without_an_id_gets_a_birth_date_and_a_replaced_phone(world: World, client_for: Any) -> None:
    child, _created = create_person(
        None,
        PersonSpec(name="王小宝", household=world.a.household, relation="grandchild", phones=["13800001111"]),
    )
    client = client_for("town_a")
    old = child.phones.get()
    answer = _patch(
        client,
        child,
        {
            "version": 1,
            "birth_date": "2019-03-02",
            "sex": "M",
            "phone": "13800002222",
            "replace_phone_id": old.id,
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["birth_year"] == 2019 and "birth_date" not in body and body["version"] == 2
    assert [p["masked"] for p in body["phones"]] == ["138****2222"]
    child.refresh_from_db()
    assert child.birth_date == dt.date(2019, 3, 2) and child.sex == "M"
    old.refresh_from_db()
    assert unseal(old.ciphertext) == "13800002222"
    assert ChangeLog.objects.filter(
        object_type="people.personphone", object_id=old.pk, action="update"
    ).exists()
    future = _patch(
        client, child, {"version": 2, "birth_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    )
    assert future.json()["code"] == "person.bad_birth_date"
    other = world.a.persons[1].phones.get()
    foreign = _patch(client, child, {"version": 2, "phone": "13800003333", "replace_phone_id": other.id})
    assert foreign.json()["code"] == "person.bad_phone_replaced"
    assert PersonPhone.objects.get(pk=other.pk).masked == other.masked


def test_stale_version_and_out_of_scope(world: World, client_for: Any) -> None:
    person_b = world.b.persons[0]
    town_a = client_for("town_a")
    assert town_a.get(f"/people/{person_b.id}/edit/").status_code == 404
    assert town_a.post(f"/people/{person_b.id}/edit/", _form(person_b, name="改名")).status_code == 404
    assert _patch(town_a, person_b, {"version": 1, "name": "改名"}).status_code == 404
    cdc = client_for("cdc")  # sees and reveals, but does not keep the register
    assert cdc.get(f"/people/{person_b.id}/edit/").status_code == 404
    assert _patch(cdc, person_b, {"version": 1, "name": "改名"}).status_code == 404
    district = client_for("district")
    assert (
        _patch(district, person_b, {"version": 1, "current_address": "岔河镇淮宝居委会"}).status_code == 200
    )
    stale = _patch(district, person_b, {"version": 1, "current_address": "别处"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
    form = district.post(f"/people/{person_b.id}/edit/", _form(person_b, current_address="别处"))
    assert stale.json()["detail"] in form.content.decode()
    person_b.refresh_from_db()
    assert person_b.name != "改名" and person_b.current_address == "岔河镇淮宝居委会"
