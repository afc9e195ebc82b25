"""A subject's own timeline (the task page's, the assignment page's): its events only, newest first,
read through an index rather than by walking every event of the city in time order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from hongyixing.accounts.models import User
from hongyixing.core import audit
from hongyixing.core.history import events_of
from hongyixing.core.models import DomainEvent

pytestmark = pytest.mark.django_db


def _events(subject: User, names: list[str], start: dt.datetime) -> None:
    for minutes, name in enumerate(names):
        event = audit.emit(name, subject)
        DomainEvent.objects.filter(pk=event.pk).update(time=start + dt.timedelta(minutes=minutes))


def test_a_timeline_holds_its_subjects_events_newest_first() -> None:
    mine = User.objects.create_user("timeline-mine", password="x")
    other = User.objects.create_user("timeline-other", password="x")
    start = timezone.now() - dt.timedelta(hours=1)
    _events(mine, ["user.created", "user.updated", "user.locked"], start)
    _events(other, ["user.created", "user.updated"], start)

    timeline = list(events_of(mine))

    assert [e.name for e in timeline] == ["user.locked", "user.updated", "user.created"]
    assert {e.subject_id for e in timeline} == {mine.pk}
    assert len(list(events_of(mine, limit=2))) == 2


def test_a_timeline_is_read_through_the_subject_index() -> None:
    subject = User.objects.create_user("timeline-indexed", password="x")
    _events(subject, ["user.created"], timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is tiny: without this the planner reads it whole whatever the indexes.
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = events_of(subject).explain()
    assert "core_event_subject_idx" in plan, plan
