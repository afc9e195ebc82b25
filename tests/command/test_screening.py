"""Carpet screening: coverage arithmetic against a hand-counted fixture, idempotent visits, findings
that become verification tasks, scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from hongyixing.areas import services as areas
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command import queries, services
from hongyixing.command.models import Visit
from hongyixing.command.services import VisitInput, submit_visit
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog
from hongyixing.verification.choices import RowStatus, TaskState
from hongyixing.verification.models import PushRow, VerificationTask
from tests.command.builders import CHECKLIST
from tests.personas import DISTRICT, VILLAGE_A, World, login


@pytest.fixture
def world(db: None) -> World:
    from tests.personas import build_world

    return build_world(push_list=False)


def _households(world: World) -> dict[str, Household]:
    """Town A: grid A1 has its household + 3 more; a second grid A2 in the same village has 2.
    Town B: its household + 1 more. Eight households in all."""
    a, b = world.a, world.b
    found = {"a1": a.household, "b1": b.household}
    for n in (2, 3, 4):
        found[f"a{n}"] = areas.do_create_household(
            None, a.building, f"{VILLAGE_A}A000{n}", f"临河社区3栋50{n}室", f"50{n}室"
        )
    grid2 = areas.do_create_grid(None, a.village, 2, "临河社区第2网格", "网格员A2")
    building2 = areas.do_create_unit(None, a.village, "group", 9, "九组", grid=grid2)
    for n in (5, 6):
        found[f"a{n}"] = areas.do_create_household(
            None, building2, f"{VILLAGE_A}G000{n}", f"临河社区九组{n}号"
        )
    found["b2"] = areas.do_create_household(None, b.building, "320813103001B0002", "岔河3栋502室", "502室")
    return found


def _campaign(world: World):
    today = timezone.localdate()
    district = AdminUnit.objects.get(path=DISTRICT)
    return services.do_create_campaign(
        world.users["district"], district, "全区地毯式排查", today, today + dt.timedelta(days=3), CHECKLIST
    )


def _visit(user, campaign, household, outcome="visited", client_id=None, **extra):
    if outcome == "visited" and not extra.get("findings"):
        extra.setdefault("answers", {"q1": "no"})  # a visit records something (an empty form is refused)
    data = VisitInput(
        client_id=client_id or f"{household.pk}-{outcome}-{Visit.objects.count()}", outcome=outcome, **extra
    )
    return submit_visit(user, campaign, household, data)


def test_coverage_by_town_village_and_grid_matches_a_hand_count(world: World) -> None:
    h = _households(world)
    campaign = _campaign(world)
    office, town_b = world.users["district"], world.users["town_b"]
    _visit(office, campaign, h["a1"], answers={"q1": "no", "q2": "3"})
    _visit(office, campaign, h["a2"], "nobody_home")
    _visit(office, campaign, h["a3"], "visited")
    _visit(office, campaign, h["a3"], "visited")  # a second visit to the same door counts once
    _visit(office, campaign, h["a5"], "refused")
    _visit(town_b, campaign, h["b1"], "visited")

    rows, total, level = queries.coverage(office, campaign)
    assert level == "town"
    by_town = {r.key: (r.households, r.visited, r.remaining, r.percent) for r in rows}
    assert by_town == {world.a.town.path: (6, 2, 4, 33), world.b.town.path: (2, 1, 1, 50)}
    assert (total.households, total.visited, total.percent) == (8, 3, 37)

    rows, total, level = queries.coverage(office, campaign, world.a.town.path)
    assert level == "village" and [(r.key, r.households, r.visited) for r in rows] == [(VILLAGE_A, 6, 2)]
    rows, total, level = queries.coverage(office, campaign, VILLAGE_A)
    assert level == "grid"
    assert {r.name: (r.households, r.visited) for r in rows} == {
        world.a.grid.name: (4, 2),
        "临河社区第2网格": (2, 0),
    }

    missing = {x.pk: x.tried for x in queries.not_visited(office, campaign, world.a.town.path)}
    assert missing == {h["a2"].pk: True, h["a4"].pk: False, h["a5"].pk: True, h["a6"].pk: False}
    # A town sees its own part only.
    rows, total, _level = queries.coverage(town_b, campaign)
    assert [(r.key, r.households, r.visited) for r in rows] == [(world.b.town.path, 2, 1)]
    assert Visit.objects.get(household=h["a1"]).answers == {"q1": False, "q2": 3}


def test_a_retried_visit_is_stored_once(world: World) -> None:
    campaign = _campaign(world)
    worker = world.users["grid_a1"]
    first, created = _visit(worker, campaign, world.a.household, client_id="phone-1")
    again, created_again = _visit(worker, campaign, world.a.household, client_id="phone-1")
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.count() == 1
    assert ChangeLog.objects.filter(object_type="command.visit").count() == 1
    other = Household.objects.create(
        number="x", unit=world.a.building, unit_path=world.a.building.path, grid=world.a.grid, address="别处"
    )
    with pytest.raises(DomainError) as reused:
        _visit(worker, campaign, other, client_id="phone-1")
    assert reused.value.code == "visit.client_id_reused"


def test_a_finding_becomes_a_verification_task_in_one_step(world: World) -> None:
    campaign = _campaign(world)
    worker = world.users["grid_a1"]
    person = world.a.persons[1]
    visit, _ = _visit(
        worker,
        campaign,
        world.a.household,
        findings="3天前从外省返回，未报备",
        person_id=person.pk,
        raise_task=True,
    )
    visit.refresh_from_db()
    task = visit.task
    assert task is not None and task.person == person and task.grid == world.a.grid
    assert task.state == TaskState.DISPATCHED and "未报备" in task.note
    row = PushRow.objects.get(task=task)
    assert row.status == RowStatus.TASKED and row.batch.source.code == "carpet-screening"
    assert person.document_masked == row.document_masked
    # The same person found again: the open task is reused, never duplicated.
    second, _ = _visit(worker, campaign, world.a.household, findings="复查仍未报备", person_id=person.pk)
    assert services.do_raise_task(worker, second) == task
    assert VerificationTask.objects.filter(person=person).count() == 1
    with pytest.raises(DomainError) as incomplete:
        _visit(worker, campaign, world.a.household, raise_task=True)
    assert incomplete.value.code == "visit.finding_incomplete"
    with pytest.raises(DomainError) as stranger:
        _visit(worker, campaign, world.a.household, findings="x", person_id=world.b.persons[0].pk)
    assert stranger.value.code == "visit.bad_person"


def test_visits_stay_in_scope_and_in_the_campaign_days(world: World, client) -> None:
    campaign = _campaign(world)
    worker = login(client, world.users["grid_a1"])
    url = f"/api/command/screening/{campaign.id}/visits"

    def post(household: Household, client_id: str):
        body = {
            "client_id": client_id,
            "household_id": household.id,
            "outcome": "visited",
            "answers": {"q1": "yes"},
        }
        return worker.post(url, data=json.dumps(body), content_type="application/json")

    assert post(world.b.household, "x1").status_code == 404
    created = post(world.a.household, "x2")
    assert created.status_code == 201 and created.json()["created"] is True
    assert post(world.a.household, "x2").status_code == 200
    page = worker.get(f"/command/screening/{campaign.id}/households/")
    assert page.status_code == 200 and world.b.household.address not in page.content.decode()
    form = worker.post(
        f"/command/screening/{campaign.id}/households/{world.a.household.id}/",
        {"client_id": "form-1", "outcome": "nobody_home"},
    )
    assert form.status_code == 302 and Visit.objects.filter(client_id="form-1").exists()
    past = services.do_create_campaign(
        world.users["district"],
        AdminUnit.objects.get(path=DISTRICT),
        "旧排查",
        dt.date(2020, 2, 1),
        dt.date(2020, 2, 3),
        CHECKLIST,
    )
    late = worker.post(
        f"/api/command/screening/{past.id}/visits",
        data=json.dumps({"client_id": "x3", "household_id": world.a.household.id, "outcome": "visited"}),
        content_type="application/json",
    )
    assert late.status_code == 400 and late.json()["code"] == "visit.campaign_closed"
    office = login(client.__class__(), world.users["district"])
    coverage = office.get(f"/command/screening/{campaign.id}/?within={VILLAGE_A}")
    assert coverage.status_code == 200 and world.a.grid.name in coverage.content.decode()


def test_a_resent_backlog_of_visits_is_stored_once(world: World) -> None:
    campaign = _campaign(world)
    office = world.users["district"]

    def backlog() -> list[Visit]:
        return [
            Visit(
                household=h,
                unit_path=h.unit_path,
                grid_id=h.grid_id,
                outcome="visited",
                client_id=f"bulk-{h.pk}",
                visited_by=office,
                visited_at=timezone.now(),
            )
            for h in (world.a.household, world.b.household)
        ]

    assert len(services.do_bulk_record_visits(office, campaign, backlog())) == 2
    assert services.do_bulk_record_visits(office, campaign, backlog()) == []
    assert Visit.objects.count() == 2 == ChangeLog.objects.filter(object_type="command.visit").count()
    _rows, total, _level = queries.coverage(office, campaign)
    assert (total.households, total.visited) == (2, 2)


def test_a_finding_becomes_a_control_measure_in_one_step(world: World) -> None:
    from hongyixing.control.models import Measure

    campaign = _campaign(world)
    worker = world.users["grid_a1"]
    person = world.a.persons[0]
    visit, _ = _visit(worker, campaign, world.a.household, findings="发热两天未就医", person_id=person.pk)
    measure = services.do_open_measure_from_finding(worker, visit, None, "home_isolation")
    assert (measure.person, measure.type, measure.state) == (person, "home_isolation", "active")
    assert "发热两天未就医" in measure.reason and measure.team.exists()
    assert services.do_open_measure_from_finding(worker, visit, None, "home_isolation") == measure
    assert Measure.objects.filter(person=person).count() == 1
    other, _ = _visit(
        world.users["district"], campaign, world.b.household, findings="x", person_id=world.b.persons[0].pk
    )
    from django.http import Http404

    with pytest.raises(Http404):  # a grid worker cannot act on another town's visit
        services.do_open_measure_from_finding(worker, other, None, "home_isolation")


def test_an_empty_visit_form_is_refused_and_does_not_count(world: World, client) -> None:
    """Issue #13 (c): an untouched form used to save as 已走访 and count as coverage."""
    campaign = _campaign(world)
    worker = world.users["grid_a1"]
    for raw in ({}, {"q1": "", "q3": "  "}):
        with pytest.raises(DomainError) as empty:
            submit_visit(
                worker,
                campaign,
                world.a.household,
                VisitInput(client_id="e1", outcome="visited", answers=raw),
            )
        assert empty.value.code == "visit.empty"
    page = login(client, worker).post(
        f"/command/screening/{campaign.id}/households/{world.a.household.id}/",
        {"client_id": "e2", "outcome": "visited"},
    )
    assert page.status_code in (200, 302)
    assert not Visit.objects.filter(campaign=campaign).exists()
    submit_visit(
        worker, campaign, world.a.household, VisitInput(client_id="e3", outcome="visited", findings="正常")
    )
    assert Visit.objects.filter(campaign=campaign).count() == 1
