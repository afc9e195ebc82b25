"""One supervision list (督办) over every kind of overdue work.

Each kind of work keeps its own clock and escalation (verification tasks in ``verification.services
.do_escalate``, directive assignments in ``command.services.do_escalate_directives``); this module only
*reads* them. A source turns its overdue rows into :class:`SupervisionItem` rows; the list merges them.
Levels are shared: 3 = overdue, urged (催办) at the responsible unit; 4 = on the command's supervision
list (督办). A new kind of work (enterprise problems, transfers …) plugs in with :func:`source`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from hongyixing.command.choices import CLOCK_STATES, Escalation
from hongyixing.command.models import Assignment


@dataclass(frozen=True)
class SupervisionItem:
    source: str  # the source's key: "directive", "verification", …
    source_label: str
    object_id: int
    reference: str  # directive number, push-list title …
    title: str  # what must be done, or for whom
    responsible: str  # the unit, group or grid that owes the work
    unit_path: str
    deadline: dt.datetime
    level: int  # 3 urged (overdue), 4 supervised
    state: str
    url: str

    @property
    def level_label(self) -> str:
        return str(Escalation(self.level).label) if self.level in Escalation.values else str(self.level)


@dataclass
class SupervisionList:
    items: list[SupervisionItem]
    by_source: Counter[str] = field(default_factory=Counter)
    by_level: Counter[int] = field(default_factory=Counter)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_source.values())

    @property
    def source_counts(self) -> list[tuple[str, str, int]]:
        """(key, label, count) per source, for templates (a Counter answers 0 to ``.items``)."""
        return [(key, self.labels.get(key, key), self.by_source[key]) for key in self.labels]

    @property
    def level_counts(self) -> list[tuple[int, str, int]]:
        return [(lvl, str(Escalation(lvl).label), self.by_level[lvl]) for lvl in (4, 3) if self.by_level[lvl]]


# A source: (user, limit) → (up to ``limit`` items, closest deadline first; the full count).
Source = Callable[[Any, int], tuple[list[SupervisionItem], int, dict[int, int]]]
SOURCES: dict[str, Source] = {}


def source(name: str) -> Callable[[Source], Source]:
    def register(function: Source) -> Source:
        SOURCES[name] = function
        return function

    return register


@source("directive")
def _directives(user: Any, limit: int) -> tuple[list[SupervisionItem], int, dict[int, int]]:
    overdue = Assignment.objects.restrict(user).filter(state__in=CLOCK_STATES, escalation__gte=3)
    levels = {row["escalation"]: row["n"] for row in _count_levels(overdue)}
    rows = overdue.select_related("directive").order_by("deadline", "id")[:limit]
    label = _("Directive")
    items = [
        SupervisionItem(
            source="directive",
            source_label=label,
            object_id=a.pk,
            reference=a.directive.number,
            title=a.directive.title,
            responsible=a.target_name,
            unit_path=a.unit_path,
            deadline=a.deadline,
            level=a.escalation,
            state=a.get_state_display(),
            url=reverse("command:assignment", args=[a.pk]),
        )
        for a in rows
    ]
    return items, sum(levels.values()), levels


@source("verification")
def _verification_tasks(user: Any, limit: int) -> tuple[list[SupervisionItem], int, dict[int, int]]:
    from hongyixing.verification.queries import supervision_list

    overdue = supervision_list(user)
    levels = {row["escalation"]: row["n"] for row in _count_levels(overdue)}
    label = _("Verification task")
    items = [
        SupervisionItem(
            source="verification",
            source_label=label,
            object_id=t.pk,
            reference=t.batch.title,
            title=t.name,
            responsible=t.grid.name if t.grid else t.unit_path,
            unit_path=t.unit_path,
            deadline=t.deadline,
            level=min(t.escalation, 4),
            state=t.get_state_display(),
            url=reverse("verification:task", args=[t.pk]),
        )
        for t in overdue[:limit]
    ]
    return items, sum(levels.values()), levels


def _count_levels(queryset: Any) -> Any:
    return queryset.order_by().values("escalation").annotate(n=Count("id"))


def supervision_items(user: Any, *, kind: str = "", limit: int = 300) -> SupervisionList:
    """Every source's overdue work in the user's scope, most escalated first, then closest deadline."""
    result = SupervisionList(items=[])
    for name, read in SOURCES.items():
        if kind and name != kind:
            continue
        items, count, levels = read(user, limit)
        result.items += items
        result.by_source[name] += count
        for lvl, n in levels.items():
            result.by_level[min(lvl, 4)] += n
    result.items.sort(key=lambda i: (-i.level, i.deadline, i.source, i.object_id))
    del result.items[limit:]
    result.labels = {"directive": _("Directives"), "verification": _("Verification tasks")}
    return result
