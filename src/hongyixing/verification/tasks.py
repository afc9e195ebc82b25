"""Recurring jobs of the verification pipeline."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from hongyixing.core import audit
from hongyixing.core.jobs import every
from hongyixing.verification.choices import CLOCK_STATES
from hongyixing.verification.models import Notification, VerificationTask
from hongyixing.verification.notify import broadcast

# (level, the task's time field, notification kind, who hears of it)
LEVELS = (
    (4, "supervise_at", "sla.supervision", "district"),
    (3, "deadline", "sla.overdue", "town"),
    (2, "warn_late_at", "sla.late", "grid"),
    (1, "warn_half_at", "sla.half", "grid"),
)


LEVEL_NAMES = {
    "sla.half": "50%",
    "sla.late": "80%",
    "sla.overdue": "overdue",
    "sla.supervision": "supervision",
}


def _messages() -> dict[str, str]:
    return {
        "sla.half": _("Half of the time is used: verify %(name)s before %(deadline)s"),
        "sla.late": _("80%% of the time is used: verify %(name)s before %(deadline)s"),
        "sla.overdue": _("Overdue: %(name)s was due at %(deadline)s"),
        "sla.supervision": _("Supervision list: %(name)s is long overdue (due %(deadline)s)"),
    }


def _recipients(tasks: list[VerificationTask], audience: str) -> dict[int, list[int]]:
    """Task id → user ids who must hear of it, from grants (one query)."""
    from hongyixing.accounts.models import Grant

    result: dict[int, list[int]] = defaultdict(list)
    if audience == "grid":
        grants = Grant.objects.filter(role="grid_worker", grid_id__in={t.grid_id for t in tasks})
        by_grid: dict[int, list[int]] = defaultdict(list)
        for user_id, grid_id in grants.values_list("user_id", "grid_id"):
            by_grid[grid_id].append(user_id)
        for t in tasks:
            result[t.pk] = by_grid.get(t.grid_id or 0, [])
    elif audience == "town":
        grants = Grant.objects.filter(role="town_officer", unit__path__in={t.unit_path[:9] for t in tasks})
        by_town: dict[str, list[int]] = defaultdict(list)
        for user_id, path in grants.values_list("user_id", "unit__path"):
            by_town[path].append(user_id)
        for t in tasks:
            result[t.pk] = by_town.get(t.unit_path[:9], [])
    else:
        office = list(
            Grant.objects.filter(role="district_office").values_list("user_id", flat=True).distinct()
        )
        for t in tasks:
            result[t.pk] = office
    return result


def escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise every task whose time has come to its level; notify once per level. Idempotent."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    counts: dict[str, int] = {}
    messages = _messages()
    for level, field, kind, audience in LEVELS:
        due = list(
            VerificationTask.objects.filter(
                state__in=CLOCK_STATES, escalation__lt=level, **{f"{field}__lte": now}
            )
            .only("id", "grid_id", "unit_path", "name", "deadline", "person_id", "escalation")
            .order_by("id")[:5000]
        )
        if not due:
            continue
        with transaction.atomic():
            VerificationTask.objects.filter(id__in=[t.pk for t in due], escalation__lt=level).update(
                escalation=level
            )
            recipients = _recipients(due, audience)
            notices = []
            for t in due:
                text = messages[kind] % {
                    "name": t.name,
                    "deadline": t.deadline.astimezone(tz).strftime("%m-%d %H:%M"),
                }
                notices += [
                    Notification(recipient_id=uid, created_at=now, kind=kind, task=t, message=text)
                    for uid in recipients[t.pk]
                ]
            Notification.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
            for t in due:
                t.escalation = level
            audit.emit_bulk(f"task.{kind}", due)
            summary = _("%(count)d verification tasks: %(level)s") % {
                "count": len(due),
                "level": LEVEL_NAMES[kind],
            }
            transaction.on_commit(partial(broadcast, [], summary))
        counts[kind] = len(due)
    return counts


@every(dt.timedelta(minutes=1))
@task()
def escalate_overdue_tasks() -> dict[str, int]:
    return escalate()
