"""One deadline and escalation engine for every kind of work that has a time limit.

A model takes :class:`DeadlineFields` (the deadline, the 50 % and 80 % warning times, the time it
reaches the supervision list, the level it has been escalated to and when). :func:`clock_times`
fills the times from a start and a deadline; :func:`escalate` raises every row whose time has come,
with one UPDATE per level (never one per row) and returns what it moved so the caller writes the
notices in bulk, in the same transaction.

Levels are raised highest first, so a row found long overdue (a stopped worker) goes straight to its
level and is told once. Two workers may run the same sweep: the rows of a level are locked with
``SKIP LOCKED`` (PostgreSQL) before the UPDATE, so only one of them moves a row and notifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

HALF, LATE, OVERDUE, SUPERVISION = 1, 2, 3, 4


class DeadlineFields(models.Model):
    """The clock columns; ``escalation`` is the level reached (0 none, 1 half, 2 late, 3 overdue,
    4 supervision) and ``escalated_at`` when it was last raised."""

    deadline = models.DateTimeField(_("deadline"))
    warn_half_at = models.DateTimeField(null=True, blank=True)
    warn_late_at = models.DateTimeField(null=True, blank=True)
    supervise_at = models.DateTimeField(null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("escalation"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        abstract = True


def clock_times(
    start: dt.datetime, deadline: dt.datetime, supervise_after: dt.timedelta | None = None
) -> dict[str, dt.datetime]:
    """Warn at 50 % and 80 % of the time; the supervision list (督办) takes the row a further quarter
    of the allowed time (at least an hour) after the deadline, unless ``supervise_after`` says."""
    period = deadline - start
    return {
        "deadline": deadline,
        "warn_half_at": start + period / 2,
        "warn_late_at": start + period * 0.8,
        "supervise_at": deadline + (supervise_after or max(period / 4, dt.timedelta(hours=1))),
    }


@dataclass(frozen=True)
class Level:
    """One step of the ladder: the level number, the time column that triggers it, and a name the
    caller uses for its notices and events (e.g. ``sla.overdue``)."""

    number: int
    time_field: str
    kind: str


# The standard ladder over DeadlineFields' columns; callers name the kinds.
def ladder(half: str, late: str, overdue: str, supervision: str) -> tuple[Level, ...]:
    return (
        Level(SUPERVISION, "supervise_at", supervision),
        Level(OVERDUE, "deadline", overdue),
        Level(LATE, "warn_late_at", late),
        Level(HALF, "warn_half_at", half),
    )


@dataclass
class Moved:
    """The rows one level moved; ``before`` holds their change-log snapshots from before the move
    when ``escalate(..., snapshots=True)`` was asked (for ``audit.log_bulk_update``)."""

    level: Level
    rows: list[Any] = field(default_factory=list)
    before: list[dict[str, Any]] = field(default_factory=list)


def escalate(
    queryset: models.QuerySet[Any],
    levels: Sequence[Level],
    now: dt.datetime,
    *,
    limit: int = 5000,
    snapshots: bool = False,
) -> list[Moved]:
    """Raise the rows of ``queryset`` (already narrowed to the open ones, with any ``only`` /
    ``select_related`` the caller needs) whose time has come; one bulk UPDATE per level.

    Must run inside the caller's transaction (the caller notifies before it commits); returns, per
    level that moved anything, the rows it moved (with ``escalation`` set to the new level)."""
    from hongyixing.core.audit import snapshot

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("escalate() runs inside the transaction that also writes the notices")
    moved: list[Moved] = []
    for level in sorted(levels, key=lambda lv: -lv.number):
        due = queryset.filter(escalation__lt=level.number, **{f"{level.time_field}__lte": now})
        rows = list(due.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:limit])
        if not rows:
            continue
        queryset.model.objects.filter(pk__in=[r.pk for r in rows], escalation__lt=level.number).update(
            escalation=level.number, escalated_at=now
        )
        before = [snapshot(row) for row in rows] if snapshots else []
        for row in rows:
            row.escalation = level.number
            row.escalated_at = now
        moved.append(Moved(level, rows, before))
    return moved
