"""Housekeeping of the accounts app."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from hongyixing.accounts.models import LoginAttempt
from hongyixing.core.jobs import every


@every(dt.timedelta(days=1))
@task()
def purge_old_login_attempts() -> int:
    """Login attempts are only needed for the lockout window and investigations; audit rows stay."""
    cutoff = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = LoginAttempt.objects.filter(time__lt=cutoff).delete()
    return deleted
