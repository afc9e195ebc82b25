"""Reading control measures: lists, "my people today", the day's check grid, boards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from hongyixing.control.choices import (
    AlertKind,
    AlertState,
    MeasureState,
    MeasureType,
    RoomStatus,
    SampleStatus,
    Slot,
    TransferState,
)
from hongyixing.control.models import (
    Alert,
    HealthCheck,
    Measure,
    Room,
    Sample,
    Site,
    Stay,
    TeamMember,
    Transfer,
)


def visible_measure(user: Any) -> QuerySet[Measure]:
    """Measures the user may open: in scope, or on the person's team."""
    on_team = TeamMember.objects.filter(user=user).values("measure_id")
    return Measure.objects.filter(
        Q(pk__in=Measure.objects.restrict(user).values("pk")) | Q(pk__in=on_team)
    ).select_related("person", "grid", "rule")


@dataclass
class DueRow:
    measure: Measure
    morning: HealthCheck | None
    evening: HealthCheck | None
    samples_due: list[Sample]
    open_alerts: int


# The measure's own columns that "my people today" reads, for the phone page and the API alike: no
# sealed or unused columns are read for hundreds of rows.
TODAY_MEASURE_FIELDS = (
    "id",
    "person_id",
    "type",
    "state",
    "start_date",
    "end_date",
    "unit_path",
    "grid_id",
    "version",
)
# The page's rows also show the person's address and the grid, and keep households together.
TODAY_FIELDS = (
    *TODAY_MEASURE_FIELDS,
    "household_id",
    "person__name",
    "person__current_address",
    "grid__name",
)


def _today_ids(user: Any, day: dt.date, limit: int) -> set[int]:
    """The running measures of "my people today": on the person's team, or in the user's scope for
    change (restrict()); at most ``limit`` of each, two index lookups."""
    running = Measure.objects.filter(state=MeasureState.ACTIVE, start_date__lte=day, end_date__gte=day)
    ids = set(
        running.filter(pk__in=TeamMember.objects.filter(user=user).values("measure_id")).values_list(
            "pk", flat=True
        )[:limit]
    )
    ids |= set(running.restrict(user, "change").values_list("pk", flat=True)[:limit])
    return ids


