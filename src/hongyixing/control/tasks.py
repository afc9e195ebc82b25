"""Recurring sweep of control measures; the work is in ``services.do_escalate``."""

import datetime as dt

from django_tasks import task

from hongyixing.control import services
from hongyixing.core.jobs import every


@every(dt.timedelta(minutes=1))
@task()
def sweep_control_measures() -> dict[str, int]:
    return services.do_escalate()
