"""Named reads of the command centre: groups, duty, directives by unit, screening coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from hongyixing.accounts.models import Grant, User
from hongyixing.accounts.queries import staff_for_unit
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.command.choices import (
    CLOCK_STATES,
    COMMAND_STAFF_ROLES,
    OPEN_STATES,
    AssignmentState,
    VisitOutcome,
)
from hongyixing.command.models import (
    Assignment,
    Campaign,
    Directive,
    DutyShift,
    GroupMember,
    Visit,
    WorkingGroup,
)
from hongyixing.core.scope import path_prefix_q, scope_for


def command_units(user: Any) -> list[AdminUnit]:
    """The units whose command the user runs: district/town units of their desk grants (the
    superuser: every district). A list of at most a few units."""
    if getattr(user, "is_superuser", False):
        return list(AdminUnit.objects.filter(level="district").order_by("path")[:20])
    grants = Grant.objects.filter(
        user_id=user.pk, role__in=("district_office", "town_officer"), unit__isnull=False
    ).select_related("unit")
    return sorted({g.unit for g in grants if g.unit is not None}, key=lambda u: u.path)


def groups(user: Any) -> QuerySet[WorkingGroup]:
    members = GroupMember.objects.select_related("user").order_by("role", "id")
    return (
        WorkingGroup.objects.restrict(user)
        .select_related("unit")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("unit_path", "position", "id")
    )


def staff_choices(unit: AdminUnit, limit: int = 2000) -> QuerySet[User]:
    """Users who may serve in a unit's command (its groups, its duty roster): the one scoped staff
    list the services accept."""
    return staff_for_unit(unit.path, COMMAND_STAFF_ROLES)[:limit]


def on_duty(user: Any, now: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """Today's duty officers: the shifts running now, in the user's scope (for the dashboard)."""
    now = now or timezone.now()
    return (
        DutyShift.objects.restrict(user)
        .filter(starts_at__lte=now, ends_at__gt=now)
        .select_related("officer", "group", "unit")
        .order_by("unit_path", "group__position", "starts_at")
    )


def roster(user: Any, day: dt.date) -> QuerySet[DutyShift]:
    """Shifts overlapping the local day."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return (
        DutyShift.objects.restrict(user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("officer", "group", "unit")
        .order_by("unit_path", "group__position", "starts_at")
    )


# --- Directives --------------------------------------------------------------------------------


def my_assignments(user: Any, *, open_only: bool = True) -> QuerySet[Assignment]:
    """The assignments the user works on for their own unit or group (not those they issued)."""
    scope = scope_for(user, "change")
    qs = Assignment.objects.restrict(user, "change").filter(
        Q(group__isnull=True) | Q(group_id__in=GroupMember.objects.filter(user_id=user.pk).values("group_id"))
    )
    if not scope.is_empty:
        qs = qs.exclude(Q(group__isnull=True) & scope.as_q("directive__unit_path", None))
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.select_related("directive", "unit", "group").order_by("deadline", "id")


def issued_directives(user: Any) -> QuerySet[Directive]:
    """Directives of the commands the user sees, each with its assignments counted by progress."""
    return (
        Directive.objects.restrict(user)
        .select_related("issuer", "group")
        .annotate(
            targets=Count("assignments"),
            acknowledged=Count("assignments", filter=~Q(assignments__state=AssignmentState.ISSUED)),
            completed=Count(
                "assignments",
                filter=Q(assignments__state__in=(AssignmentState.COMPLETED, AssignmentState.ACCEPTED)),
            ),
            accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED)),
            overdue=Count(
                "assignments",
                filter=Q(assignments__state__in=CLOCK_STATES, assignments__escalation__gte=3),
            ),
        )
        .order_by("-issued_at", "-id")
    )


def assignments_of(directive: Directive) -> QuerySet[Assignment]:
    return (
        directive.assignments.select_related("unit", "group", "acknowledged_by", "accepted_by")
        .annotate(notes_count=Count("notes"))
        .order_by("unit_path", "group__position", "id")
    )


