"""The register's changes reach control measures: a death ends one (tests cancelled, stay checked out,
the team told after commit), a move away waits for the transfer out, a move takes the team along."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hongyixing.accounts import services as accounts
from hongyixing.areas import services as areas
from hongyixing.control import services
from hongyixing.control.choices import MeasureState, SampleStatus, TeamRole
from hongyixing.control.models import Measure, Room, Sample, Stay, TeamMember
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog
from hongyixing.notices.models import Notification
from hongyixing.people import lifecycle
from hongyixing.people.choices import PersonStatus
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def test_a_death_checks_out_the_stay_cancels_every_test_and_tells_the_team_after_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    district = world.users["district"]
    person = world.a.persons[0]
    site = services.do_create_site(
        district,
        services.SiteSpec(
            name="洪泽湖宾馆",
            kind="hotel",
            address="洪泽区东风路1号",
            capacity=2,
            manager_name="张经理",
            unit_path="320813",
            rooms=["101"],
        ),
    )
    measure = services.do_open_measure(district, person, services.MeasureSpec(type="central_isolation"))
    services.do_check_in(district, measure, Room.objects.get(site=site, number="101"))
    extra = services.do_request_test(district, person, reason="同住人阳性")
    with django_capture_on_commit_callbacks() as callbacks:
        lifecycle.do_record_death(world.users["town_a"], person, YESTERDAY, "突发疾病")
        assert not [r for r in DBTaskResult.objects.all() if r.task_path.endswith("send_notice")]
    measure.refresh_from_db()
    assert measure.state == MeasureState.ENDED_EARLY and measure.close_reason == "死亡：突发疾病"
    assert Stay.objects.get(measure=measure).checked_out_at is not None
    assert Sample.objects.get(pk=extra.pk).status == SampleStatus.CANCELLED
    assert not Sample.objects.filter(person=person, status=SampleStatus.SCHEDULED).exists()
    assert ChangeLog.objects.filter(
        object_type="control.sample", object_id=extra.pk, action="update"
    ).exists()
    grid_worker = world.users["grid_a1"]
    notice = Notification.objects.get(kind="control.person_deceased", recipient=grid_worker)
    assert person.name in notice.message and "已死亡" in notice.message
    assert callbacks, "the channels hear of it after commit"
    for callback in callbacks:
        callback()
    assert [r for r in DBTaskResult.objects.all() if r.task_path.endswith("send_notice")]


def test_a_move_away_is_recorded_once_the_transfer_out_is_approved(world: World) -> None:
    town, district = world.users["town_a"], world.users["district"]
    person = world.a.persons[0]
    measure = services.do_open_measure(district, person, services.MeasureSpec(type="home_isolation"))
    with pytest.raises(DomainError) as refused:
        lifecycle.do_record_move_away(town, person, YESTERDAY, "南京市鼓楼区")
    assert refused.value.code == "register.under_measure"
    services.do_request_transfer_out(town, measure, "南京市鼓楼区", "随子女生活")
    services.do_decide_transfer_out(district, measure, True)
    moved = lifecycle.do_record_move_away(town, person, YESTERDAY, "南京市鼓楼区")
    assert moved.status == PersonStatus.MOVED_AWAY
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.TRANSFERRED_OUT


def test_a_move_keeps_police_and_medical_and_drops_a_grid_worker_nobody_replaces(world: World) -> None:
    district = world.users["district"]
    police = accounts.do_create_user(None, "police_a", password=PASSWORD, display_name="民警甲")
    accounts.do_grant(None, police, "community_police", unit=world.a.town)
    person = world.a.persons[1]
    measure = services.do_open_measure(district, person, services.MeasureSpec(type="home_isolation"))
    before = {m.role: m.user_id for m in measure.team.all()}
    assert before[TeamRole.GRID_WORKER] == world.users["grid_a1"].pk and before[TeamRole.POLICE] == police.pk
    village = world.a.village
    empty_grid = areas.do_create_grid(None, village, 3, f"{village.name}第3网格", "")
    compound = areas.do_create_unit(None, village, "compound", 3, "滨河苑", grid=empty_grid)
    household = areas.do_create_household(
        None, compound, f"{village.path}A0003", f"{village.name}滨河苑12号", "12号"
    )
    lifecycle.do_move_person(district, person, household, YESTERDAY, "投靠亲属")
    measure.refresh_from_db()
    after = {m.role: m.user_id for m in measure.team.all()}
    assert TeamRole.GRID_WORKER not in after
    assert after[TeamRole.POLICE] == police.pk and after[TeamRole.MEDICAL] == before[TeamRole.MEDICAL]
    assert measure.grid_id == empty_grid.pk and measure.household_id == household.pk
    assert ChangeLog.objects.filter(object_type="control.teammember", action="delete").exists()
    assert not TeamMember.objects.filter(measure=measure, user=world.users["grid_a1"]).exists()
    assert set(
        Sample.objects.filter(measure=measure, status="scheduled").values_list("grid_id", flat=True)
    ) == {empty_grid.pk}
