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
    "people:reveal",
    "self_registration",
    "verification:route_row",
    "verification:task_feedback",
    "verification:task_transition",
    "verification:task_call",
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
        made[place] = {"measure": measure, "site": site, "transfer": transfer}
    return made[place]


# Routes whose objects some personas in the place still do not see: a grid worker's scope is
# their grid, and a quarantine site belongs to the town, not to a grid.
HIDDEN_FROM = {"control:site": {"grid_a1"}, "reports:unit_daily": {"grid_a1"}}


def _object_urls(world: World, place: str) -> dict[str, str]:
    p = getattr(world, place)
    person = p.persons[0]
    control = _control_objects(world, place)
    campaign = build_command(world).campaigns[place]
    return {
        "control:measure": f"/control/measures/{control['measure'].id}/",
        "reports:unit_daily": f"/dashboard/daily/{p.town.path}/",
        "control:open_measure": f"/control/persons/{person.id}/open/",
        "control:inbound_register": f"/control/persons/{person.id}/inbound/",
        "control:site": f"/control/sites/{control['site'].id}/",
        "control:transfer": f"/control/transfers/{control['transfer'].id}/",
        "api:get_measure": f"/api/control/measures/{control['measure'].id}",
        "areas:unit": f"/areas/units/{p.building.path}/",
        "areas:grid": f"/areas/grids/{p.grid.id}/",
        "people:household": f"/people/households/{p.household.id}/",
        "people:person": f"/people/{person.id}/",
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
    assert re.fullmatch(r"3208\*{10}\d{3}[\dX]", person.document_masked)
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
