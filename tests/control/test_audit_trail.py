"""Writes that used to leave only an event (or nothing) now leave change-log rows (issue #10, finding 9)."""

from __future__ import annotations

import datetime as dt

import pytest

from hongyixing.control import services
from hongyixing.control.choices import AlertKind, MeasureType
from hongyixing.control.models import Alert, SelfReportLink
from hongyixing.core.models import ChangeLog
from tests.control.conftest import frozen, local
from tests.personas import World

pytestmark = pytest.mark.django_db


def _rows(model: str, object_id: int, action: str) -> list[ChangeLog]:
    return list(ChangeLog.objects.filter(object_type=model, object_id=object_id, action=action))


def test_revoking_the_self_report_link_is_in_the_change_log(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            world.users["town_a"], world.a.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        services.do_end_early(world.users["town_a"], measure, "误报")
    link = SelfReportLink.objects.get(measure=measure)
    assert link.revoked_at is not None
    (row,) = _rows("control.selfreportlink", link.pk, "update")
    assert row.user_id == world.users["town_a"].pk and row.changes["revoked_at"][0] is None


def test_raised_alerts_and_the_closed_open_loop_are_in_the_change_log(world: World) -> None:
    district = world.users["district"]
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            district, world.a.persons[0], services.MeasureSpec(type="central_isolation")
        )
        transfer = services.do_create_transfer(
            district,
            services.TransferSpec(
                reason="to_site", from_place="家", to_place="宾馆", scheduled_at=local(2026, 11, 29, 9)
            ),
            [measure],
        )
    with frozen(local(2026, 11, 29, 9)):
        services.do_pick_up(district, transfer, "转运组李", {measure.person_id: "36.6"}, "苏H12345", "王司机")
    assert services.do_escalate(local(2026, 11, 29, 13, 1))["open_loop"] == 1
    loop = Alert.objects.get(kind=AlertKind.OPEN_LOOP)
    assert len(_rows("control.alert", loop.pk, "create")) == 1
    with frozen(local(2026, 11, 29, 13, 5)):
        services.do_hand_over(district, transfer, "转运组李", "宾馆前台")
    (closed,) = _rows("control.alert", loop.pk, "update")
    assert closed.changes["state"] == ["open", "closed"] and closed.user_id == district.pk


def test_missed_check_alerts_written_in_bulk_have_their_change_log_rows(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        for person in world.a.persons[:2]:
            services.do_open_measure(
                world.users["town_a"], person, services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
            )
    assert services.do_escalate(local(2026, 11, 29, 10, 1))["missed_check"] == 2
    missed = list(Alert.objects.filter(kind=AlertKind.MISSED_CHECK))
    logged = ChangeLog.objects.filter(
        object_type="control.alert", action="create", object_id__in=[a.pk for a in missed]
    )
    assert logged.count() == 2
    assert {row.person_id for row in logged} == {a.person_id for a in missed}


def test_a_backdated_measure_raises_no_alert_for_what_was_due_before_it_was_recorded(world: World) -> None:
    """Issue #13 (d): a measure recorded on the 30th with its start on the 27th (when the person was
    found) owes no checks for the slots already past, and no samples due before the 30th."""
    from hongyixing.control.models import Sample

    with frozen(local(2026, 11, 30, 14)):
        measure = services.do_open_measure(
            world.users["town_a"],
            world.a.persons[0],
            services.MeasureSpec(type=MeasureType.HOME_ISOLATION, start=dt.date(2026, 11, 27)),
        )
    assert Sample.objects.filter(measure=measure, due_date__lt=dt.date(2026, 11, 30)).exists()
    counts = services.do_escalate(local(2026, 11, 30, 14, 1))
    assert counts["missed_check"] == 0 and counts["overdue_sample"] == 0
    assert not Alert.objects.filter(measure=measure).exists()
    # The first slot whose cut-off comes after the recording is owed as usual.
    assert services.do_escalate(local(2026, 11, 30, 20, 1))["missed_check"] == 1
