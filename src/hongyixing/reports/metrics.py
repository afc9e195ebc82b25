"""The figures of one reporting day, counted set-based per village straight from the records.

A reporting day D is the window (cut-off of D−1, cut-off of D]: flows (received, opened, sampled…) are
counted in the window, stocks (under measure, open, pending…) as they stood at the cut-off, from the
records' own timestamps — so a closed day can be recomputed later and gives the same figures.
Each query groups by the first 12 digits of the unit path (the village); units above sum villages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from hongyixing.command.models import Assignment
from hongyixing.control.choices import MeasureCategory, SampleStatus, TransferReason
from hongyixing.control.models import HealthCheck, InboundArrival, Measure, Sample, Transfer
from hongyixing.core.scope import path_prefix_q
from hongyixing.verification.choices import Category, TaskState
from hongyixing.verification.models import VerificationTask

Figures = dict[str, dict[str, int]]  # village path → metric → value

NOT_DELIVERED = (TaskState.FORWARDED, TaskState.FORWARDED_OUT)


def window(day: dt.date, cutoff: dt.time | None = None) -> tuple[dt.datetime, dt.datetime]:
    cutoff = cutoff or settings.REPORT_CUTOFF
    tz = timezone.get_current_timezone()
    end = dt.datetime.combine(day, cutoff, tz)
    return end - dt.timedelta(days=1), end


def _grouped(qs: QuerySet[Any], metric: str, into: Figures, by: str | None = None) -> None:
    """Add ``count(*)`` per village (and per ``by`` value, as ``metric:value``) into ``into``."""
    fields = ["village"] + ([by] if by else [])
    rows = qs.annotate(village=Substr("unit_path", 1, 12)).values(*fields).annotate(n=Count("pk")).order_by()
    for row in rows:
        name = f"{metric}:{row[by]}" if by else metric
        into[row["village"]][name] += row["n"]


def compute(
    day: dt.date, unit_path: str = "", cutoff: dt.time | None = None, check_day: dt.date | None = None
) -> Figures:
    """``check_day`` is the calendar day whose missing checks count (the live dashboard passes today
    while the open window already belongs to tomorrow's report)."""
    start, end = window(day, cutoff)
    check_day = check_day or day
    figures: Figures = defaultdict(lambda: defaultdict(int))
    place = path_prefix_q("unit_path", unit_path) if unit_path else Q()

    tasks = VerificationTask.objects.filter(place)
    received = tasks.filter(created_at__gt=start, created_at__lte=end)
    _grouped(received, "tasks_received", figures)
    _grouped(received, "tasks_by_source", figures, by="batch__source__code")
    _grouped(received.filter(category=Category.ARRIVAL), "arrivals", figures)
    submitted = tasks.filter(submitted_at__gt=start, submitted_at__lte=end)
    _grouped(submitted, "dispositions", figures, by="disposition")
    _grouped(submitted.filter(submitted_at__lte=F("deadline")), "tasks_on_time", figures)
    _grouped(submitted.filter(submitted_at__gt=F("deadline")), "tasks_late", figures)
    _grouped(received.filter(state__in=NOT_DELIVERED), "tasks_forwarded", figures)
    still_open = tasks.filter(created_at__lte=end).filter(
        Q(submitted_at__isnull=True) | Q(submitted_at__gt=end)
    )
    still_open = still_open.exclude(state__in=NOT_DELIVERED)
    _grouped(still_open, "tasks_open", figures)
    _grouped(still_open.filter(deadline__lt=end), "tasks_overdue", figures)

    measures = Measure.objects.filter(place)
    opened = measures.filter(opened_at__gt=start, opened_at__lte=end)
    _grouped(opened, "opened", figures, by="type")
    _grouped(
        measures.filter(release_confirmed_at__gt=start, release_confirmed_at__lte=end), "released", figures
    )
    active = measures.filter(opened_at__lte=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=end))
    _grouped(active, "active", figures, by="type")
    _grouped(active.filter(category=MeasureCategory.CLOSE_CONTACT), "contacts", figures)
    _grouped(active.filter(end_date=day + dt.timedelta(days=1)), "ending_tomorrow", figures)
    checked = HealthCheck.objects.filter(measure=OuterRef("pk"), day=check_day)
    _grouped(active.filter(start_date__lte=check_day).exclude(Exists(checked)), "unchecked", figures)

    checks = HealthCheck.objects.filter(place, recorded_at__gt=start, recorded_at__lte=end)
    _grouped(checks, "checks", figures)
    _grouped(checks.filter(abnormal=True), "abnormal", figures)
    transfers = Transfer.objects.filter(place)
    _grouped(
        transfers.filter(reason=TransferReason.FEVER_CLINIC, created_at__gt=start, created_at__lte=end),
        "fever_transfers",
        figures,
    )
    _grouped(
        transfers.filter(picked_up_at__lte=end).filter(
            Q(handed_over_at__isnull=True) | Q(handed_over_at__gt=end)
        ),
        "open_loops",
        figures,
    )

    samples = Sample.objects.filter(place)
    _grouped(samples.filter(sampled_at__gt=start, sampled_at__lte=end), "sampled", figures)
    results = samples.filter(result_at__gt=start, result_at__lte=end)
    _grouped(results.filter(status=SampleStatus.NEGATIVE), "negative", figures)
    positive = results.filter(status=SampleStatus.POSITIVE)
    _grouped(positive, "positive", figures)
    inbound_person = InboundArrival.objects.filter(person=OuterRef("person"))
    _grouped(positive.filter(Exists(inbound_person)), "positive_imported", figures)
    pending = samples.filter(sampled_at__lte=end).filter(Q(result_at__isnull=True) | Q(result_at__gt=end))
    _grouped(pending, "pending", figures)
    overdue = samples.filter(due_date__lt=day).exclude(status=SampleStatus.CANCELLED)
    _grouped(overdue.filter(Q(sampled_at__isnull=True) | Q(sampled_at__gt=end)), "samples_overdue", figures)

    arrivals = InboundArrival.objects.filter(place)
    _grouped(arrivals.filter(created_at__gt=start, created_at__lte=end), "inbound_new", figures)

    # Directives: the assignments each unit received, fell due, and still owed at the cut-off (a
    # completion report stops the clock, as in the supervision engine).
    assignments = Assignment.objects.filter(place)
    _grouped(
        assignments.filter(directive__issued_at__gt=start, directive__issued_at__lte=end),
        "directives_received",
        figures,
    )
    _grouped(assignments.filter(deadline__gt=start, deadline__lte=end), "directives_due", figures)
    owed = assignments.filter(directive__issued_at__lte=end, deadline__lt=end).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gt=end)
    )
    _grouped(owed, "directives_overdue", figures)
    return {village: dict(values) for village, values in figures.items()}


def total(figures: Figures, prefix: str = "") -> dict[str, int]:
    summed: dict[str, int] = defaultdict(int)
    for village, values in figures.items():
        if village.startswith(prefix):
            for metric, value in values.items():
                summed[metric] += value
    return dict(summed)


def by_child(figures: Figures, children: list[str]) -> dict[str, dict[str, int]]:
    """Sum villages into the given child units (towns, villages or the village itself)."""
    result: dict[str, dict[str, int]] = {path: defaultdict(int) for path in children}
    for village, values in figures.items():
        for path in children:
            if village.startswith(path):
                for metric, value in values.items():
                    result[path][metric] += value
                break
    return {path: dict(values) for path, values in result.items()}
