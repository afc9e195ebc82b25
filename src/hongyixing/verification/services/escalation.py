"""The SLA clock of verification tasks: raise each task to its level and tell who must hear of it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.core import audit, deadlines
from hongyixing.notices.services import Notice, notify_each
from hongyixing.verification.choices import CLOCK_STATES
from hongyixing.verification.models import VerificationTask

LEVELS = deadlines.ladder(
    half="sla.half", late="sla.late", overdue="sla.overdue", supervision="sla.supervision"
)
# Who hears of each level.
AUDIENCE = {"sla.half": "grid", "sla.late": "grid", "sla.overdue": "town", "sla.supervision": "district"}


def _level_names() -> dict[str, str]:
    return {
        "sla.half": "50%",
        "sla.late": "80%",
        "sla.overdue": _("overdue"),
        "sla.supervision": _("supervision"),
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
        grants = Grant.objects.filter(role="grid_worker", grid_id__in={t.grid_id for t in tasks if t.grid_id})
        by_grid: dict[int, list[int]] = defaultdict(list)
        for user_id, grid_id in grants.values_list("user_id", "grid_id"):
            by_grid[grid_id].append(user_id)
        # A task waiting on a village's (or a town's) desk has no grid worker yet: whoever assigns it
        # there — the village cadres, or the town officers — hears of its clock instead.
        waiting = {t.waits_at for t in tasks if not t.grid_id and t.waits_at}
        by_desk: dict[str, list[int]] = defaultdict(list)
        if waiting:
            desk_grants = Grant.objects.filter(
                role__in=("village_cadre", "town_officer"), unit__path__in=waiting
            ).values_list("user_id", "unit__path")
            for user_id, path in desk_grants:
                by_desk[path].append(user_id)
        for t in tasks:
            result[t.pk] = by_grid.get(t.grid_id, []) if t.grid_id else by_desk.get(t.waits_at, [])
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


@transaction.atomic
def do_escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise every task whose time has come to its level; notify once per level. Idempotent."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    messages = _messages()
    open_tasks = VerificationTask.objects.filter(state__in=CLOCK_STATES).only(
        "id", "grid_id", "waits_at", "unit_path", "name", "deadline", "person_id", "escalation"
    )
    counts: dict[str, int] = {}
    for moved in deadlines.escalate(open_tasks, LEVELS, now, limit=5000):
        kind, due = moved.level.kind, moved.rows
        recipients = _recipients(due, AUDIENCE[kind])
        notices = []
        for t in due:
            text = messages[kind] % {
                "name": t.name,
                "deadline": t.deadline.astimezone(tz).strftime("%m-%d %H:%M"),
            }
            link = reverse("verification:task", args=[t.pk])
            notices += [Notice(uid, kind, text, link=link, key=f"task:{t.pk}") for uid in recipients[t.pk]]
        audit.emit_bulk(f"task.{kind}", due)
        summary = _("%(count)d verification tasks: %(level)s") % {
            "count": len(due),
            "level": _level_names()[kind],
        }
        notify_each(notices, summary=summary, now=now)
        counts[kind] = len(due)
    return counts
