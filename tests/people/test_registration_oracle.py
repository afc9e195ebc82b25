"""Finding 5: registering another town's resident's ID tells the outsider nothing about that person."""

from __future__ import annotations

import json
from typing import Any

from hongyixing.core.models import DomainEvent
from hongyixing.people.models import Person
from tests.personas import World


def _create(client: Any, household_id: int, number: str) -> Any:
    return client.post(
        "/api/persons",
        json.dumps({"name": "张三", "document_number": number, "household_id": household_id}),
        content_type="application/json",
    )


def test_an_id_on_file_elsewhere_is_not_confirmed(world: World, client_for: Any) -> None:
    client = client_for("town_a")
    before = Person.objects.count()
    response = _create(client, world.a.household.id, world.b.plain_ids[0])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "person.not_registered"
    text = response.content.decode()
    for telling in ("elsewhere", "jurisdiction", "exists", world.b.persons[0].name, world.b.town.name):
        assert telling not in text
    assert Person.objects.count() == before  # no duplicate
    event = DomainEvent.objects.get(name="person.registration_refused")
    assert event.user_id == world.users["town_a"].pk
    assert event.person_id == world.b.persons[0].pk


def test_an_id_on_file_in_scope_returns_the_person(world: World, client_for: Any) -> None:
    response = _create(client_for("town_a"), world.a.household.id, world.a.plain_ids[0])
    assert response.status_code == 200
    assert response.json()["person"]["id"] == world.a.persons[0].pk
