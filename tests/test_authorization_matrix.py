"""Every page and API route × every persona: nobody reads or writes outside scope, and no
unmasked ID number or phone reaches anyone who has not used the audited reveal.

New routes must be added to ``ROUTE_OBJECTS`` below: the walk fails on a route it cannot fill.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.command.builders import build_command
from tests.personas import World

# Who may see what: place "a" (town A, grid A1) and "b" (town B).
SEES = {
    "district": {"a", "b"},
    "town_a": {"a"},
    "town_b": {"b"},
    "grid_a1": {"a"},
    "cdc": {"a", "b"},
    "enterprise": set(),
    "superuser": {"a", "b"},
}
REVEALS = {
    "district": {"a", "b"},
    "town_a": {"a"},
    "town_b": {"b"},
    "cdc": {"a", "b"},
    "superuser": {"a", "b"},
}
PERSONAS = list(SEES)

# Routes without an object, and routes that only exist for one session step (login flow).
PLAIN_PAGES = [
    "home",
    "people:search",
    "accounts:tokens",
    "accounts:password",
    "accounts:help",
    "verification:desk",
    "verification:my_tasks",
    "verification:supervision",
    "control:measures",
    "control:today",
    "control:alerts",
    "control:tests",
    "control:sites",
    "control:transfers",
    "control:inbound",
    "reports:dashboard",
    "reports:daily",
    "command:home",
    "command:groups",
    "command:duty",
    "command:directives",
    "command:assignments",
    "command:supervision",
    "command:campaigns",
    "rules:list",
]
# Covered by their own tests below or elsewhere: the login flow, the public self-registration form,
# and the verification writes and district-wide pages walked in the last two tests of this module.
SKIP = {
    "accounts:login",
    "accounts:second_factor",
    "accounts:enrol",
    "accounts:logout",
    "accounts:revoke_token",
    "set_language",
    "healthz",
    # The installable web app's public files: tests/core/test_offline.py.
    "service_worker",
    "manifest",
    "offline",
    "people:reveal",
    "self_registration",
    "verification:route_row",
    "verification:route_rows",
    "verification:task_feedback",
    "verification:task_transition",
    "verification:task_call",
    "verification:desk_bulk",
    "verification:batches",
    "verification:batch",
    "verification:batch_export",
    # Control-measure writes, the public self-report page and the release notice: tests/control/.
    "control:measure_action",
    "control:record_checks",
    "control:alert_handle",
    "control:sample_action",
    "control:site_action",
    "control:transfer_create",
    "control:transfer_action",
    "control:release_notice",
    "self_report",
    # Filing a report and a filed snapshot: tests/reports/.
    "reports:file",
    "reports:filed",
    # The command centre's own expectations: test_command_reads_are_scoped / _writes_are_scoped.
    "command:group",
    "command:groups_defaults",
    "command:group_edit",
    "command:member_add",
    "command:member_remove",
    "command:duty_remove",
    "command:duty_call",
    "command:directive_new",
    "command:directive",
    "command:directive_file",
    "command:assignment",
    "command:assignment_act",
    "command:note_file",
    "command:visit_task",
    "command:visit_measure",
    # Cases, investigations, contacts and chains: every route × persona in tests/cases/test_authorization.py.
    "cases:list",
    "cases:contacts",
    "cases:forwarding",
    "cases:clusters",
    "cases:new",
    "cases:propose",
    "cases:case",
    "cases:classify",
    "cases:update",
    "cases:investigation",
    "cases:add_entry",
    "cases:add_contact",
    "cases:judge",
    "cases:co_presence",
    "cases:chain",
    "cases:chain_export",
    # Enterprises and projects: the economy tests at the end of this module walk every one of them.
    "enterprises:list",
    "enterprises:new",
    "enterprises:import",
    "enterprises:enterprise",
    "enterprises:contact_add",
    "enterprises:filing_edit",
    "enterprises:staff",
    "enterprises:claim_new",
    "enterprises:problem_new",
    "enterprises:filings",
    "enterprises:filing",
    "enterprises:filing_inspect",
    "enterprises:filing_act",
    "enterprises:attachment",
    "enterprises:claims",
    "enterprises:claim",
    "enterprises:claim_review",
    "enterprises:payments",
    "enterprises:payment_export",
    "enterprises:payment_paid",
    "enterprises:problems",
    "enterprises:problem",
    "projects:list",
    "projects:project",
    "projects:indicators",
    # Administration: test_administration_is_scoped below; the writes in tests/accounts/ and the
    # import steps (a staged upload of the session's own) in tests/exchange/test_import_page.py.
    "accounts:first_password",
    "accounts:users",
    "accounts:user",
    "accounts:user_action",
    "accounts:remove_grant",
    "imports:imports",
    "imports:template",
    "imports:preview",
    "imports:confirm",
    "imports:report",
    # Policy rule versions: the district office only; every other persona in tests/rules/.
    "rules:add_verification",
    "rules:add_measure",
    # The user manual's pages and pictures (the same for every signed-in user): tests/accounts/test_help.py.
    "accounts:help_page",
    "accounts:help_image",
}
API_ELSEWHERE = {
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "api:create_person",
    "api:reveal",
    "api:intake",
    "api:list_tasks",
    "api:post_feedback",
    "api:transition",
    "api:post_checks",
    "api:today",
    "api:list_assignments",
    "api:get_assignment",
    "api:acknowledge_assignment",
    "api:report_progress",
    "api:report_completion",
    "api:accept_assignment",
    "api:return_assignment",
    "api:list_directives",
    "api:submit_visit",
    # tests/cases/test_authorization.py
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
    # Walked by the economy tests at the end of this module.
    "api:list_enterprises",
    "api:get_enterprise",
    "api:list_staff",
    "api:add_staff",
    "api:submit_claim",
    "api:list_claims",
    "api:list_projects",
    "api:list_indicators",
    # PATCH on a read's path: test_master_data_patches_are_scoped below.
    "api:patch_unit",
    "api:patch_grid",
    "api:patch_household",
    "api:patch_person",
    # The register's changes: test_register_changes_are_scoped below.
    "api:record_death",
    "api:record_move_away",
    "api:record_move_in",
    "api:change_household",
    "api:move_household",
}
DISTRICT_WIDE = {p for p, places in SEES.items() if places == {"a", "b"}}
EXPORTERS = {"district", "superuser"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else "", prefix + str(p.pattern)


def _control_objects(world: World, place: str) -> dict[str, Any]:
    """A measure, a quarantine site and a transfer in each place, made once per world."""
    from hongyixing.control import services

    made: dict[str, dict[str, Any]] = world.__dict__.setdefault("control", {})
    if place not in made:
        p = getattr(world, place)
        office = world.users["district"]
        measure = services.do_open_measure(
            office, p.persons[0], services.MeasureSpec(type="central_isolation")
        )
        site = services.do_create_site(
            office,
            services.SiteSpec(
                name=f"宾馆{place}",
                kind="hotel",
                address="地址",
                capacity=5,
                manager_name="经理",
                unit_path=p.town.path,
                rooms=["101"],
            ),
        )
        transfer = services.do_create_transfer(
            office,
            services.TransferSpec(
                reason="to_site", from_place="家", to_place=site.name, scheduled_at=measure.opened_at
            ),
            [measure],
        )
        home = services.do_open_measure(office, p.persons[1], services.MeasureSpec(type="home_isolation"))
        made[place] = {"measure": measure, "site": site, "transfer": transfer, "home": home}
    return made[place]


# Routes whose objects some personas in the place still do not see: a grid worker's scope is
# their grid, and a quarantine site belongs to the town, not to a grid.
# A village's registration poster is printed by the village and above, not from a grid.
# Editing master data takes the change action: CDC staff read and reveal but keep no register, and a
# grid worker keeps households and persons but does not rename the tree.
HIDDEN_FROM = {
    "areas:unit_edit": {"grid_a1", "cdc"},
    "areas:grid_edit": {"grid_a1", "cdc"},
    "areas:household_edit": {"cdc"},
    "people:person_edit": {"cdc"},
    "people:household_add": {"cdc"},
    "control:site": {"grid_a1"},
    "reports:unit_daily": {"grid_a1"},
    "areas:registration_poster": {"grid_a1"},
}


def _object_urls(world: World, place: str) -> dict[str, str]:
    p = getattr(world, place)
    person = p.persons[0]
    control = _control_objects(world, place)
    campaign = build_command(world).campaigns[place]
    return {
        "control:measure": f"/control/measures/{control['measure'].id}/",
        "control:home_notice": f"/control/measures/{control['home'].id}/notice.docx",
        "reports:unit_daily": f"/dashboard/daily/{p.town.path}/",
        "control:open_measure": f"/control/persons/{person.id}/open/",
        "control:inbound_register": f"/control/persons/{person.id}/inbound/",
        "control:site": f"/control/sites/{control['site'].id}/",
        "control:transfer": f"/control/transfers/{control['transfer'].id}/",
        "api:get_measure": f"/api/control/measures/{control['measure'].id}",
        "areas:unit": f"/areas/units/{p.building.path}/",
        "areas:grid": f"/areas/grids/{p.grid.id}/",
        "areas:unit_edit": f"/areas/units/{p.building.path}/edit/",
        "areas:grid_edit": f"/areas/grids/{p.grid.id}/edit/",
        "areas:household_edit": f"/areas/households/{p.household.id}/edit/",
        "people:person_edit": f"/people/{person.id}/edit/",
        "people:door_list": f"/people/grids/{p.grid.id}/doors/",
        "areas:registration_poster": f"/areas/units/{p.village.path}/poster/",
        "people:household": f"/people/households/{p.household.id}/",
        "people:person": f"/people/{person.id}/",
        "people:register": f"/people/{person.id}/register/",
        "people:household_move": f"/people/households/{p.household.id}/move/",
        "people:household_add": f"/people/households/{p.household.id}/add/",
        "api:get_unit": f"/api/units/{p.building.path}",
        "api:list_units": f"/api/units?parent={p.building.path}",
        "api:get_grid": f"/api/grids/{p.grid.id}",
        "api:list_grids": f"/api/grids?village={p.village.path}",
        "api:get_household": f"/api/households/{p.household.id}",
        "api:list_households": f"/api/households?grid={p.grid.id}",
        "api:get_person": f"/api/persons/{person.id}",
        "api:search_persons": f"/api/persons?q={p.plain_ids[0]}",
        "verification:task": f"/verification/tasks/{p.task.id}/",
        "api:get_task": f"/api/verification/tasks/{p.task.id}",
        # A town's screening campaign: its grid workers reach it from below, the district from above.
        "command:campaign": f"/command/screening/{campaign.id}/",
        "command:campaign_households": f"/command/screening/{campaign.id}/households/",
        "command:visit": f"/command/screening/{campaign.id}/households/{p.household.id}/",
    }


API_LISTS_FILTERED_NOT_404 = {"api:list_grids", "api:list_households", "api:search_persons"}


def test_every_route_is_covered(world: World) -> None:
    named = {name for name, _ in _walk(get_resolver().url_patterns) if name}
    covered = set(_object_urls(world, "a")) | set(PLAIN_PAGES) | SKIP
    api_names = {n for n in named if n.startswith("api:")}
    uncovered = {n for n in named - covered if not n.startswith("api:")}
    uncovered |= {n for n in api_names - covered if n not in API_ELSEWHERE}
    assert not uncovered, f"routes missing from the authorization matrix: {sorted(uncovered)}"


def _body(response: Any) -> str:
    return response.content.decode("utf-8", "replace")


def _assert_no_plain_pii(world: World, text: str) -> None:
    for place in (world.a, world.b):
        for secret in place.plain_ids + place.plain_phones:
            assert secret not in text, f"unmasked personal data leaked: {secret[:4]}…"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_reads_are_scoped_and_masked(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    for name in PLAIN_PAGES:
        from django.urls import reverse

        response = client.get(reverse(name))
        assert response.status_code == 200, name
        _assert_no_plain_pii(world, _body(response))
    for place in ("a", "b"):
        for name, url in _object_urls(world, place).items():
            response = client.get(url)
            body = _body(response)
            _assert_no_plain_pii(world, body)
            allowed = place in SEES[persona] and persona not in HIDDEN_FROM.get(name, set())
            if name in API_LISTS_FILTERED_NOT_404:
                assert response.status_code == 200, (name, persona, place)
                data = json.loads(body)
                rows = data["results"] if isinstance(data, dict) else data
                assert bool(rows) == allowed, (name, persona, place, rows)
            else:
                expected = 200 if allowed else 404
                assert response.status_code == expected, (name, persona, place, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_search_by_name_stays_in_scope(world: World, client_for: Any, persona: str) -> None:
    response = client_for(persona).get("/people/", {"q": "王"})
    body = _body(response)
    for place in ("a", "b"):
        shown = f"/people/{getattr(world, place).persons[0].id}/" in body
        assert shown == (place in SEES[persona]), (persona, place)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_reveal_needs_scope_and_permission(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    for place in ("a", "b"):
        target = getattr(world, place)
        person = target.persons[0]
        response = client.post(
            f"/api/persons/{person.id}/reveal",
            data=json.dumps({"field": "document", "reason": "核查需要"}),
            content_type="application/json",
        )
        if place in REVEALS.get(persona, set()):
            assert response.status_code == 200, (persona, place)
            assert response.json()["values"] == [target.plain_ids[0]]
        else:
            assert response.status_code == 404, (persona, place, response.status_code)
            assert target.plain_ids[0] not in _body(response)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_writes_are_scoped(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    may_change = {
        "district": {"a", "b"},
        "town_a": {"a"},
        "town_b": {"b"},
        "grid_a1": {"a"},
        "superuser": {"a", "b"},
    }
    for index, place in enumerate(("a", "b")):
        household = getattr(world, place).household
        response = client.post(
            "/api/persons",
            data=json.dumps(
                {
                    "name": f"新人{index}",
                    "document_number": "",
                    "phones": [],
                    "household_id": household.id,
                }
            ),
            content_type="application/json",
        )
        expected = 201 if place in may_change.get(persona, set()) else 404
        assert response.status_code == expected, (persona, place, response.status_code, _body(response))


@pytest.mark.django_db
def test_anonymous_gets_login_or_401(world: World, client: Any) -> None:
    for name, url in _object_urls(world, "a").items():
        response = client.get(url)
        if name.startswith("api:"):
            assert response.status_code == 401, name
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_masks_look_right(world: World) -> None:
    person = world.a.persons[0]
    assert re.fullmatch(r"3208\*{12}\d[\dX]", person.document_masked)
    assert re.fullmatch(r"1\d{2}\*{4}\d{4}", person.phones.get().masked)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_district_wide_pages(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    listing = client.get("/verification/")
    assert listing.status_code == (200 if persona in DISTRICT_WIDE else 302), persona
    batch = client.get(f"/verification/batches/{world.batch.id}/")
    assert batch.status_code == (200 if persona in DISTRICT_WIDE else 404), persona
    _assert_no_plain_pii(world, _body(batch))
    export = client.get(f"/verification/batches/{world.batch.id}/export.xlsx")
    assert export.status_code == (200 if persona in EXPORTERS else 404), persona
    tasks = client.get("/api/verification/tasks").json()
    expected = {getattr(world, place).task.id for place in SEES[persona]}
    assert {t["id"] for t in tasks} == expected, persona


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_verification_writes_are_scoped(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    may_change = {
        "district": {"a", "b"},
        "town_a": {"a"},
        "town_b": {"b"},
        "grid_a1": {"a"},
        "superuser": {"a", "b"},
    }.get(persona, set())
    for place in ("a", "b"):
        target = getattr(world, place)
        task = target.task
        call = client.post(f"/verification/tasks/{task.id}/call/")
        assert call.status_code == (200 if place in may_change else 404), (persona, place)
        if place not in may_change:
            assert target.plain_phones[0] not in _body(call)
        api = client.post(
            f"/api/verification/tasks/{task.id}/feedback",
            data=json.dumps(
                {"client_id": f"{persona}-{place}", "contact_method": "phone", "disposition": "ALREADY_KNOWN"}
            ),
            content_type="application/json",
        )
        assert api.status_code == (201 if place in may_change else 404), (persona, place, _body(api))
        transition = client.post(
            f"/verification/tasks/{task.id}/transition/", {"action": "confirm", "version": 99}
        )
        assert transition.status_code == (302 if place in may_change else 404), (persona, place)
        task.refresh_from_db()
        api_transition = client.post(
            f"/api/verification/tasks/{task.id}/transition",
            data=json.dumps({"action": "confirm", "version": task.version}),
            content_type="application/json",
        )
        # In scope: 200 for the desk roles, a 400 with a stable code for a grid worker (not their step).
        expected = 404 if place not in may_change else 400 if persona == "grid_a1" else 200
        assert api_transition.status_code == expected, (persona, place, _body(api_transition))
    intake = client.post(
        "/api/verification/intake",
        data=json.dumps(
            {"source": "police", "batch_id": f"b-{persona}", "rows": [{"row_key": "1", "name": "王建国"}]}
        ),
        content_type="application/json",
    )
    assert intake.status_code == (201 if persona in {"district", "superuser"} else 404), (
        persona,
        _body(intake),
    )
    before = {
        place: getattr(world, place).task.__class__.objects.get(pk=getattr(world, place).task.pk).state
        for place in ("a", "b")
    }
    bulk = client.post(
        "/verification/desk/bulk/", {"action": "return", "ids": [world.a.task.pk, world.b.task.pk]}
    )
    assert bulk.status_code == 302, persona
    for place in ("a", "b"):
        task = getattr(world, place).task
        task.refresh_from_db()
        if place not in may_change:
            assert task.state == before[place], (persona, place)


# --- The register's changes (户籍变动) -------------------------------------------------------------
# Village cadres, town officers and the district office record them in their change scope; a grid
# worker sees the page but is refused in words (400); everyone else gets 404.
REGISTER_KEEPERS = {"district": {"a", "b"}, "town_a": {"a"}, "town_b": {"b"}, "superuser": {"a", "b"}}


def _expect_register(
    response: Any, where: tuple[str, str], keeps: bool, grid_worker: bool, code: str, kept_status: int
) -> None:
    body = _body(response)
    if keeps:
        assert response.status_code == kept_status, (where, body)
        if kept_status == 400:
            assert response.json()["code"] == code, (where, body)
    elif grid_worker and where[1] == "a":
        assert response.status_code == 400, (where, body)
        assert response.json()["code"] == "register.not_allowed", (where, body)
    else:
        assert response.status_code == 404, (where, body)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_register_changes_are_scoped(world: World, client_for: Any, persona: str) -> None:
    import datetime as dt

    from django.utils import timezone

    from hongyixing.people.models import Person

    client = client_for(persona)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    def api(url: str, payload: dict[str, Any]) -> Any:
        return client.post(
            url, data=json.dumps({"on": yesterday, **payload}), content_type="application/json"
        )

    for place in ("a", "b"):
        target = getattr(world, place)
        keeps = place in REGISTER_KEEPERS.get(persona, set())
        refused_in_words = persona == "grid_a1" and place == "a"

        def expect(
            response: Any, code: str, kept_status: int = 400, *, k: bool = keeps, where: str = place
        ) -> None:
            _expect_register(response, (persona, where), k, persona == "grid_a1", code, kept_status)

        household = target.household
        expect(
            api(f"/api/persons/{target.persons[0].id}/household", {"household_id": household.id}),
            "register.same_household",
        )
        expect(
            api(f"/api/persons/{target.persons[0].id}/move-in", {"household_id": household.id}),
            "register.already_resident",
        )
        expect(
            api(f"/api/persons/households/{household.id}/move", {"unit_path": target.village.path}),
            "household.bad_unit",
        )
        expect(api(f"/api/persons/{target.persons[1].id}/death", {}), "", kept_status=200)
        page = client.post(
            f"/people/{target.persons[0].id}/register/",
            {"action": "move_away", "on": yesterday, "destination": "南京市鼓楼区"},
        )
        expected = 302 if keeps else 400 if refused_in_words else 404
        assert page.status_code == expected, (persona, place, page.status_code)
        moved = client.post(
            f"/people/households/{household.id}/move/", {"target": f"g{target.grid.id}", "on": yesterday}
        )
        assert moved.status_code == (400 if keeps or refused_in_words else 404), (persona, place)
        statuses = set(Person.objects.filter(household=household).values_list("status", flat=True))
        assert statuses == ({"deceased", "moved_away"} if keeps else {"resident"}), (persona, place)


# --- Command centre -------------------------------------------------------------------------------
# A directive's share to a town: the town's officers and the district (issuer side) reach it; a grid
# worker does not. The directive itself is the issuer side's; its attachment reaches every target.
ASSIGNMENT_SEES = {
    "district": {"a", "b"},
    "town_a": {"a"},
    "town_b": {"b"},
    "cdc": {"a", "b"},
    "superuser": {"a", "b"},
}
DIRECTIVE_SEES = {"district", "cdc", "superuser"}
COMMAND_RUNNERS = {"district", "town_a", "town_b", "superuser"}  # units whose command they run
DISTRICT_COMMAND = {"district", "superuser"}


@pytest.fixture
def command(world: World, settings: Any, tmp_path: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hongyixing.command.services import Report, check_act

    settings.MEDIA_ROOT = tmp_path / "media"
    built = build_command(world, attachment=True)
    for key in ("a", "b"):
        share = built.assignments[key]
        share, _ = check_act(world.users[f"town_{key}"], share, "acknowledge")
        share, _ = check_act(
            world.users[f"town_{key}"],
            share,
            "progress",
            Report(text="进展", figures={"q1": 1}, file=SimpleUploadedFile("进展.txt", b"x")),
        )
        built.assignments[key] = share
    return built


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_command_reads_are_scoped(world: World, command: Any, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    directive = command.directive
    group = command.groups["office"]
    expect = 404 if persona == "enterprise" else 200
    response = client.get(f"/command/groups/{group.id}/")
    assert response.status_code == expect, persona
    assert client.get("/command/directives/new/").status_code == (200 if persona in COMMAND_RUNNERS else 404)
    page = client.get(f"/command/directives/{directive.id}/")
    assert page.status_code == (200 if persona in DIRECTIVE_SEES else 404), persona
    attachment = directive.attachments.get()
    file = client.get(f"/command/directives/{directive.id}/files/{attachment.id}/")
    sees_a_share = bool(ASSIGNMENT_SEES.get(persona))
    assert file.status_code == (200 if sees_a_share else 404), persona
    for place in ("a", "b"):
        share = command.assignments[place]
        allowed = place in ASSIGNMENT_SEES.get(persona, set())
        for url in (f"/command/assignments/{share.id}/", f"/api/command/assignments/{share.id}"):
            response = client.get(url)
            assert response.status_code == (200 if allowed else 404), (persona, place, url)
            _assert_no_plain_pii(world, _body(response))
        note = share.notes.exclude(file="").get()
        evidence = client.get(f"/command/assignments/{share.id}/notes/{note.id}/file/")
        assert evidence.status_code == (200 if allowed else 404), (persona, place)
    listed = {row["id"] for row in client.get("/api/command/assignments").json()}
    own = {"town_a": {"a"}, "town_b": {"b"}}.get(persona, set())
    assert listed == {command.assignments[p].id for p in own}, persona
    directives = client.get("/api/command/directives").json()
    assert bool(directives) == (persona in DIRECTIVE_SEES), persona
    for url in ("/command/duty/", "/command/"):
        body = _body(client.get(url))
        assert "13911112222" not in body and "13933334444" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_command_writes_are_scoped(world: World, command: Any, client_for: Any, persona: str) -> None:
    from hongyixing.command.models import Assignment, GroupMember, Visit, WorkingGroup

    client = client_for(persona)
    may_change = {
        "district": {"a", "b"},
        "town_a": {"a"},
        "town_b": {"b"},
        "grid_a1": {"a"},
        "superuser": {"a", "b"},
    }.get(persona, set())
    for place in ("a", "b"):
        target = getattr(world, place)
        share = command.assignments[place]
        # The shares were acknowledged and are in progress: completing is the town's step.
        body = json.dumps({"client_id": f"{persona}-{place}", "text": "完成", "figures": {"q1": 2}})
        api = client.post(
            f"/api/command/assignments/{share.id}/complete", data=body, content_type="application/json"
        )
        own = persona == f"town_{place}"
        in_change_scope = place in ASSIGNMENT_SEES.get(persona, set()) and persona != "cdc"
        expected = 201 if own else 400 if in_change_scope else 404
        assert api.status_code == expected, (persona, place, _body(api))
        if expected == 400:
            assert api.json()["code"] == "assignment.not_allowed"
        page = client.post(f"/command/assignments/{share.id}/act/", {"action": "accept", "version": 99})
        assert page.status_code == (302 if in_change_scope or own else 404), (persona, place)
        assert Assignment.objects.get(pk=share.pk).state != "accepted"  # stale version: nothing changed
        call = client.post(f"/command/duty/{command.shifts[place].id}/call/")
        assert call.status_code == (200 if place in REVEALS.get(persona, set()) else 404), (persona, place)
        campaign = command.campaigns[place]
        visit = client.post(
            f"/api/command/screening/{campaign.id}/visits",
            data=json.dumps(
                {
                    "client_id": f"v-{persona}-{place}",
                    "household_id": target.household.id,
                    "outcome": "visited",
                    "answers": {"q1": "no"},
                }
            ),
            content_type="application/json",
        )
        assert visit.status_code == (201 if place in may_change else 404), (persona, place, _body(visit))
        form = client.post(
            f"/command/screening/{campaign.id}/households/{target.household.id}/",
            {
                "client_id": f"f-{persona}-{place}",
                "outcome": "visited",
                "findings": "发现",
                "person": target.persons[0].id,
            },
        )
        assert form.status_code == (302 if place in may_change else 404), (persona, place)
        found = Visit.objects.filter(client_id=f"f-{persona}-{place}").first()
        if found is not None:
            raised = client.post(f"/command/screening/{campaign.id}/visits/{found.id}/task/")
            assert raised.status_code == 302
        other = Visit.objects.filter(campaign=campaign).exclude(visited_by=world.users[persona]).first()
        if other is not None and place not in may_change:
            assert client.post(f"/command/screening/{campaign.id}/visits/{other.id}/task/").status_code == 404
        removed = client.post(f"/command/duty/{command.shifts[place].id}/remove/")
        district_side = persona in DISTRICT_COMMAND or own
        assert removed.status_code == (302 if district_side else 404), (persona, place)
    group = command.groups["office"]
    office_only = 302 if persona in DISTRICT_COMMAND else 404
    edit = client.post(
        f"/command/groups/{group.id}/edit/", {"version": group.version, "name": "办公室", "position": 0}
    )
    assert edit.status_code == office_only, persona
    add = client.post(
        f"/command/groups/{group.id}/members/", {"user": world.users["cdc"].id, "role": "member"}
    )
    assert add.status_code == office_only, persona
    member = GroupMember.objects.filter(group=group).first()
    if member is not None:
        assert (
            client.post(f"/command/groups/{group.id}/members/{member.id}/remove/").status_code == office_only
        )
    defaults = client.post("/command/groups/defaults/", {"unit": command.district.id})
    assert defaults.status_code == office_only, persona
    assert WorkingGroup.objects.count() == 9
    campaign = client.post(
        "/command/screening/",
        {
            "title": "t",
            "unit": world.a.town.id,
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-02",
            "checklist": "q",
        },
    )
    assert campaign.status_code == (
        302
        if persona in {"district", "town_a", "superuser"}
        else 404
        if persona not in COMMAND_RUNNERS
        else 200
    ), persona


# --- Enterprises and projects ---------------------------------------------------------------------
# Place "a" has enterprise A (town A; the enterprise persona is its contact), place "b" enterprise B.
# The tree's viewers see enterprises in their towns; a grid worker's scope is a grid, which holds none.
ENTERPRISE_SEES = {
    "district": {"a", "b"},
    "town_a": {"a"},
    "town_b": {"b"},
    "grid_a1": set(),
    "cdc": {"a", "b"},
    "enterprise": {"a"},
    "superuser": {"a", "b"},
}
REVIEWERS = {"district": {"a", "b"}, "town_a": {"a"}, "town_b": {"b"}, "superuser": {"a", "b"}}
PAYERS = {"district", "superuser"}
# Pages without an object: who gets 200 (everyone else 404).
ECONOMY_PLAIN = {
    "enterprises:list": set(PERSONAS),
    "enterprises:filings": set(PERSONAS),
    "enterprises:claims": set(PERSONAS),
    "enterprises:problems": set(PERSONAS),
    "enterprises:new": set(REVIEWERS),
    "enterprises:import": set(REVIEWERS),
    "enterprises:payments": PAYERS,
    "projects:list": set(PERSONAS),
    "projects:indicators": set(PERSONAS),
}
ECONOMY_API_LISTS = {"api:list_enterprises", "api:list_claims", "api:list_projects", "api:list_indicators"}
# Writes walked by test_economy_writes_are_scoped.
ECONOMY_WRITES = {
    "enterprises:contact_add",
    "enterprises:filing_act",
    "enterprises:claim_review",
    "enterprises:payment_paid",
    "enterprises:problem_new",
    "api:add_staff",
    "api:submit_claim",
}


@pytest.fixture
def economy_objects(world: World) -> dict[str, dict[str, str]]:
    """A filing (submitted, with a plan photo), a claim, a problem, a project per place; one paid batch."""
    import datetime as dt

    from hongyixing.enterprises import problems, services, subsidies
    from hongyixing.enterprises.choices import CHECKLIST_KEYS
    from hongyixing.enterprises.models import Employee
    from hongyixing.enterprises.staff import StaffRow, do_add_staff
    from hongyixing.projects import services as projects
    from tests.enterprises.builders import build_economy

    economy = build_economy(world)
    world.__dict__["economy"] = economy
    urls: dict[str, dict[str, str]] = {}
    for place in ("a", "b"):
        enterprise, contact = economy.enterprises[place], economy.contacts[place]
        p = getattr(world, place)
        do_add_staff(
            contact, enterprise, [StaffRow(9, {"name": p.persons[0].name, "id_number": p.plain_ids[0]})]
        )
        filing = services.do_open_filing(
            contact, enterprise, services.FilingInput(checklist=dict.fromkeys(CHECKLIST_KEYS, True))
        )
        photo = services.do_attach_to_filing(contact, filing, "预案.pdf", "application/pdf", b"%PDF-1.4")
        services.do_submit_filing(contact, filing)
        ids = list(
            Employee.objects.filter(enterprise=enterprise, distance_km__isnull=False).values_list(
                "pk", flat=True
            )
        )
        claim = subsidies.do_submit_claim(
            contact, enterprise, subsidies.ClaimInput(kind="transport", employee_ids=ids)
        )
        problem = problems.do_report_problem(contact, enterprise, "labour", "缺工20人")
        project = projects.do_create_project(
            world.users["district"],
            projects.ProjectSpec(
                name=f"项目{place}",
                investor="某集团",
                amount=projects.decimal("5000", "amount"),
                sector="industry",
                unit_path=p.town.path,
            ),
        )
        projects.do_add_milestone(world.users["district"], project, "开工", dt.date(2020, 1, 1))
        e = enterprise.pk
        urls[place] = {
            "enterprises:enterprise": f"/enterprises/{e}/",
            "enterprises:filing_edit": f"/enterprises/{e}/filing/",
            "enterprises:staff": f"/enterprises/{e}/staff/",
            "enterprises:claim_new": f"/enterprises/{e}/claims/new/",
            "enterprises:filing": f"/enterprises/filings/{filing.pk}/",
            "enterprises:filing_inspect": f"/enterprises/filings/{filing.pk}/inspect/",
            "enterprises:attachment": f"/enterprises/attachments/{photo.pk}/",
            "enterprises:claim": f"/enterprises/claims/{claim.pk}/",
            "enterprises:problem": f"/enterprises/problems/{problem.pk}/",
            "projects:project": f"/projects/{project.pk}/",
            "api:get_enterprise": f"/api/enterprises/{e}",
            "api:list_staff": f"/api/enterprises/{e}/staff",
            "claim_id": str(claim.pk),
            "filing_id": str(filing.pk),
            "enterprise_id": str(e),
        }
        for reviewer in (f"town_{place}", "district", "district"):
            subsidies.do_review_claim(world.users[reviewer], claim, "approve")
    batch = subsidies.do_create_payment_batch(
        world.users["district"], [int(urls[p]["claim_id"]) for p in ("a", "b")]
    )
    urls["batch"] = {
        "enterprises:payment_export": f"/enterprises/payments/{batch.pk}/export.xlsx",
        "enterprises:payment_paid": f"/enterprises/payments/{batch.pk}/paid/",
    }
    return urls


# Object pages that need more than sight of the object: the inspection is the reviewers'; projects
# belong to the tree only (an enterprise contact does not see them).
ECONOMY_NEEDS = {
    "enterprises:filing_inspect": REVIEWERS,
    "projects:project": {**REVIEWERS, "cdc": {"a", "b"}},
}


def _economy_secrets(world: World) -> list[str]:
    economy = world.__dict__["economy"]
    return [n for numbers in economy.staff_ids.values() for n in numbers]


@pytest.mark.django_db
def test_every_economy_route_is_walked(world: World, economy_objects: dict[str, dict[str, str]]) -> None:
    named = {name for name, _ in _walk(get_resolver().url_patterns) if name}
    ours = {n for n in named if n.startswith(("enterprises:", "projects:"))}
    ours |= {
        n
        for n in named
        if n.startswith("api:") and n not in API_ELSEWHERE and n not in set(_object_urls(world, "a"))
    }
    walked = set(ECONOMY_PLAIN) | ECONOMY_API_LISTS | ECONOMY_WRITES
    walked |= set(economy_objects["a"]) | set(economy_objects["batch"])
    assert not (ours - walked), f"economy routes missing from the matrix: {sorted(ours - walked)}"


ADMINISTERS = {"district": {"a", "b"}, "town_a": {"a"}, "town_b": {"b"}, "superuser": {"a", "b"}}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_economy_reads_are_scoped_and_masked(
    world: World, economy_objects: dict[str, dict[str, str]], client_for: Any, persona: str
) -> None:
    from django.urls import reverse

    client = client_for(persona)
    secrets = _economy_secrets(world)

    def clean(text: str) -> None:
        _assert_no_plain_pii(world, text)
        for secret in secrets:
            assert secret not in text, f"unmasked employee ID leaked to {persona}"

    for name, who in ECONOMY_PLAIN.items():
        response = client.get(reverse(name))
        assert response.status_code in ((200, 302) if persona in who else (404,)), (name, persona)
        clean(_body(response))
    for place in ("a", "b"):
        for name, url in economy_objects[place].items():
            if not url.startswith("/"):
                continue
            needs = ECONOMY_NEEDS.get(name)
            allowed = place in (needs.get(persona, set()) if needs else ENTERPRISE_SEES[persona])
            response = client.get(url)
            assert response.status_code == (200 if allowed else 404), (
                name,
                persona,
                place,
                response.status_code,
            )
            clean(_body(response))
    for name in ECONOMY_API_LISTS:
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, persona)
        clean(_body(response))
    enterprises = {row["id"] for row in client.get("/api/enterprises").json()}
    expected = {int(economy_objects[p]["enterprise_id"]) for p in ENTERPRISE_SEES[persona]}
    assert enterprises == expected, persona
    export = client.get(economy_objects["batch"]["enterprises:payment_export"])
    assert export.status_code == (200 if persona in PAYERS else 404), persona


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_economy_writes_are_scoped(
    world: World, economy_objects: dict[str, dict[str, str]], client_for: Any, persona: str
) -> None:
    import datetime as dt

    from hongyixing.enterprises.models import Filing, Problem

    client = client_for(persona)
    sees = ENTERPRISE_SEES[persona]
    for place in ("a", "b"):
        urls = economy_objects[place]
        e, filing_id = urls["enterprise_id"], int(urls["filing_id"])
        returned = client.post(
            f"/enterprises/filings/{filing_id}/act/", {"action": "return", "reason": "缺材料"}
        )
        assert returned.status_code == (302 if place in sees else 404), (persona, place)
        state = Filing.objects.get(pk=filing_id).state
        assert (state == "returned") == (place in REVIEWERS.get(persona, set())), (persona, place, state)
        review = client.post(f"/enterprises/claims/{urls['claim_id']}/review/", {"decision": "approve"})
        assert review.status_code == (302 if place in sees else 404), (persona, place)
        before = Problem.objects.count()
        report = client.post(
            f"/enterprises/{e}/problems/new/", {"category": "logistics", "description": "物流不畅"}
        )
        # Seeing an enterprise is not acting for it: a viewer who is neither its contact nor its
        # reviewer gets the same 404 as an outsider.
        may_act = place in REVIEWERS.get(persona, set()) or (persona == "enterprise" and place == "a")
        assert report.status_code == (302 if may_act else 404), (persona, place)
        assert Problem.objects.count() == before + int(may_act), (persona, place)
        contact = client.post(
            f"/enterprises/{e}/contacts/", {"username": f"c-{persona}-{place}", "password": "Pw-12345678"}
        )
        assert contact.status_code == (302 if place in REVIEWERS.get(persona, set()) else 404), (
            persona,
            place,
        )
        staff = client.post(
            f"/api/enterprises/{e}/staff",
            data=json.dumps({"rows": [{"name": "新员工", "id_number": "110101199003071234"}]}),
            content_type="application/json",
        )
        assert staff.status_code == (201 if may_act else 404), (persona, place, _body(staff))
        claim = client.post(
            f"/api/enterprises/{e}/claims",
            data=json.dumps({"kind": "loan", "loan_amount": "100000"}),
            content_type="application/json",
        )
        assert claim.status_code == (201 if may_act else 404), (persona, place, _body(claim))
    paid = client.post(
        economy_objects["batch"]["enterprises:payment_paid"], {"paid_on": dt.date(2020, 3, 1).isoformat()}
    )
    assert paid.status_code == (302 if persona in PAYERS else 404), persona


# --- Exemptions name the test that covers them ----------------------------------------------------
# Every route in SKIP or API_ELSEWHERE is covered elsewhere: the test named here must exist (a route
# added to SKIP without a covering test fails test_every_exemption_names_an_existing_test).
COVERED_BY = {
    "accounts:login": "tests.accounts.test_throttle:test_an_outsiders_failures_do_not_lock_the_owner_out",
    "accounts:second_factor": "tests.accounts.test_login:test_second_factor_accepts_a_fresh_code",
    "accounts:enrol": "tests.accounts.test_login:test_district_officer_must_enrol_then_use_totp",
    "accounts:logout": "tests.test_authorization_matrix:test_session_and_public_routes",
    "accounts:revoke_token": "tests.accounts.test_login:test_someone_elses_token_cannot_be_revoked",
    "set_language": "tests.accounts.test_login:test_english_is_available",
    "healthz": "tests.test_authorization_matrix:test_session_and_public_routes",
    "people:reveal": "tests.test_authorization_matrix:test_session_and_public_routes",
    "self_registration": "tests.verification.test_views:test_self_registration_enters_the_pipeline_once",
    "verification:route_row": "tests.verification.test_views:test_manual_queue_places_a_row_in_a_grid",
    "verification:task_feedback": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "verification:task_transition": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "verification:task_call": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "verification:batches": "tests.verification.test_views:test_town_officer_cannot_upload",
    "verification:batch": "tests.test_authorization_matrix:test_district_wide_pages",
    "verification:batch_export": (
        "tests.verification.test_views:test_a_working_group_without_reveal_gets_masked_values"
    ),
    "control:measure_action": "tests.control.test_views:test_writes_out_of_scope_are_not_found",
    "control:record_checks": "tests.control.test_views:test_household_entry_saves_once_per_form",
    "control:alert_handle": (
        "tests.control.test_views:test_self_report_records_a_fever_and_the_team_sees_alert_and_transfer"
    ),
    "control:sample_action": "tests.control.test_views:test_writes_out_of_scope_are_not_found",
    "control:site_action": "tests.control.test_views:test_site_board_check_in_and_room_states",
    "control:transfer_create": "tests.control.test_views:test_transfer_pages_walk_the_loop",
    "control:transfer_action": "tests.control.test_views:test_transfer_pages_walk_the_loop",
    "control:release_notice": "tests.control.test_views:test_release_notice_prints_with_its_number",
    "self_report": "tests.control.test_views:test_a_self_report_link_reaches_only_its_own_measure",
    "reports:file": "tests.reports.test_reports:test_report_pages_exports_and_scope",
    "reports:filed": "tests.test_authorization_matrix:test_outsiders_change_nothing_on_any_post_route",
    "command:group": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:groups_defaults": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:group_edit": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:member_add": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:member_remove": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:duty_remove": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:duty_call": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:directive_new": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:directive": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:directive_file": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:assignment": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:assignment_act": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:note_file": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "command:visit_task": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "command:visit_measure": (
        "tests.command.test_screening:test_visits_stay_in_scope_and_in_the_campaign_days"
    ),
    "api:openapi-json": "tests.test_authorization_matrix:test_session_and_public_routes",
    "api:openapi-view": "tests.test_authorization_matrix:test_session_and_public_routes",
    "api:api-root": "tests.test_authorization_matrix:test_session_and_public_routes",
    "api:create_person": "tests.test_authorization_matrix:test_writes_are_scoped",
    "api:reveal": "tests.test_authorization_matrix:test_reveal_needs_scope_and_permission",
    "api:intake": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "api:list_tasks": "tests.test_authorization_matrix:test_district_wide_pages",
    "api:post_feedback": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "api:transition": "tests.test_authorization_matrix:test_verification_writes_are_scoped",
    "api:post_checks": "tests.control.test_views:test_api_checks_are_idempotent_and_scoped",
    "api:today": "tests.control.test_views:test_api_checks_are_idempotent_and_scoped",
    "api:list_assignments": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "api:get_assignment": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "api:acknowledge_assignment": (
        "tests.command.test_directives:test_towns_see_and_change_only_their_own_share"
    ),
    "api:report_progress": "tests.command.test_directives:test_towns_see_and_change_only_their_own_share",
    "api:report_completion": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    "api:accept_assignment": "tests.command.test_directives:test_towns_see_and_change_only_their_own_share",
    "api:return_assignment": "tests.command.test_directives:test_towns_see_and_change_only_their_own_share",
    "api:list_directives": "tests.test_authorization_matrix:test_command_reads_are_scoped",
    "api:submit_visit": "tests.test_authorization_matrix:test_command_writes_are_scoped",
    # Routes added with the cases, economy, administration, work-list and offline work.
    "accounts:first_password": "tests.test_authorization_matrix:test_administration_is_scoped",
    "accounts:remove_grant": "tests.test_authorization_matrix:test_administration_is_scoped",
    "accounts:user": "tests.test_authorization_matrix:test_administration_is_scoped",
    "accounts:user_action": "tests.test_authorization_matrix:test_administration_is_scoped",
    "accounts:users": "tests.test_authorization_matrix:test_administration_is_scoped",
    "api:add_contacts": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:add_entry": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:add_staff": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:classify": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:get_case": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:get_chain": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:get_enterprise": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:investigation": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:judge": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:list_cases": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:list_claims": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:list_enterprises": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:list_indicators": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:list_projects": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:list_staff": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "api:my_contacts": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:open_case": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "api:submit_claim": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "cases:add_contact": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:add_entry": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:case": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:chain": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:chain_export": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:classify": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:clusters": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:co_presence": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:contacts": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:forwarding": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:investigation": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:judge": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:list": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:new": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:propose": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "cases:update": "tests.cases.test_authorization:test_every_cases_route_by_persona",
    "enterprises:attachment": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:claim": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:claim_new": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:claim_review": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:claims": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:contact_add": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:enterprise": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:filing": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:filing_act": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:filing_edit": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:filing_inspect": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:filings": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:import": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:list": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:new": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:payment_export": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:payment_paid": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:payments": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:problem": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:problem_new": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:problems": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "enterprises:staff": "tests.test_authorization_matrix:test_economy_writes_are_scoped",
    "imports:confirm": "tests.exchange.test_import_page:test_upload_map_preview_confirm",
    "imports:imports": "tests.exchange.test_import_page:test_upload_map_preview_confirm",
    "imports:preview": "tests.exchange.test_import_page:test_upload_map_preview_confirm",
    "imports:report": "tests.exchange.test_import_page:test_upload_map_preview_confirm",
    "api:patch_unit": "tests.test_authorization_matrix:test_master_data_patches_are_scoped",
    "api:patch_grid": "tests.test_authorization_matrix:test_master_data_patches_are_scoped",
    "api:patch_household": "tests.test_authorization_matrix:test_master_data_patches_are_scoped",
    "api:patch_person": "tests.test_authorization_matrix:test_master_data_patches_are_scoped",
    "rules:add_verification": "tests.rules.test_rule_versions:test_only_the_district_office_adds_versions",
    "rules:add_measure": "tests.rules.test_rule_versions:test_only_the_district_office_adds_versions",
    "accounts:help_page": "tests.accounts.test_help:test_every_role_page_is_reachable_from_the_help_page",
    "accounts:help_image": "tests.accounts.test_help:test_images_are_served_only_from_the_manual",
    "imports:template": "tests.exchange.test_import_page:test_upload_map_preview_confirm",
    "manifest": "tests.core.test_offline:test_manifest_and_service_worker_are_public_and_scoped_to_the_site",
    "offline": "tests.core.test_offline:test_manifest_and_service_worker_are_public_and_scoped_to_the_site",
    "projects:indicators": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "projects:list": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "projects:project": "tests.test_authorization_matrix:test_economy_reads_are_scoped_and_masked",
    "service_worker": (
        "tests.core.test_offline:test_manifest_and_service_worker_are_public_and_scoped_to_the_site"
    ),
    "verification:desk_bulk": (
        "tests.verification.test_worklists:test_bulk_accept_only_touches_tasks_in_scope"
    ),
    "verification:route_rows": "tests.verification.test_manual_queue:test_only_the_district_places_rows",
    "api:record_death": "tests.test_authorization_matrix:test_register_changes_are_scoped",
    "api:record_move_away": "tests.test_authorization_matrix:test_register_changes_are_scoped",
    "api:record_move_in": "tests.test_authorization_matrix:test_register_changes_are_scoped",
    "api:change_household": "tests.test_authorization_matrix:test_register_changes_are_scoped",
    "api:move_household": "tests.test_authorization_matrix:test_register_changes_are_scoped",
}


def test_every_route_has_a_name() -> None:
    unnamed = [pattern for name, pattern in _walk(get_resolver().url_patterns) if not name]
    assert not unnamed, f"routes without a name (the matrix cannot track them): {unnamed}"


def test_every_exemption_names_an_existing_test() -> None:
    import importlib

    missing = sorted((SKIP | API_ELSEWHERE) - set(COVERED_BY))
    assert not missing, f"exempted routes that name no covering test in COVERED_BY: {missing}"
    named = {name for name, _ in _walk(get_resolver().url_patterns) if name}
    stale = sorted(set(COVERED_BY) - named)
    assert not stale, f"COVERED_BY names routes that no longer exist: {stale}"
    for route, where in COVERED_BY.items():
        module_name, _, function = where.partition(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{route}: {where} does not exist"


@pytest.mark.django_db
def test_session_and_public_routes(world: World, client_for: Any, client: Any) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json").status_code in {200, 401}
    assert client.get("/api/docs").status_code in {200, 401}
    person_b = world.b.persons[0]
    town_a = client_for("town_a")
    assert town_a.get("/api/openapi.json").status_code == 200
    # The reveal page of another town's resident: not found, nothing revealed, nothing logged.
    from hongyixing.core.models import PiiAccess

    refused = town_a.post(f"/people/{person_b.id}/reveal/", {"field": "id_number", "reason": "核实"})
    assert refused.status_code == 404
    assert not PiiAccess.objects.exists()
    grid = client_for("grid_a1")  # in scope, but no reveal right: refused in plain words
    answer = grid.post(f"/people/{world.a.persons[0].id}/reveal/", {"field": "id_number", "reason": "核实"})
    assert answer.status_code in {200, 403, 404}
    assert world.a.plain_ids[0] not in _body(answer)
    assert not PiiAccess.objects.exists()
    out = town_a.post("/accounts/logout/")
    assert out.status_code == 302
    assert town_a.get("/").status_code == 302


# --- Outsiders on every POST route ------------------------------------------------------------------
# Town B's officer and the grid worker of grid B1 try every route that names an object of place A,
# with an empty form and with a plausible one: 403/404/405 only, and no row anywhere changes.


def _place_objects(world: World) -> dict[str, Any]:
    """One object of place A for every kind of URL parameter (and body field) the routes take."""
    from hongyixing.control import services as control
    from hongyixing.control.models import Alert, Sample

    a = world.a
    made = _control_objects(world, "a")
    command = build_command(world, attachment=True)
    measure = made["measure"]
    control.do_record_checks(
        world.users["district"],
        [
            control.CheckInput(
                client_id="00000000-0000-4000-8000-00000000fe0e", measure_id=measure.id, temperature="38.6"
            )
        ],
    )
    sample = control.do_request_test(world.users["district"], a.persons[1], reason="密接")
    alert = Alert.objects.filter(measure=measure).first()
    share = command.assignments["a"]

    import uuid

    from hongyixing.accounts import services as accounts
    from hongyixing.command import services as centre

    office, town_a = world.users["district"], world.users["town_a"]
    token, _key = accounts.do_issue_token(town_a, "手机")
    member = centre.do_add_member(office, command.groups["office"], town_a, "member")
    if share.state == "issued":
        share, _ = centre.check_act(town_a, share, "acknowledge")
        share, _ = centre.check_act(town_a, share, "progress", centre.Report(text="进展", figures={"q1": 1}))
    visit = centre.submit_visit(
        world.users["grid_a1"],
        command.campaigns["a"],
        a.household,
        centre.VisitInput(client_id=str(uuid.uuid4()), outcome="visited", findings="发现"),
    )
    if isinstance(visit, tuple):
        visit = visit[0]
    attachment = command.directive.attachments.first()
    note = share.notes.first()
    row = world.batch.rows.filter(task=a.task).first()
    report = _filed_report(world)
    return {
        "person_id": a.persons[0].id,
        "measure_id": measure.id,
        "site_id": made["site"].id,
        "transfer_id": made["transfer"].id,
        "alert_id": alert.id if alert else None,
        "sample_id": sample.id if isinstance(sample, Sample) else None,
        "task_id": a.task.id,
        "batch_id": world.batch.id,
        "row_id": row.id if row else None,
        "household_id": a.household.id,
        "grid_id": a.grid.id,
        "path": a.town.path,
        "campaign_id": command.campaigns["a"].id,
        "assignment_id": share.id,
        "directive_id": command.directive.id,
        "file_id": attachment.id if attachment else None,
        "note_id": note.id if note else None,
        "visit_id": visit.id if visit else None,
        "group_id": command.groups["office"].id,
        "member_id": member.id,
        "token_id": token.id,
        "shift_id": command.shifts["a"].id,
        "report_id": report.id if report else None,
    }


def _filed_report(world: World) -> Any:
    import datetime as dt

    from django.utils import timezone

    from hongyixing.reports import services as reports

    day = timezone.localdate() - dt.timedelta(days=2)
    reports.do_close_day(day)
    return reports.do_sign_report(world.users["town_a"], world.a.town, day, compiled_by="张三")


def _fill(pattern: str, objects: dict[str, Any]) -> str | None:
    names = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
    url = "/" + pattern
    for name in names:
        value = objects.get(name)
        if value is None:
            return None
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return url


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    ignored = {"sessions.session", "core.ratelimithit", "accounts.loginattempt"}
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label_lower not in ignored and m._meta.managed
    }


def _versions() -> dict[str, int]:
    """The sum of ``version`` per model: an update in place changes it even when counts do not."""
    from django.apps import apps
    from django.db.models import Sum

    sums = {}
    for m in apps.get_models():
        if any(f.name == "version" for f in m._meta.fields):
            sums[m._meta.label_lower] = m._default_manager.aggregate(total=Sum("version"))["total"] or 0
    return sums


PLAUSIBLE_FORM = {
    "action": "close",
    "state": "closed",
    "reason": "核实",
    "note": "x",
    "version": "1",
    "days": "3",
    "field": "id_number",
    "room": "1",
    "measure": "1",
    "stay": "1",
    "grid": "1",
    "user": "1",
    "role": "member",
    "result": "negative",
    "day": "2020-01-01",
    "compiled_by": "张三",
    "contact_method": "phone",
    "disposition": "ALREADY_KNOWN",
    "client_id": "outsider",
    "text": "完成",
}
# The district's own objects that town B also reads (the office group): a POST there is a read (the
# page again) — still nothing may change.
READ_ONLY_SHARED: dict[str, set[int]] = {
    "command:group": {200},
    "command:directive_file": {200},  # the directive's attachment reaches every target town
}
PUBLIC_ROUTES = {"self_report", "accounts:login", "accounts:logout", "set_language", "self_registration"}


def _outsider(world: World, name: str) -> Any:
    from django.test import Client

    from hongyixing.accounts import services as accounts
    from tests.personas import PASSWORD, login

    if name == "grid_b1":
        user = accounts.do_create_user(None, "grid_b1", password=PASSWORD, display_name="grid_b1")
        accounts.do_grant(None, user, "grid_worker", grid=world.b.grid)
    else:
        user = world.users[name]
    return login(Client(), user)


def _api_body(
    operation: dict[str, Any], components: dict[str, Any], objects: dict[str, Any]
) -> dict[str, Any]:
    """The smallest body the schema accepts, with place A's objects in the fields that name them."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    schema = components.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    body: dict[str, Any] = {}
    for field_name, node in schema.get("properties", {}).items():
        if field_name not in schema.get("required", []) and field_name not in objects:
            continue
        kind = node.get("type") or next((o.get("type") for o in node.get("anyOf", []) if o.get("type")), "")
        if field_name in objects and objects[field_name] is not None:
            body[field_name] = objects[field_name]
        elif "enum" in node:
            body[field_name] = node["enum"][0]
        elif node.get("format") == "date":
            body[field_name] = "2026-01-05"  # a plausible past date (the register's effective dates)
        else:
            body[field_name] = {"integer": 1, "number": 36.5, "boolean": False, "array": []}.get(kind, "x1")
    return body


