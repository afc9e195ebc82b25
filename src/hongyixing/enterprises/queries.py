"""Reads of enterprises: lists in scope, resumption rates per town and industry, the economic half of
the dashboard. Each figure is one grouped query over the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from hongyixing.enterprises.choices import ClaimState, FilingState, ProblemState
from hongyixing.enterprises.models import Claim, Employee, Enterprise, Filing, Problem


def enterprises(
    user: Any, *, unit_path: str = "", industry: str = "", resumed: str = "", above: str = ""
) -> Any:
    listing = Enterprise.objects.restrict(user)
    if unit_path:
        listing = listing.filter(unit_path=unit_path)
    if industry:
        listing = listing.filter(industry=industry)
    if resumed == "1":
        listing = listing.filter(resumed_on__isnull=False)
    elif resumed == "0":
        listing = listing.filter(resumed_on__isnull=True)
    if above == "1":
        listing = listing.filter(above_scale=True)
    return listing.order_by("name", "id")


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    total: int
    resumed: int

    @property
    def percent(self) -> int:
        return round(self.resumed * 100 / self.total) if self.total else 0


def resumption_rates(user: Any, by: str) -> list[Rate]:
    """Enterprises resumed / total grouped by ``unit_path`` (town) or ``industry``."""
    from hongyixing.areas.models import AdminUnit
    from hongyixing.enterprises.choices import Industry

    rows = (
        Enterprise.objects.restrict(user)
        .order_by()
        .values(by)
        .annotate(total=Count("id"), resumed=Count("id", filter=Q(resumed_on__isnull=False)))
    )
    if by == "unit_path":
        names = dict(AdminUnit.objects.filter(path__in=[r[by] for r in rows]).values_list("path", "name"))
    else:
        names = {value: str(label) for value, label in Industry.choices}
    return sorted(
        (Rate(r[by], names.get(r[by], r[by]), r["total"], r["resumed"]) for r in rows), key=lambda r: r.key
    )


def filings(user: Any, state: str = "") -> Any:
    listing = Filing.objects.restrict(user).select_related("enterprise")
    if state:
        listing = listing.filter(state=state)
    return listing.order_by("-submitted_at", "-id")


def claims(user: Any, state: str = "") -> Any:
    listing = Claim.objects.restrict(user).select_related("enterprise")
    if state:
        listing = listing.filter(state=state)
    return listing.order_by("-submitted_at", "-id")


def problems(user: Any, open_only: bool = False) -> Any:
    listing = Problem.objects.restrict(user).select_related("enterprise")
    if open_only:
        listing = listing.exclude(state=ProblemState.DONE)
    return listing.order_by("-reported_at", "-id")


def overdue_problems(user: Any) -> Any:
    """Problems past their deadline and not solved: what the supervision list shows."""
    from django.utils import timezone

    return (
        Problem.objects.restrict(user)
        .exclude(state=ProblemState.DONE)
        .filter(deadline__lt=timezone.now())
        .select_related("enterprise")
        .order_by("deadline", "id")
    )


def economic_figures(user: Any) -> dict[str, Any]:
    """The dashboard's enterprise half: five grouped queries, whatever the number of enterprises."""
    from hongyixing.control.choices import MeasureState
    from hongyixing.control.models import Measure

    e = (
        Enterprise.objects.restrict(user)
        .order_by()
        .aggregate(
            total=Count("id"),
            resumed=Count("id", filter=Q(resumed_on__isnull=False)),
            above_total=Count("id", filter=Q(above_scale=True)),
            above_resumed=Count("id", filter=Q(above_scale=True, resumed_on__isnull=False)),
        )
    )
    staff = Employee.objects.restrict(user)
    s = staff.order_by().aggregate(total=Count("id"), risky=Count("id", filter=Q(risky=True)))
    s["controlled"] = (
        Measure.objects.filter(
            state=MeasureState.ACTIVE, person_id__in=staff.filter(person__isnull=False).values("person_id")
        )
        .values("person_id")
        .distinct()
        .count()
    )
    c = (
        Claim.objects.restrict(user)
        .order_by()
        .aggregate(
            received=Count("id"),
            received_amount=Sum("amount"),
            approved=Count(
                "id", filter=Q(state__in=(ClaimState.APPROVED, ClaimState.IN_BATCH, ClaimState.PAID))
            ),
            approved_amount=Sum(
                "amount", filter=Q(state__in=(ClaimState.APPROVED, ClaimState.IN_BATCH, ClaimState.PAID))
            ),
            paid=Count("id", filter=Q(state=ClaimState.PAID)),
            paid_amount=Sum("amount", filter=Q(state=ClaimState.PAID)),
        )
    )
    for key in ("received_amount", "approved_amount", "paid_amount"):
        c[key] = c[key] or Decimal(0)
    f = dict(
        Filing.objects.restrict(user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {
        "enterprises": e,
        "staff": s,
        "claims": c,
        "filings": {state: f.get(state, 0) for state in FilingState.values},
        "open_problems": Problem.objects.restrict(user).exclude(state=ProblemState.DONE).count(),
    }
