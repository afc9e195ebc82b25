"""A sliding-window rate limit kept in the database, so every server process sees the same counts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from hongyixing.core.models import RateLimitHit


@transaction.atomic
def allow(key: str, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Count this request under ``key``; False once ``limit`` requests fell in the last ``window``."""
    now = now or timezone.now()
    RateLimitHit.objects.filter(key=key, time__lt=now - window).delete()
    if RateLimitHit.objects.filter(key=key).count() >= limit:
        return False
    RateLimitHit.objects.create(key=key[:120], time=now)
    return True
