"""Recurring: store each finished reporting day's figures (idempotent: a closed day is skipped)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from hongyixing.core.jobs import every
from hongyixing.reports import metrics, services


@every(dt.timedelta(minutes=30))
@task()
def close_finished_days() -> int:
    today = timezone.localdate()
    stored = 0
    for back in (2, 1, 0):
        day = today - dt.timedelta(days=back)
        if metrics.window(day)[1] <= timezone.now():
            stored += services.do_close_day(day)
    return stored
