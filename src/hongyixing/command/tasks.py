"""Recurring jobs of the command centre: thin faces over services."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from hongyixing.command.services import do_escalate_directives
from hongyixing.core.jobs import every


@every(dt.timedelta(minutes=1))
@task()
def escalate_directives() -> dict[str, int]:
    return do_escalate_directives()