def today_counts(user: Any, day: dt.date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """``my_people_today`` for the API, as plain rows: the same people in the same order, with
    whether today's morning and evening checks are done, the tests due and the open alerts counted
    by the database in the one query that reads the measures (no model instances, no check rows)."""
    day = day or timezone.localdate()
    ids = _today_ids(user, day, limit)
    if not ids:
        return []

    def done(slot: str) -> Subquery:
        # A scalar subquery (the first such check's id, or NULL) is probed per row through the
        # (day, measure) index; an EXISTS may be planned as a hash of the whole district's day.
        checks = HealthCheck.objects.filter(measure_id=OuterRef("pk"), day=day, slot=slot)
        return Subquery(checks.order_by().values("pk")[:1])

    def counted(queryset: QuerySet[Any]) -> Subquery:
        return Subquery(
            queryset.filter(measure_id=OuterRef("pk"))
            .order_by()
            .values("measure_id")
            .annotate(n=Count("*"))
            .values("n")
        )

    rows = list(
        Measure.objects.filter(pk__in=ids)
        .order_by("unit_path", "household_id", "id")
        .annotate(
            name=F("person__name"),
            morning_done=done(Slot.MORNING),
            evening_done=done(Slot.EVENING),
            tests_due=Coalesce(
                counted(Sample.objects.filter(status=SampleStatus.SCHEDULED, due_date__lte=day)), 0
            ),
            open_alerts=Coalesce(counted(Alert.objects.filter(state=AlertState.OPEN)), 0),
        )
        .values(*TODAY_MEASURE_FIELDS, "name", "morning_done", "evening_done", "tests_due", "open_alerts")[
            :limit
        ]
    )
    for row in rows:
        row["morning_done"] = row["morning_done"] is not None
        row["evening_done"] = row["evening_done"] is not None
    rows.sort(key=lambda r: (r["morning_done"] and r["evening_done"], -r["open_alerts"]))
    return rows


def my_people_today(user: Any, day: dt.date | None = None, limit: int = 500) -> list[DueRow]:
    """Everyone whose team the user is on, or (for a grid worker) under measure in the user's grids,
    with today's checks, tests due and open alerts; people missing a check come first.

    Today's checks are read through the (day, measure) index for just these people, never by scanning
    the whole district's day."""
    day = day or timezone.localdate()
    ids = _today_ids(user, day, limit)
    rows = list(
        Measure.objects.filter(pk__in=ids)
        .select_related("person", "grid")
        .only(*TODAY_FIELDS)
        .order_by("unit_path", "household_id", "id")[:limit]
    )
    found = [m.pk for m in rows]
    samples: dict[int, list[Sample]] = {}
    for sample in Sample.objects.filter(
        measure_id__in=found, status=SampleStatus.SCHEDULED, due_date__lte=day
    ):
        samples.setdefault(sample.measure_id or 0, []).append(sample)
    alerts = dict(
        Alert.objects.filter(measure_id__in=found, state=AlertState.OPEN)
        .values("measure_id")
        .annotate(n=Count("id"))
        .values_list("measure_id", "n")
    )

    checks: dict[tuple[int, str], HealthCheck] = {}
    today_checks = HealthCheck.objects.filter(measure_id__in=found, day=day).order_by("recorded_at")
    # Plain tuples: a person re-checked many times a day must not cost a model instance per check.
    for pk, measure_id, slot, temperature, abnormal in today_checks.values_list(
        "id", "measure_id", "slot", "temperature", "abnormal"
    ):
        if (measure_id, slot) not in checks:
            checks[(measure_id, slot)] = HealthCheck(
                pk=pk, measure_id=measure_id, slot=slot, day=day, temperature=temperature, abnormal=abnormal
            )
    due = [
        DueRow(
            m,
            checks.get((m.pk, Slot.MORNING)),
            checks.get((m.pk, Slot.EVENING)),
            samples.get(m.pk, []),
            alerts.get(m.pk, 0),
        )
        for m in rows
    ]
    due.sort(key=lambda r: (r.morning is not None and r.evening is not None, -r.open_alerts))
    return due


def check_grid(measure: Measure) -> list[dict[str, Any]]:
    """One row per day of the measure with the morning and evening checks (first of each slot)."""
    checks: dict[tuple[dt.date, str], HealthCheck] = {}
    for check in measure.checks.order_by("recorded_at"):
        checks.setdefault((check.day, check.slot), check)
    days = []
    today = timezone.localdate()
    day = measure.start_date
    while day <= min(measure.end_date, today):
        days.append(
            {
                "day": day,
                "morning": checks.get((day, Slot.MORNING)),
                "evening": checks.get((day, Slot.EVENING)),
            }
        )
        day += dt.timedelta(days=1)
    days.reverse()
    return days


# Kinds that go first on the alert lists.
URGENT_ALERTS = (AlertKind.ABNORMAL_CHECK, AlertKind.POSITIVE_TEST, AlertKind.OPEN_LOOP)


def alerts(user: Any, state: str = AlertState.OPEN) -> QuerySet[Alert]:
    """Urgent kinds first (abnormal check, positive test, open loop), then the newest."""
    urgent = URGENT_ALERTS
    qs = (
        Alert.objects.restrict(user)
        .select_related("measure", "person", "transfer")
        .annotate(urgent=Case(When(kind__in=urgent, then=Value(0)), default=Value(1)))
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("urgent", "-created_at", "-id")


def sites(user: Any) -> list[dict[str, Any]]:
    rows = list(
        Site.objects.restrict(user)
        .filter(active=True)
        .annotate(
            rooms_total=Count("rooms", distinct=True),
            occupied=Count("rooms", filter=Q(rooms__status=RoomStatus.OCCUPIED), distinct=True),
            free=Count("rooms", filter=Q(rooms__status=RoomStatus.FREE), distinct=True),
        )
        .order_by("name")
    )
    return [{"site": s, "rooms": s.rooms_total, "occupied": s.occupied, "free": s.free} for s in rows]


def site_board(site: Site) -> list[dict[str, Any]]:
    stays = {
        s.room_id: s
        for s in Stay.objects.filter(room__site=site, checked_out_at__isnull=True).select_related(
            "person", "measure"
        )
    }
    return [{"room": room, "stay": stays.get(room.pk)} for room in Room.objects.filter(site=site)]


def open_loops(user: Any, now: dt.datetime | None = None) -> QuerySet[Transfer]:
    return Transfer.objects.restrict(user).filter(state=TransferState.PICKED_UP).order_by("picked_up_at")


def missing_now(user: Any, day: dt.date, slot: str) -> int:
    checked = HealthCheck.objects.filter(measure=OuterRef("pk"), day=day, slot=slot)
    return (
        Measure.objects.restrict(user)
        .filter(state=MeasureState.ACTIVE, start_date__lte=day, end_date__gte=day)
        .exclude(Exists(checked))
        .count()
    )


def awaiting_check_in(user: Any, site: Site) -> QuerySet[Measure]:
    """People under centralised quarantine not yet in a room: those in the user's jurisdiction, and
    those a transfer order is bringing to this site (the site's own staff see only these)."""
    from hongyixing.control.models import TransferPerson

    bound_here = TransferPerson.objects.filter(transfer__to_site=site).values("measure_id")
    in_scope = Measure.objects.restrict(user).values("pk")
    return (
        Measure.objects.filter(state=MeasureState.ACTIVE, type=MeasureType.CENTRAL_ISOLATION)
        .filter(Q(pk__in=in_scope) | Q(pk__in=bound_here))
        .exclude(pk__in=Stay.objects.filter(checked_out_at__isnull=True).values("measure_id"))
        .select_related("person")
        .order_by("start_date", "id")
    )