# --- Screening coverage ------------------------------------------------------------------------


@dataclass
class Coverage:
    key: str
    name: str
    households: int
    visited: int

    @property
    def remaining(self) -> int:
        return max(self.households - self.visited, 0)

    @property
    def percent(self) -> int:
        return int(100 * self.visited / self.households) if self.households else 0


def coverage_base(campaign: Campaign, within: str) -> str:
    """The unit to break down: the campaign's scope, or a unit inside it."""
    if within and within.isdigit() and within.startswith(campaign.unit_path):
        return within
    return campaign.unit_path


def coverage(user: Any, campaign: Campaign, within: str = "") -> tuple[list[Coverage], Coverage, str]:
    """Households visited / total by town, village or grid under ``within`` (one level down).

    Two GROUP BYs (households, distinct visited households) over path prefixes, folded in Python over
    at most a few hundred groups: no per-household work, however large the district."""
    base = coverage_base(campaign, within)
    level = "grid" if len(base) >= 12 else "village" if len(base) >= 9 else "town"
    width = {"town": 9, "village": 12}.get(level, 0)
    households = Household.objects.restrict(user).filter(path_prefix_q("unit_path", base))
    visits = Visit.objects.restrict(user).filter(
        path_prefix_q("unit_path", base), campaign=campaign, outcome=VisitOutcome.VISITED
    )
    if level == "grid":
        totals = {
            str(r["grid_id"]): r["n"] for r in households.values("grid_id").annotate(n=Count("id")).order_by()
        }
        done = {
            str(r["grid_id"]): r["n"]
            for r in visits.values("grid_id").annotate(n=Count("household_id", distinct=True)).order_by()
        }
        names = {
            str(pk): name
            for pk, name in Grid.objects.filter(pk__in=[int(k) for k in totals]).values_list("id", "name")
        }
    else:
        totals = {
            r["k"]: r["n"]
            for r in households.annotate(k=Substr("unit_path", 1, width))
            .values("k")
            .annotate(n=Count("id"))
            .order_by()
        }
        done = {
            r["k"]: r["n"]
            for r in visits.annotate(k=Substr("unit_path", 1, width))
            .values("k")
            .annotate(n=Count("household_id", distinct=True))
            .order_by()
        }
        names = dict(AdminUnit.objects.filter(path__in=list(totals)).values_list("path", "name"))
    rows = [Coverage(key, str(names.get(key, key)), n, done.get(key, 0)) for key, n in totals.items()]
    rows.sort(key=lambda r: (names.get(r.key) is None, r.key if level != "grid" else r.name))
    total = Coverage(base, "", sum(r.households for r in rows), sum(r.visited for r in rows))
    return rows, total, level


def not_visited(user: Any, campaign: Campaign, within: str = "", action: str = "view") -> QuerySet[Household]:
    """Households of the campaign's scope (and ``within``) with no completed visit yet, each marked
    when someone knocked already (nobody home / refused). An anti-join on the visit index."""
    base = coverage_base(campaign, within)
    done = Visit.objects.filter(campaign=campaign, household_id=OuterRef("pk"), outcome=VisitOutcome.VISITED)
    tried = Visit.objects.filter(campaign=campaign, household_id=OuterRef("pk")).exclude(
        outcome=VisitOutcome.VISITED
    )
    return (
        Household.objects.restrict(user, action)
        .filter(path_prefix_q("unit_path", base))
        .annotate(done=Exists(done), tried=Exists(tried))
        .filter(done=False)
        .select_related("grid")
        .order_by("unit_path", "door", "id")
    )


def findings(user: Any, campaign: Campaign) -> QuerySet[Visit]:
    return (
        Visit.objects.restrict(user)
        .filter(campaign=campaign)
        .exclude(findings="")
        .select_related("household", "person", "task", "visited_by")
        .order_by("-visited_at", "-id")
    )


def campaigns(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.restrict(user).select_related("unit").order_by("-starts_on", "-id")
