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
from django.utils.translation import gettext_lazy

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


@source("enterprise_problem")
def _enterprise_problems(user: Any, limit: int) -> tuple[list[SupervisionItem], int, dict[int, int]]:
    """Difficulties enterprises reported, past the deadline their department was given."""
    from hongyixing.enterprises.queries import overdue_problems

    overdue = overdue_problems(user)
    count = overdue.count()
    label = _("Enterprise problem")
    items = [
        SupervisionItem(
            source="enterprise_problem",
            source_label=label,
            object_id=p.pk,
            reference=p.enterprise.name,
            title=p.get_category_display(),
            responsible=" · ".join(x for x in (p.get_department_display(), p.leader) if x),
            unit_path=p.unit_path,
            deadline=p.deadline,
            level=max(3, min(p.escalation, 4)),
            state=p.get_state_display(),
            url=reverse("enterprises:problem", args=[p.pk]),
        )
        for p in overdue[:limit]
        if p.deadline is not None
    ]
    return items, count, {3: count} if count else {}


@source("project_milestone")
def _slipped_milestones(user: Any, limit: int) -> tuple[list[SupervisionItem], int, dict[int, int]]:
    """Major-project milestones past their planned date and not reached."""
    from django.utils import timezone

    from hongyixing.projects.queries import slipped_milestones

    slipped = slipped_milestones(user)
    count = slipped.count()
    label = _("Project milestone")
    tz = timezone.get_current_timezone()
    items = [
        SupervisionItem(
            source="project_milestone",
            source_label=label,
            object_id=m.pk,
            reference=m.project.name,
            title=m.name,
            responsible=m.project.leader or m.project.investor,
            unit_path=m.unit_path,
            deadline=dt.datetime.combine(m.planned, dt.time(23, 59), tzinfo=tz),
            level=max(3, min(m.escalation, 4)),
            state=str(_("Slipped")),
            url=reverse("projects:project", args=[m.project_id]),
        )
        for m in slipped[:limit]
    ]
    return items, count, {3: count} if count else {}


def _count_levels(queryset: Any) -> Any:
    return queryset.order_by().values("escalation").annotate(n=Count("id"))


# The kinds of work on the list, as its chips and filter name them.
SUPERVISION_KINDS = {
    "directive": gettext_lazy("Directives"),
    "verification": gettext_lazy("Verification tasks"),
    "enterprise_problem": gettext_lazy("Enterprise problems"),
    "project_milestone": gettext_lazy("Project milestones"),
}


def supervision_items(user: Any, *, kind: str = "", limit: int = 300) -> SupervisionList:
    """Every source's overdue work in the user's scope, most escalated first, then closest deadline."""
    result = SupervisionList(items=[])
    for name, read in SOURCES.items():
        if kind and name != kind:
            continue
        items, count, levels = read(user, limit)
        result.items += items
        if count:  # a Counter answers 0 for a source with nothing; keep the comparison with plain dicts
            result.by_source[name] += count
        for lvl, n in levels.items():
            result.by_level[min(lvl, 4)] += n
    result.items.sort(key=lambda i: (-i.level, i.deadline, i.source, i.object_id))
    del result.items[limit:]
    result.labels = {key: str(label) for key, label in SUPERVISION_KINDS.items()}
    return result
