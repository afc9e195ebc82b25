"""Housekeeping jobs of the platform itself."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task

from hongyixing.core.jobs import every


@every(dt.timedelta(hours=1))
@task()
def purge_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@every(dt.timedelta(days=1))
@task()
def purge_old_login_attempts() -> int:
    """Login attempts are only needed for the lockout window and investigations; audit rows stay."""
    from hongyixing.accounts.models import LoginAttempt

    cutoff = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = LoginAttempt.objects.filter(time__lt=cutoff).delete()
    return deleted
