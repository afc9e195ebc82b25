"""Finding 8 (input part): an empty or unknown document type and control characters in a name or
an address are refused by the one validator the API and the pages share."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person
from hongyixing.people.services import PersonSpec, create_person
from tests.personas import World


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"document_type": ""}, "person.bad_document_type"),
        ({"document_type": "driving_licence"}, "person.bad_document_type"),
        ({"name": "张\u0000三"}, "person.bad_name"),
        ({"name": "张\u202e三"}, "person.bad_name"),  # right-to-left override
        ({"name": "\u200b"}, "person.bad_name"),  # zero-width space only
        ({"relation": "boss"}, "person.bad_relation"),
        ({"residency": ""}, "person.bad_residency"),
        ({"current_address": "临河社区\u00071号"}, "person.bad_address"),
    ],
)
def test_bad_input_is_refused(world: World, changes: dict[str, str], code: str) -> None:
    values: dict[str, Any] = {"name": "张三", "household": world.a.household, **changes}
    with pytest.raises(DomainError) as refused:
        create_person(None, PersonSpec(**values))
    assert refused.value.code == code


def test_the_api_refuses_an_empty_document_type(world: World, client_for: Any) -> None:
    before = Person.objects.count()
    response = client_for("town_a").post(
        "/api/persons",
        json.dumps({"name": "张三", "document_type": "", "household_id": world.a.household.id}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "person.bad_document_type"
    assert Person.objects.count() == before


def test_ordinary_names_still_pass(world: World) -> None:
    person, created = create_person(None, PersonSpec(name="欧阳 娜娜", household=world.a.household))
    assert created and person.name == "欧阳娜娜"
