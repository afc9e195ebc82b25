"""Named reads: batch progress, desks, my tasks, supervision."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.scope import path_prefix_q
from hongyixing.verification.choices import CLOCK_STATES, OPEN_STATES, RowStatus, TaskState
from hongyixing.verification.models import PushBatch, PushRow, VerificationTask

DONE_STATES = (
    TaskState.SUBMITTED,
    TaskState.CONFIRMED,
    TaskState.REVIEWED,
    TaskState.CLOSED,
    TaskState.FORWARDED_OUT,
)


@dataclass
class TownProgress:
    path: str
    name: str
    states: Counter[str] = field(default_factory=Counter)
    on_time: int = 0
    late: int = 0
    overdue_open: int = 0

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def done(self) -> int:
        return sum(self.states[s] for s in DONE_STATES)

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def batch_progress(
    user: Any, batch: PushBatch, now: dt.datetime | None = None, within: str = ""
) -> list[TownProgress]:
    """Tasks of the batch the user may see, by town; by village inside a town (``within`` a town path);
    by grid inside a village. One GROUP BY, folded in Python (a few thousand groups at most)."""
    now = now or timezone.now()
    tasks = VerificationTask.objects.restrict(user).filter(batch=batch)
    if within:
        tasks = tasks.filter(path_prefix_q("unit_path", within))
    rows = (
        tasks.values("unit_path", "grid_id", "state")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(submitted_at__isnull=False, submitted_at__lte=F("deadline"))),
            late=Count("id", filter=Q(submitted_at__isnull=False, submitted_at__gt=F("deadline"))),
            overdue=Count("id", filter=Q(state__in=CLOCK_STATES, deadline__lt=now)),
        )
        .order_by()
    )
    if len(within) >= 12:
        names = {
            str(pk): name for pk, name in Grid.objects.filter(unit_path=within[:12]).values_list("id", "name")
        }

        def key_of(row: dict[str, Any]) -> str:
            return str(row["grid_id"] or "")
    else:
        width = 12 if len(within) == 9 else 9
        level = "village" if width == 12 else "town"
        names = dict(
            AdminUnit.objects.filter(level=level, path__startswith=within).values_list("path", "name")
        )

        def key_of(row: dict[str, Any]) -> str:
            return str(row["unit_path"][:width])

    groups: dict[str, TownProgress] = {}
    for row in rows:
        key = key_of(row)
        label = names.get(key, key or "—")
        progress = groups.setdefault(key, TownProgress(key, str(label)))
        progress.states[row["state"]] += row["n"]
        progress.on_time += row["on_time"]
        progress.late += row["late"]
        progress.overdue_open += row["overdue"]
    return sorted(groups.values(), key=lambda p: p.path)


def row_counts(batch: PushBatch) -> dict[str, int]:
    counts = dict.fromkeys(RowStatus.values, 0)
    for row in batch.rows.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def disposition_counts(user: Any, batch: PushBatch) -> list[tuple[str, int]]:
    rows = (
        VerificationTask.objects.restrict(user)
        .filter(batch=batch)
        .exclude(disposition="")
        .values("disposition")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [(row["disposition"], row["n"]) for row in rows]


def rows_with_status(batch: PushBatch, status: str, limit: int = 200) -> QuerySet[PushRow]:
    return batch.rows.filter(status=status).order_by("row_number")[:limit]


def my_tasks(user: Any) -> QuerySet[VerificationTask]:
    """Open tasks in the user's grids/units, the closest deadline first (the phone's list)."""
    return (
        VerificationTask.objects.restrict(user)
        .filter(state__in=OPEN_STATES)
        .select_related("grid", "person")
        .order_by("deadline", "id")
    )


def desk_tasks(user: Any, state: str | None = None) -> QuerySet[VerificationTask]:
    tasks = VerificationTask.objects.restrict(user).select_related("grid", "batch")
    tasks = tasks.filter(state=state) if state else tasks.filter(state__in=OPEN_STATES)
    return tasks.order_by("deadline", "id")


def supervision_list(user: Any) -> QuerySet[VerificationTask]:
    return (
        VerificationTask.objects.restrict(user)
        .filter(state__in=CLOCK_STATES, escalation__gte=3)
        .select_related("grid", "batch")
        .order_by("deadline")
    )


def grids_for_choice(user: Any) -> dict[int, str]:
    from hongyixing.areas.models import Grid

    return dict(Grid.objects.restrict(user).order_by("code").values_list("id", "name")[:2000])


def state_counts(user: Any) -> list[tuple[str, str, int]]:
    """(state, label, count) of the tasks the user can see, in the order of the life cycle."""
    counts = {
        row["state"]: row["n"]
        # COUNT(*), not COUNT(id): read from the (unit_path, state) index alone.
        for row in VerificationTask.objects.restrict(user).values("state").annotate(n=Count("*")).order_by()
    }
    return [(state, str(label), counts[state]) for state, label in TaskState.choices if counts.get(state)]


@dataclass
class WaitingTask:
    """A task waiting at a village's or town's desk, with the grids to offer, the likeliest first."""

    task: VerificationTask
    reason: str
    suggested: list[Grid]
    others: list[Grid]


def waiting_tasks(user: Any, limit: int = 100) -> tuple[list[WaitingTask], int]:
    """Tasks waiting for a grid that the user may assign, oldest deadline first, and how many there
    are. Three queries whatever the page holds: tasks, their rows' suggestions, the grids."""
    waiting = VerificationTask.objects.restrict(user, "change").filter(state=TaskState.WAITING)
    total = waiting.count()
    tasks = list(waiting.select_related("batch").order_by("deadline", "id")[:limit])
    if not tasks:
        return [], total
    hints: dict[int, list[int]] = {}
    reasons: dict[int, str] = {}
    for task_id, grid_id, suggestions, reason in (
        PushRow.objects.filter(task_id__in=[t.pk for t in tasks])
        .order_by("id")
        .values_list("task_id", "grid_id", "suggestions", "route_reason")
    ):
        ranked = hints.setdefault(task_id, [])
        reasons.setdefault(task_id, reason)
        for candidate in [grid_id, *(s.get("grid_id") for s in suggestions or [] if isinstance(s, dict))]:
            if isinstance(candidate, int) and candidate not in ranked:
                ranked.append(candidate)
    towns = sorted({t.waits_at[:9] for t in tasks})
    grid_filter = Q(pk__in=[])
    for town in towns:
        grid_filter |= path_prefix_q("unit_path", town)
    grids = list(Grid.objects.restrict(user).filter(grid_filter).order_by("code")[:2000])
    result = []
    for task in tasks:
        mine = [g for g in grids if g.unit_path.startswith(task.waits_at)]
        by_id = {g.pk: g for g in mine}
        # The gazetteer's grid options (ranked by the grids' share of households) come first.
        suggested = [by_id[g] for g in hints.get(task.pk, []) if g in by_id][:3]
        result.append(
            WaitingTask(task, reasons.get(task.pk, ""), suggested, [g for g in mine if g not in suggested])
        )
    return result, total