# Apps whose routes name objects this walk does not build walk their outsiders in their own tests,
# every route × persona (named in COVERED_BY): cases (tests/cases/test_authorization.py), the
# economy (test_economy_writes_are_scoped) and user administration (test_administration_is_scoped,
# tests/accounts/test_administration.py); an import's steps name a staged upload by a random token of
# the uploader's own session (tests/exchange/test_import_page.py); the user manual's pages and pictures
# name no object and refuse POST (tests/accounts/test_help.py).
OUTSIDERS_WALKED_ELSEWHERE = (
    "cases:",
    "enterprises:",
    "projects:",
    "accounts:user",
    "accounts:remove_grant",
    "imports:",
    "rules:",
    "accounts:help",
)
OUTSIDER_API_ELSEWHERE = {
    name
    for name, where in COVERED_BY.items()
    if name.startswith("api:") and ("cases" in where or "economy" in where)
}


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", ["town_b", "grid_b1"])
def test_outsiders_change_nothing_on_any_post_route(world: World, outsider: str) -> None:
    from hongyixing.api.api import api

    objects = _place_objects(world)
    client = _outsider(world, outsider)
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    counts, versions = _row_counts(), _versions()
    tried, unfilled, wrong = 0, [], []
    for name, pattern in _walk(get_resolver().url_patterns):
        if not re.search(r"<(?:\w+:)?\w+>", pattern) or name in PUBLIC_ROUTES:
            continue
        if name.startswith(OUTSIDERS_WALKED_ELSEWHERE) or name in OUTSIDER_API_ELSEWHERE:
            continue
        url = _fill(pattern, objects)
        if url is None:
            unfilled.append(name)
            continue
        if name.startswith("api:"):
            operation = schema["paths"].get("/" + re.sub(r"<(\w+)>", r"{\1}", pattern), {}).get("post")
            if operation is None:
                continue
            body = json.dumps(_api_body(operation, components, objects))
            answers = [client.post(url, body, content_type="application/json")]
        else:
            answers = [client.post(url), client.post(url, PLAUSIBLE_FORM)]
        for response in answers:
            tried += 1
            allowed = {403, 404, 405} | (READ_ONLY_SHARED.get(name, set()))
            if response.status_code not in allowed:
                wrong.append((name, response.status_code))
    assert not wrong, (outsider, wrong)
    print(f"{outsider}: {tried} POST requests on place-A routes, {len(wrong)} not refused")
    assert not unfilled, f"routes the walk could not fill with a place-A object: {unfilled}"
    assert tried >= 40
    assert _row_counts() == counts, outsider
    assert _versions() == versions, outsider


