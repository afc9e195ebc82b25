"""Reads of projects and indicators: the concentrated-start list, ranking by completion, slipped
milestones, and indicators against target and last year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from hongyixing.projects.choices import STARTED_STAGES
from hongyixing.projects.models import Indicator, IndicatorTarget, IndicatorValue, Milestone, Project


def projects(user: Any, *, concentrated: bool = False) -> Any:
    listing = Project.objects.restrict(user)
    if concentrated:
        listing = listing.filter(concentrated_start=True)
    return listing.annotate(
        invested=Sum("investments__actual"), invest_planned=Sum("investments__planned")
    ).order_by("name")


def ranking(user: Any) -> list[tuple[Project, Decimal]]:
    """Projects by share of their total investment completed, highest first."""
    rows = []
    for project in projects(user):
        invested = project.invested or Decimal(0)
        rows.append((project, (invested / project.amount * 100).quantize(Decimal("0.1"))))
    rows.sort(key=lambda pair: (-pair[1], pair[0].name))
    return rows


def slipped_milestones(user: Any, today: dt.date | None = None) -> Any:
    """Milestones past their planned date and not reached (or reached late, not counted)."""
    today = today or timezone.localdate()
    return (
        Milestone.objects.restrict(user)
        .filter(actual__isnull=True, planned__lt=today)
        .select_related("project")
        .order_by("planned", "id")
    )


def project_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    listing = Project.objects.restrict(user)
    slipped = set(slipped_milestones(user, today).values_list("project_id", flat=True))
    started = listing.filter(stage__in=STARTED_STAGES)
    return {
        "total": listing.count(),
        "started": started.count(),
        "on_schedule": started.exclude(pk__in=slipped).count(),
        "slipped": len(slipped),
    }


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    unit_path: str
    period: dt.date
    value: Decimal
    target: Decimal | None
    last_year: Decimal | None

    @property
    def share_of_target(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.value / self.target * 100).quantize(Decimal("0.1"))

    @property
    def expected_share(self) -> Decimal:
        """Where a cumulative indicator should be by this month: a straight line through the year."""
        return (Decimal(self.period.month) / 12 * 100).quantize(Decimal("0.1"))

    @property
    def growth(self) -> Decimal | None:
        if not self.last_year:
            return None
        return ((self.value - self.last_year) / self.last_year * 100).quantize(Decimal("0.1"))

    @property
    def behind(self) -> bool:
        share = self.share_of_target
        if share is not None and self.indicator.cumulative and share < self.expected_share:
            return True
        return self.growth is not None and self.growth < 0


def indicator_rows(user: Any, period: dt.date | None = None) -> list[IndicatorRow]:
    """The latest period's values in scope, each with its annual target and the same period last year."""
    values = IndicatorValue.objects.restrict(user).select_related("indicator")
    if period is None:
        latest = values.order_by("-period").values_list("period", flat=True).first()
        if latest is None:
            return []
        period = latest
    current = list(values.filter(period=period).order_by("indicator__code", "unit_path"))
    last = period.replace(year=period.year - 1)
    earlier = {
        (v.indicator_id, v.unit_path, v.department): v.value
        for v in IndicatorValue.objects.restrict(user).filter(period=last)
    }
    targets = {
        (t.indicator_id, t.unit_path, t.department): t.target
        for t in IndicatorTarget.objects.restrict(user).filter(year=period.year)
    }
    return [
        IndicatorRow(
            indicator=v.indicator,
            unit_path=v.unit_path,
            period=v.period,
            value=v.value,
            target=targets.get((v.indicator_id, v.unit_path, v.department)),
            last_year=earlier.get((v.indicator_id, v.unit_path, v.department)),
        )
        for v in current
    ]


def behind_count(user: Any) -> tuple[int, int]:
    rows = indicator_rows(user)
    return sum(1 for r in rows if r.behind), len(rows)
