"""The register's changes (户籍变动): a death, a move out, a return, a change of household and a
household's move — with their effect on counters, open tasks and control measures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hongyixing.accounts import services as accounts
from hongyixing.areas import services as areas
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.control import services as control
from hongyixing.control.choices import MeasureState, SampleStatus, TeamRole
from hongyixing.control.models import Measure, Sample, TeamMember
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.notices.models import Notification
from hongyixing.people import lifecycle, queries
from hongyixing.people.choices import PersonStatus
from hongyixing.people.counts import raw_counts
from hongyixing.people.models import Person
from hongyixing.verification.choices import OPEN_STATES, Disposition, TaskState
from hongyixing.verification.models import VerificationTask
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


def assert_counters_match_a_recount() -> None:
    raw = raw_counts()
    for unit in AdminUnit.objects.only("path", "person_count", "household_count"):
        assert unit.person_count == raw.unit_persons.get(unit.path, 0), unit.path
        assert unit.household_count == raw.unit_households.get(unit.path, 0), unit.path
    for grid in Grid.objects.all():
        assert grid.person_count == raw.grid_persons.get(grid.pk, 0), grid.code
        assert grid.household_count == raw.grid_households.get(grid.pk, 0), grid.code
    for household in Household.objects.all():
        residents = household.members.filter(status=PersonStatus.RESIDENT).count()
        assert household.person_count == residents, household.number


def _user(name: str, role: str, **grant) -> object:
    user = accounts.do_create_user(None, name, password=PASSWORD, display_name=name)
    accounts.do_grant(None, user, role, **grant)
    return user


@pytest.fixture
def cadre_a(world: World):
    return _user("cadre_a", "village_cadre", unit=world.a.village)


@pytest.fixture
def second_grid(world: World):
    """A second grid of 临河社区 with its own worker, a compound and a building in it."""
    village = world.a.village
    grid = areas.do_create_grid(None, village, 2, f"{village.name}第2网格", "网格员A2")
    compound = areas.do_create_unit(None, village, "compound", 2, "锦绣花园", grid=grid)
    building = areas.do_create_unit(None, compound, "building", 1, "1栋", grid=grid)
    household = areas.do_create_household(
        None, building, f"{village.path}A0002", f"{village.name}锦绣花园1栋302室", "302室"
    )
    worker = _user("grid_a2", "grid_worker", grid=grid)
    return {"grid": grid, "building": building, "household": household, "worker": worker}


def _measure(world: World, person: Person) -> Measure:
    return control.do_open_measure(
        world.users["district"], person, control.MeasureSpec(type="home_isolation")
    )


def test_a_death_closes_tasks_ends_the_measure_and_tells_the_team(world: World, cadre_a) -> None:
    person = world.a.persons[0]
    measure = _measure(world, person)
    assert world.a.task.state in OPEN_STATES
    assert Sample.objects.filter(measure=measure, status=SampleStatus.SCHEDULED).exists()
    team_users = set(measure.team.exclude(user=None).values_list("user_id", flat=True))
    assert world.users["grid_a1"].pk in team_users and cadre_a.pk in team_users

    died = lifecycle.do_record_death(cadre_a, person, YESTERDAY, "医院出具死亡证明")

    assert (died.status, died.status_since) == (PersonStatus.DECEASED, YESTERDAY)
    task = VerificationTask.objects.get(pk=world.a.task.pk)
    assert (task.state, task.disposition) == (TaskState.CLOSED, Disposition.NOT_RESIDENT)
    assert task.note.startswith("死亡") and "死亡证明" in task.note
    measure.refresh_from_db()
    assert measure.state == MeasureState.ENDED_EARLY and measure.close_reason.startswith("死亡")
    assert not Sample.objects.filter(person=person, status=SampleStatus.SCHEDULED).exists()
    told = set(
        Notification.objects.filter(kind="control.person_deceased").values_list("recipient_id", flat=True)
    )
    assert told == team_users
    assert DomainEvent.objects.filter(name="person.died", person_id=person.pk).exists()
    assert ChangeLog.objects.filter(
        object_type="people.person", object_id=person.pk, action="update"
    ).exists()
    assert_counters_match_a_recount()
    # Still on file and found by name, marked.
    found = queries.search_persons(world.users["town_a"], person.name)
    assert person.pk in {p.pk for p in found.persons}


def test_a_move_away_closes_tasks_as_left_area_with_the_destination(world: World) -> None:
    person = world.a.persons[0]
    before = AdminUnit.objects.get(path=world.a.village.path).person_count
    lifecycle.do_record_move_away(world.users["town_a"], person, YESTERDAY, "南京市鼓楼区", "随子女生活")
    task = VerificationTask.objects.get(pk=world.a.task.pk)
    assert (task.state, task.disposition, task.note) == (
        TaskState.CLOSED,
        Disposition.LEFT_AREA,
        "南京市鼓楼区：随子女生活",
    )
    person.refresh_from_db()
    assert (person.status, person.moved_to) == (PersonStatus.MOVED_AWAY, "南京市鼓楼区")
    assert AdminUnit.objects.get(path=world.a.village.path).person_count == before - 1
    assert_counters_match_a_recount()


def test_a_move_away_under_an_active_measure_is_refused_and_writes_nothing(world: World) -> None:
    person = world.a.persons[0]
    _measure(world, person)
    counts = (ChangeLog.objects.count(), DomainEvent.objects.count())
    village_count = AdminUnit.objects.get(path=world.a.village.path).person_count
    with pytest.raises(DomainError) as refused:
        lifecycle.do_record_move_away(world.users["town_a"], person, YESTERDAY, "南京市鼓楼区")
    assert refused.value.code == "register.under_measure"
    assert "转出" in str(refused.value.message)
    assert (ChangeLog.objects.count(), DomainEvent.objects.count()) == counts
    person.refresh_from_db()
    assert person.status == PersonStatus.RESIDENT and person.version == 1
    assert VerificationTask.objects.get(pk=world.a.task.pk).state in OPEN_STATES
    assert AdminUnit.objects.get(path=world.a.village.path).person_count == village_count


def test_a_return_puts_the_person_back_on_the_register(world: World, second_grid) -> None:
    person = world.a.persons[1]
    town = world.users["town_a"]
    lifecycle.do_record_move_away(town, person, TODAY - dt.timedelta(days=30), "上海市浦东新区")
    assert_counters_match_a_recount()
    with pytest.raises(DomainError) as early:
        lifecycle.do_record_move_in(town, person, second_grid["household"], TODAY - dt.timedelta(days=40))
    assert early.value.code == "register.date_too_early"
    back = lifecycle.do_record_move_in(town, person, second_grid["household"], YESTERDAY, "返乡", "spouse")
    assert (back.status, back.moved_to, back.household_id) == (
        PersonStatus.RESIDENT,
        "",
        second_grid["household"].pk,
    )
    assert back.grid_id == second_grid["grid"].pk and back.unit_path == second_grid["building"].path
    assert DomainEvent.objects.filter(name="move_in.registered", person_id=person.pk).exists()
    assert_counters_match_a_recount()


def test_a_household_move_takes_tasks_measure_and_team_to_the_new_grid(
    world: World, cadre_a, second_grid
) -> None:
    household = world.a.household
    person = world.a.persons[0]
    measure = _measure(world, person)
    medical = TeamMember.objects.get(measure=measure, role=TeamRole.MEDICAL).user_id
    worker_a2 = second_grid["worker"]
    assert not VerificationTask.objects.restrict(worker_a2).filter(pk=world.a.task.pk).exists()

    moved = lifecycle.do_move_household(cadre_a, household, second_grid["building"], YESTERDAY, "旧房拆迁")

    assert (moved.unit_id, moved.grid_id) == (second_grid["building"].pk, second_grid["grid"].pk)
    for member in Person.objects.filter(household=household):
        assert (member.unit_path, member.grid_id) == (second_grid["building"].path, second_grid["grid"].pk)
    task = VerificationTask.objects.get(pk=world.a.task.pk)
    assert task.grid_id == second_grid["grid"].pk
    assert VerificationTask.objects.restrict(worker_a2).filter(pk=task.pk).exists()
    assert DomainEvent.objects.filter(name="task.moved", subject_id=task.pk).exists()
    measure.refresh_from_db()
    assert (measure.grid_id, measure.unit_path) == (second_grid["grid"].pk, second_grid["building"].path)
    team = {m.role: m.user_id for m in measure.team.all()}
    assert team[TeamRole.GRID_WORKER] == worker_a2.pk
    assert team[TeamRole.CADRE] == cadre_a.pk and team[TeamRole.MEDICAL] == medical
    assert Notification.objects.filter(kind="control.team_joined", recipient=worker_a2).exists()
    assert DomainEvent.objects.filter(name="household.moved").exists()
    assert_counters_match_a_recount()


def test_a_person_changes_household_and_the_task_follows(world: World, second_grid) -> None:
    person = world.a.persons[0]
    moved = lifecycle.do_move_person(world.users["town_a"], person, second_grid["household"], YESTERDAY)
    assert moved.household_id == second_grid["household"].pk
    assert Household.objects.get(pk=world.a.household.pk).person_count == 1
    assert Household.objects.get(pk=second_grid["household"].pk).person_count == 1
    assert VerificationTask.objects.get(pk=world.a.task.pk).grid_id == second_grid["grid"].pk
    assert_counters_match_a_recount()
    with pytest.raises(DomainError) as same:
        lifecycle.do_move_person(world.users["town_a"], moved, second_grid["household"], YESTERDAY)
    assert same.value.code == "register.same_household"


def test_a_submitted_task_stays_with_the_grid_that_did_the_work(world: World, second_grid) -> None:
    from hongyixing.verification import services as verification

    verification.submit_feedback(
        world.users["grid_a1"],
        world.a.task,
        verification.FeedbackInput(client_id="lc-1", contact_method="visit", disposition="ALREADY_KNOWN"),
    )
    lifecycle.do_move_person(world.users["town_a"], world.a.persons[0], second_grid["household"], YESTERDAY)
    task = VerificationTask.objects.get(pk=world.a.task.pk)
    assert task.state == TaskState.SUBMITTED and task.grid_id == world.a.grid.pk


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (
            lambda w: lifecycle.do_record_death(
                w.users["town_a"], w.a.persons[0], TODAY + dt.timedelta(days=1)
            ),
            "register.future_date",
        ),
        (lambda w: lifecycle.do_record_death(w.users["town_a"], w.a.persons[0], None), "register.no_date"),
        (
            lambda w: lifecycle.do_record_move_away(w.users["town_a"], w.a.persons[0], YESTERDAY, "  "),
            "register.no_destination",
        ),
        (
            lambda w: lifecycle.do_move_household(w.users["town_a"], w.a.household, w.a.building, YESTERDAY),
            "household.same_place",
        ),
        (
            lambda w: lifecycle.do_move_household(w.users["town_a"], w.a.household, w.a.village, YESTERDAY),
            "household.bad_unit",
        ),
        (
            lambda w: lifecycle.do_record_death(w.users["grid_a1"], w.a.persons[0], YESTERDAY),
            "register.not_allowed",
        ),
    ],
)
def test_bad_input_is_refused_in_plain_words(world: World, call, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        call(world)
    assert refused.value.code == code
    assert any("\u4e00" <= char <= "\u9fff" for char in str(refused.value.message))
    assert Person.objects.get(pk=world.a.persons[0].pk).status == PersonStatus.RESIDENT


def test_a_second_death_and_a_stale_version_are_refused(world: World) -> None:
    town = world.users["town_a"]
    person = world.a.persons[1]
    with pytest.raises(DomainError) as stale:
        lifecycle.do_record_death(town, person, YESTERDAY, expected_version=7)
    assert stale.value.status == 409
    lifecycle.do_record_death(town, person, YESTERDAY)
    with pytest.raises(DomainError) as again:
        lifecycle.do_record_death(town, person, TODAY)
    assert again.value.code == "register.deceased"
    with pytest.raises(DomainError):
        lifecycle.do_record_move_away(town, person, TODAY, "南京市")


def test_out_of_scope_is_not_found(world: World) -> None:
    town_a = world.users["town_a"]
    with pytest.raises(NotFound):
        lifecycle.do_record_death(town_a, world.b.persons[0], YESTERDAY)
    with pytest.raises(NotFound):
        lifecycle.do_move_household(town_a, world.a.household, world.b.building, YESTERDAY)
    with pytest.raises(NotFound):
        lifecycle.do_move_person(town_a, world.a.persons[0], world.b.household, YESTERDAY)
    with pytest.raises(NotFound):
        lifecycle.do_move_household(town_a, world.a.household, world.b.grid, YESTERDAY)
    assert Household.objects.get(pk=world.a.household.pk).grid_id == world.a.grid.pk


def test_the_register_events_read_as_words() -> None:
    from hongyixing.core import history
    from tests.core.test_history_names import emitted_event_names

    names = {"person.died", "move_away.registered", "move_in.registered", "person.moved", "household.moved"}
    assert names | {"task.moved", "measure.moved"} <= emitted_event_names()
    titles = {name: history.event_heading(name).title for name in names | {"task.moved", "measure.moved"}}
    assert titles == {
        "person.died": "人员：死亡",
        "move_away.registered": "迁出：登记",
        "move_in.registered": "迁入（返回）：登记",
        "person.moved": "人员：迁移",
        "household.moved": "户：迁移",
        "task.moved": "核查任务：迁移",
        "measure.moved": "管控措施：迁移",
    }
    assert history.event_heading("move_away.registered").group == "人员信息"
