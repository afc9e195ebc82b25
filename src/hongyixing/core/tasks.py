"""Housekeeping jobs of the platform itself."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task

from hongyixing.core.jobs import every


@every(dt.timedelta(hours=1))
@task()
def purge_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
