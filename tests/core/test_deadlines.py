"""core.deadlines: the clock times, and escalate() moving each level with one UPDATE whatever the
number of rows, highest level first, each row once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hongyixing.core import deadlines
from hongyixing.verification import services
from hongyixing.verification.choices import CLOCK_STATES
from hongyixing.verification.models import PushSource, VerificationTask
from tests.personas import World

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2022, 3, 1, 8, 0, tzinfo=dt.UTC)
LADDER = deadlines.ladder(half="t.half", late="t.late", overdue="t.overdue", supervision="t.supervision")


def _tasks(world: World, count: int) -> list[VerificationTask]:
    """Tasks of one batch received at T0 for the people the world's own push list left out."""
    free = [world.a.plain_ids[1], world.b.plain_ids[1]][:count]
    rows = [
        services.PlainRow(row_number=n, values={"name": f"人{n}", "id_number": pid}, raw=[])
        for n, pid in enumerate(free, start=1)
    ]
    source = PushSource.objects.get(code="province-big-data")
    result = services.do_intake(
        world.users["district"], source, rows, title="t", category="general", received_at=T0
    )
    tasks = list(VerificationTask.objects.filter(batch=result.batch).order_by("id"))
    assert len(tasks) == count
    return tasks


def _open(tasks: list[VerificationTask]):
    return VerificationTask.objects.filter(state__in=CLOCK_STATES, pk__in=[t.pk for t in tasks])


def test_clock_times_warn_at_half_and_eighty_percent() -> None:
    times = deadlines.clock_times(T0, T0 + dt.timedelta(hours=24))
    assert times == {
        "deadline": T0 + dt.timedelta(hours=24),
        "warn_half_at": T0 + dt.timedelta(hours=12),
        "warn_late_at": T0 + dt.timedelta(hours=19, minutes=12),
        "supervise_at": T0 + dt.timedelta(hours=30),
    }
    short = deadlines.clock_times(T0, T0 + dt.timedelta(hours=2))
    assert short["supervise_at"] == T0 + dt.timedelta(hours=3)  # at least an hour after the deadline


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_each_level_moves_with_one_update_whatever_the_number_of_rows(world: World) -> None:
    tasks = _tasks(world, 2)
    open_tasks = _open(tasks)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        moved = deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(hours=13))
    assert [(m.level.kind, [r.pk for r in m.rows]) for m in moved] == [("t.half", [t.pk for t in tasks])]
    assert len(_updates(queries)) == 1
    # Long overdue: straight to the top level, once; the lower levels have nothing left to move.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        moved = deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(days=3))
    assert [(m.level.kind, len(m.rows)) for m in moved] == [("t.supervision", 2)]
    assert len(_updates(queries)) == 1
    assert {(t.escalation, t.escalated_at) for t in open_tasks} == {
        (deadlines.SUPERVISION, T0 + dt.timedelta(days=3))
    }
    with transaction.atomic():
        assert deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(days=4)) == []


def test_the_limit_leaves_the_rest_for_the_next_run(world: World) -> None:
    open_tasks = _open(_tasks(world, 2))
    with transaction.atomic():
        first = deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(hours=13), limit=1)
        second = deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(hours=13), limit=1)
        third = deadlines.escalate(open_tasks, LADDER, T0 + dt.timedelta(hours=13), limit=1)
    assert [len(m.rows) for m in first] == [1] and [len(m.rows) for m in second] == [1] and third == []
    assert first[0].rows[0].pk != second[0].rows[0].pk
