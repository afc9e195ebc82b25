"""The demo's week of control work reads the same in the daily reports as in the rows (#13 defect 2):
closed days show the people under measures and their checks, today's report counts today's window
only, and every closed day equals a recount from the records."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from hongyixing.control.models import HealthCheck, Measure
from hongyixing.reports import metrics, queries, services
from hongyixing.reports.models import DailyStat

pytestmark = pytest.mark.django_db


def _total(figures: metrics.Figures, prefix: str) -> int:
    return sum(v for village in figures.values() for k, v in village.items() if k.startswith(prefix))


def test_closed_days_of_the_demo_week_match_their_records(settings) -> None:
    call_command("seed_demo", "--persons", "3000", stdout=io.StringIO(), skip_checks=True)
    assert Measure.objects.count() >= 50
    today = timezone.localdate()
    # The worker closes each finished day; here the past week, oldest first.
    past = [today - dt.timedelta(days=n) for n in range(6, 0, -1)]
    for day in past:
        if metrics.window(day)[1] <= timezone.now():
            services.do_close_day(day)
    yesterday = today - dt.timedelta(days=1)
    stored = {(row.village_path, row.metric): row.value for row in DailyStat.objects.filter(day=yesterday)}
    assert sum(v for (_, m), v in stored.items() if m.startswith("active")) > 20, "yesterday had people"
    assert stored and sum(v for (_, m), v in stored.items() if m == "checks") > 20, "and their checks"
    for day in past:
        recount = metrics.compute(day)
        kept = queries.figures_for(day)
        assert {k: dict(v) for k, v in recount.items() if any(v.values())} == {
            k: dict(v) for k, v in kept.items()
        }, day
    # Today's window holds today's checks only, not the whole week's.
    start, end = metrics.window(today)
    in_window = HealthCheck.objects.filter(recorded_at__gt=start, recorded_at__lte=end).count()
    assert _total(metrics.compute(today), "checks") == in_window
    assert in_window < HealthCheck.objects.count() / 2