# The master-data PATCH routes are no POST, so the outsiders' walk above does not try them: every
# persona PATCHes each of them in both places here.
MAY_EDIT_TREE = {"district": {"a", "b"}, "town_a": {"a"}, "town_b": {"b"}, "superuser": {"a", "b"}}
MAY_EDIT_REGISTER = {**MAY_EDIT_TREE, "grid_a1": {"a"}}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_master_data_patches_are_scoped(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    for place in ("a", "b"):
        p = getattr(world, place)
        person = p.persons[0]
        person.refresh_from_db()
        for url, body, allowed in (
            (f"/api/units/{p.building.path}", {"name": f"改{persona}"}, MAY_EDIT_TREE),
            (f"/api/grids/{p.grid.id}", {"name": f"改{persona}"}, MAY_EDIT_TREE),
            (f"/api/households/{p.household.id}", {"door": f"改{persona}"}, MAY_EDIT_REGISTER),
            (f"/api/persons/{person.id}", {"current_address": f"改{persona}"}, MAY_EDIT_REGISTER),
        ):
            version = client.get(url).json().get("version", 1) if place in SEES[persona] else 1
            response = client.patch(
                url, json.dumps({**body, "version": version}), content_type="application/json"
            )
            expected = 200 if place in allowed.get(persona, set()) else 404
            assert response.status_code == expected, (persona, place, url, response.status_code)
            _assert_no_plain_pii(world, _body(response))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_administration_is_scoped(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    administers = ADMINISTERS.get(persona, set())
    for url in ("/accounts/users/", "/imports/", "/imports/template/residents.xlsx"):
        response = client.get(url)
        assert response.status_code == (200 if administers else 404), (persona, url)
        _assert_no_plain_pii(world, _body(response))
    grid_worker = world.users["grid_a1"]
    for place, user in (("a", grid_worker), ("b", world.users["town_b"])):
        if user.pk == world.users[persona].pk:
            continue
        for url in (f"/accounts/users/{user.pk}/",):
            response = client.get(url)
            assert response.status_code == (200 if place in administers else 404), (persona, place, url)
        response = client.post(f"/accounts/users/{user.pk}/reset_password/")
        expected = 302 if place in administers else 404
        assert response.status_code == expected, (persona, place, "reset_password")