@dataclass
class ManualRow:
    row: PushRow
    options: list[tuple[int, str]]  # (grid id, label): the top suggestion first, one click each


def grid_labels(user: Any) -> list[tuple[int, str, str]]:
    """(id, code, "town › grid") of every grid the user may place in: one list per page, searched in
    the browser (a datalist), instead of a dropdown per row."""
    towns = dict(AdminUnit.objects.filter(level="town").values_list("path", "name"))
    return [
        (pk, code, f"{towns.get(path[:9], '')} › {name}")
        for pk, code, name, path in Grid.objects.restrict(user)
        .order_by("code")
        .values_list("id", "code", "name", "unit_path")[:2000]
    ]


def manual_queue(
    user: Any, batch: PushBatch, labels: list[tuple[int, str, str]], limit: int = 200
) -> list[ManualRow]:
    """The rows waiting for a hand, each with up to five grids to place it in one click: the grids the
    gazetteer suggested, then the other grids of the suggested village."""
    by_id = {pk: label for pk, _code, label in labels}
    by_village: dict[str, list[int]] = {}
    for pk, code, _label in labels:
        by_village.setdefault(code.split("-")[0][:12], []).append(pk)
    result = []
    for row in batch.rows.filter(status=RowStatus.MANUAL).order_by("row_number")[:limit]:
        ranked: list[int] = []
        suggestions = [s for s in row.suggestions or [] if isinstance(s, dict)]
        for s in suggestions:
            if isinstance(s.get("grid_id"), int) and s["grid_id"] not in ranked:
                ranked.append(s["grid_id"])
        for s in suggestions:
            for pk in by_village.get(str(s.get("unit_path", ""))[:12], []):
                if pk not in ranked:
                    ranked.append(pk)
        result.append(ManualRow(row, [(pk, by_id[pk]) for pk in ranked if pk in by_id][:5]))
    return result
