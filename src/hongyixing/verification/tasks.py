"""Recurring jobs of the verification pipeline: thin faces over services."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from hongyixing.core.jobs import every
from hongyixing.verification.services import do_escalate


@every(dt.timedelta(minutes=1))
@task()
def escalate_overdue_tasks() -> dict[str, int]:
    return do_escalate()
