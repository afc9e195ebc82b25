"""Every route of the cases app × every persona, and the rule that a grid worker learns that a person
they look after is a contact — never who the index case is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hongyixing.cases import services
from hongyixing.cases.models import Case
from tests.cases.builders import EXPOSURE, INDEX_NAME, build_case, index_person
from tests.personas import World, login

READERS = {"cdc", "district", "superuser"}  # read cases (their area: the whole district here)
CLASSIFIERS = {"cdc", "superuser"}
PERSONAS = ["district", "town_a", "town_b", "grid_a1", "cdc", "enterprise", "superuser"]


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    found: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            found |= _names(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern) and p.name:
            found.add(f"{namespace}{p.name}")
    return found


CASES_API = {
    "api:list_cases",
    "api:open_case",
    "api:my_contacts",
    "api:get_case",
    "api:classify",
    "api:investigation",
    "api:add_entry",
    "api:add_contacts",
    "api:judge",
    "api:get_chain",
}


def _routes(case: Case, sample_id: int, person_id: int, new_id: int) -> dict[str, tuple[str, str, Any]]:
    """name → (method, url, body) for every cases page and API route."""
    c = case.pk
    contact = case.contacts.order_by("id").first()
    assert contact is not None
    entry = {"date": EXPOSURE.isoformat(), "start_time": "08:00", "end_time": "09:00", "place": "菜场"}
    person_contact = [{"name": "新接触", "last_exposure": EXPOSURE.isoformat()}]
    return {
        "cases:list": ("get", "/cases/", None),
        "cases:contacts": ("get", "/cases/contacts/", None),
        "cases:forwarding": ("get", "/cases/forwarding/", None),
        "cases:clusters": ("get", "/cases/chains/", None),
        "cases:new": ("get", f"/cases/persons/{person_id}/new/", None),
        "cases:propose": ("post", f"/cases/samples/{sample_id}/propose/", {}),
        "cases:case": ("get", f"/cases/{c}/", None),
        "cases:classify": ("post", f"/cases/{c}/classify/", {"to": "excluded", "version": case.version}),
        "cases:update": (
            "post",
            f"/cases/{c}/edit/",
            {"version": case.version, "source": "local", "report_date": case.report_date.isoformat()},
        ),
        "cases:investigation": ("get", f"/cases/{c}/investigation/", None),
        "cases:add_entry": ("post", f"/cases/{c}/itinerary/", entry),
        "cases:add_contact": (
            "post",
            f"/cases/{c}/contacts/",
            {**person_contact[0], "relation": "other", "exposure_mode": "other"},
        ),
        "cases:judge": (
            "post",
            f"/cases/{c}/contacts/judge/",
            {"contacts": [contact.pk], "category": "close", "action": "measure"},
        ),
        "cases:co_presence": ("get", f"/cases/{c}/co-presence/", None),
        "cases:chain": ("get", f"/cases/{c}/chain/", None),
        "cases:chain_export": ("get", f"/cases/{c}/chain.xlsx", None),
        "api:list_cases": ("get", "/api/cases", None),
        "api:open_case": ("json", "/api/cases", {"person_id": new_id}),
        "api:my_contacts": ("get", "/api/cases/contacts/mine", None),
        "api:get_case": ("get", f"/api/cases/{c}", None),
        "api:classify": ("json", f"/api/cases/{c}/classify", {"to": "excluded"}),
        "api:investigation": ("get", f"/api/cases/{c}/investigation", None),
        "api:add_entry": ("json", f"/api/cases/{c}/itinerary", entry),
        "api:add_contacts": ("json", f"/api/cases/{c}/contacts", person_contact),
        "api:judge": (
            "json",
            f"/api/cases/{c}/contacts/judge",
            {"contacts": [contact.pk], "category": "close", "action": "task"},
        ),
        "api:get_chain": ("get", f"/api/cases/{c}/chain", None),
    }


# What each persona gets: readers read; classifiers write; the district office reads but its writes
# are refused with a message (302 page / 400 API); everyone else meets "not found".
PLAIN_FOR_ALL = {"cases:contacts", "api:my_contacts"}
LISTS_EMPTY_FOR_OTHERS = {"api:list_cases"}


def _expected(name: str, method: str, persona: str) -> int:
    if name in PLAIN_FOR_ALL:
        return 200
    if name in LISTS_EMPTY_FOR_OTHERS:
        return 200
    api = name.startswith("api:")
    if persona not in READERS:
        return 404
    if method == "get":
        return 200
    ok = {"api:open_case": 201, "api:add_entry": 201, "api:add_contacts": 201}.get(name, 200) if api else 302
    if persona in CLASSIFIERS:
        return ok
    return 400 if api else 302


def _call(client: Client, method: str, url: str, body: Any) -> Any:
    if method == "get":
        return client.get(url)
    if method == "json":
        return client.post(url, data=json.dumps(body), content_type="application/json")
    return client.post(url, body)


@pytest.mark.django_db
def test_every_cases_route_by_persona(world: World) -> None:
    from hongyixing.control import services as control_services

    built = build_case(world)
    cdc = world.users["cdc"]
    services.do_judge_contacts(cdc, built.case, [built.contacts[0].pk], "close", "measure")
    sample = control_services.do_request_test(cdc, world.b.persons[1], "")
    control_services.do_record_sampling(cdc, sample, "T-9", "护士")
    control_services.do_record_result(cdc, sample, "positive")
    named = _names(get_resolver().url_patterns)
    fresh = index_person(world, "郑新病")
    routes = _routes(built.case, sample.pk, world.b.persons[1].pk, fresh.pk)
    ours = {n for n in named if n.startswith("cases:")} | CASES_API
    assert ours == set(routes), sorted(ours ^ set(routes))
    assert named >= CASES_API
    for persona in PERSONAS:
        for name, (method, url, body) in routes.items():
            if method != "get":
                continue  # reads first: writes below change the case
            client = login(Client(), world.users[persona])
            response = _call(client, method, url, body)
            assert response.status_code == _expected(name, method, persona), (
                persona,
                name,
                response.status_code,
            )
            if name == "api:list_cases":
                assert bool(response.json()) == (persona in READERS), persona
    for persona in PERSONAS:
        if persona in CLASSIFIERS:
            continue
        client = login(Client(), world.users[persona])
        for name, (method, url, body) in routes.items():
            if method == "get":
                continue
            response = _call(client, method, url, body)
            assert response.status_code == _expected(name, method, persona), (
                persona,
                name,
                response.status_code,
            )
        assert Case.objects.get(pk=built.case.pk).classification == "confirmed", persona
        assert not Case.objects.filter(person__in=[world.b.persons[1], fresh]).exists(), persona
    client = login(Client(), cdc)
    for name, (method, url, body) in routes.items():
        if method == "get" or name in {"cases:classify", "api:classify"}:
            continue
        response = _call(client, method, url, body)
        assert response.status_code == _expected(name, method, "cdc"), (
            name,
            response.status_code,
            response.content[:300],
        )
    # A confirmed case cannot be excluded: a refusal, not a change.
    assert (
        _call(client, "json", f"/api/cases/{built.case.pk}/classify", {"to": "excluded"}).status_code == 400
    )


@pytest.mark.django_db
def test_grid_worker_sees_the_contact_never_the_index_case(world: World) -> None:
    built = build_case(world)
    cdc = world.users["cdc"]
    services.do_judge_contacts(cdc, built.case, [k.pk for k in built.contacts], "close", "measure")
    client = login(Client(), world.users["grid_a1"])
    contact_person = built.contacts[0].person
    pages = [
        "/cases/contacts/",
        "/api/cases/contacts/mine",
        f"/people/{contact_person.pk}/",
        f"/control/measures/{built.contacts[0].measure_id if built.contacts[0].measure_id else 0}/",
    ]
    built.contacts[0].refresh_from_db()
    pages[-1] = f"/control/measures/{built.contacts[0].measure_id}/"
    listing = client.get(pages[0])
    assert listing.status_code == 200 and contact_person.name in listing.content.decode()
    mine = client.get(pages[1]).json()
    assert {row["person_id"] for row in mine} >= {contact_person.pk}
    assert all("case" not in key for row in mine for key in row)
    for url in pages:
        body = client.get(url).content.decode()
        assert INDEX_NAME not in body, url
        assert f"/cases/{built.case.pk}/" not in body, url
    for url in (f"/cases/{built.case.pk}/", f"/api/cases/{built.case.pk}", f"/cases/{built.case.pk}/chain/"):
        assert client.get(url).status_code == 404, url
