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

from hongyixing.cases.models import ClassificationChange, Contact
from hongyixing.command.models import Assignment
from hongyixing.control.choices import MeasureCategory, SampleStatus, TransferReason, TransferState
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


def _counted(qs: QuerySet[Any], into: Figures, counts: dict[str, Q], by: str | None = None) -> None:
    """One scan for several metrics: ``count(*) FILTER (…)`` per metric, per village (and ``by``).
    A metric named ``name:*`` is split by the ``by`` value; others sum over it. Zeros are not added."""
    fields = ["village"] + ([by] if by else [])
    aggregates = {f"m{i}": Count("pk", filter=q) for i, q in enumerate(counts.values())}
    rows = qs.annotate(village=Substr("unit_path", 1, 12)).values(*fields).annotate(**aggregates).order_by()
    names = list(counts)
    for row in rows:
        for i, name in enumerate(names):
            n = row[f"m{i}"]
            if n:
                metric = f"{name[:-2]}:{row[by]}" if name.endswith(":*") else name
                into[row["village"]][metric] += n


def compute(
    day: dt.date, unit_path: str = "", cutoff: dt.time | None = None, check_day: dt.date | None = None
) -> Figures:
    """``check_day`` is the calendar day whose missing checks count (the live dashboard passes today
    while the open window already belongs to tomorrow's report). One scan per table: the metrics of a
    table are ``count(*) FILTER (…)`` columns of the same GROUP BY."""
    start, end = window(day, cutoff)
    check_day = check_day or day
    figures: Figures = defaultdict(lambda: defaultdict(int))
    place = path_prefix_q("unit_path", unit_path) if unit_path else Q()

    tasks = VerificationTask.objects.filter(place)
    received = Q(created_at__gt=start, created_at__lte=end)
    submitted = Q(submitted_at__gt=start, submitted_at__lte=end)
    still_open = (
        Q(created_at__lte=end)
        & (Q(submitted_at__isnull=True) | Q(submitted_at__gt=end))
        & ~Q(state__in=NOT_DELIVERED)
    )
    _counted(
        tasks.filter(received | submitted | still_open),
        figures,
        {
            "tasks_received": received,
            "arrivals": received & Q(category=Category.ARRIVAL),
            "dispositions:*": submitted,
            "tasks_on_time": submitted & Q(submitted_at__lte=F("deadline")),
            "tasks_late": submitted & Q(submitted_at__gt=F("deadline")),
            "tasks_forwarded": received & Q(state__in=NOT_DELIVERED),
            "tasks_open": still_open,
            "tasks_overdue": still_open & Q(deadline__lt=end),
        },
        by="disposition",
    )
    _grouped(tasks.filter(received), "tasks_by_source", figures, by="batch__source__code")

    measures = Measure.objects.filter(place)
    opened = Q(opened_at__gt=start, opened_at__lte=end)
    released = Q(release_confirmed_at__gt=start, release_confirmed_at__lte=end)
    active_q = Q(opened_at__lte=end) & (Q(closed_at__isnull=True) | Q(closed_at__gt=end))
    _counted(
        measures.filter(opened | released | active_q),
        figures,
        {
            "opened:*": opened,
            "released": released,
            "active:*": active_q,
            "contacts": active_q & Q(category=MeasureCategory.CLOSE_CONTACT),
            "ending_tomorrow": active_q & Q(end_date=day + dt.timedelta(days=1)),
        },
        by="type",
    )
    checked = HealthCheck.objects.filter(measure=OuterRef("pk"), day=check_day)
    _grouped(
        measures.filter(active_q, start_date__lte=check_day).exclude(Exists(checked)), "unchecked", figures
    )

    checks = HealthCheck.objects.filter(place, recorded_at__gt=start, recorded_at__lte=end)
    _counted(checks, figures, {"checks": Q(), "abnormal": Q(abnormal=True)})
    open_loop = Q(picked_up_at__lte=end) & (Q(handed_over_at__isnull=True) | Q(handed_over_at__gt=end))
    fever = Q(reason=TransferReason.FEVER_CLINIC, created_at__gt=start, created_at__lte=end)
    # 未闭环: ordered and not yet closed (the list on the transfers page); a cancelled order is no loop.
    unclosed = (
        Q(created_at__lte=end)
        & (Q(closed_at__isnull=True) | Q(closed_at__gt=end))
        & ~Q(state=TransferState.CANCELLED)
    )
    _counted(
        Transfer.objects.filter(place).filter(fever | open_loop | unclosed),
        figures,
        {"fever_transfers": fever, "open_loops": open_loop, "unclosed_transfers": unclosed},
    )

    samples = Sample.objects.filter(place)
    sampled = Q(sampled_at__gt=start, sampled_at__lte=end)
    results = Q(result_at__gt=start, result_at__lte=end)
    pending = Q(sampled_at__lte=end) & (Q(result_at__isnull=True) | Q(result_at__gt=end))
    overdue = (
        Q(due_date__lt=day)
        & ~Q(status=SampleStatus.CANCELLED)
        & (Q(sampled_at__isnull=True) | Q(sampled_at__gt=end))
    )
    _counted(
        samples.filter(sampled | results | pending | overdue),
        figures,
        {
            "sampled": sampled,
            "negative": results & Q(status=SampleStatus.NEGATIVE),
            "positive": results & Q(status=SampleStatus.POSITIVE),
            "pending": pending,
            "samples_overdue": overdue,
        },
    )
    inbound_person = InboundArrival.objects.filter(person=OuterRef("person"))
    positive = samples.filter(results, status=SampleStatus.POSITIVE)
    _grouped(positive.filter(Exists(inbound_person)), "positive_imported", figures)

    arrivals = InboundArrival.objects.filter(place)
    _grouped(arrivals.filter(created_at__gt=start, created_at__lte=end), "inbound_new", figures)

    # Directives: the assignments each unit received, fell due, and still owed at the cut-off (a
    # completion report stops the clock, as in the supervision engine).
    got = Q(directive__issued_at__gt=start, directive__issued_at__lte=end)
    due = Q(deadline__gt=start, deadline__lte=end)
    owed = Q(directive__issued_at__lte=end, deadline__lt=end) & (
        Q(completed_at__isnull=True) | Q(completed_at__gt=end)
    )
    _counted(
        Assignment.objects.filter(place).filter(got | due | owed),
        figures,
        {"directives_received": got, "directives_due": due, "directives_overdue": owed},
    )
    _case_figures(start, end, unit_path, figures)
    return {village: {m: n for m, n in values.items() if n} for village, values in figures.items()}


def _case_figures(start: dt.datetime, end: dt.datetime, unit_path: str, figures: Figures) -> None:
    """确诊/疑似/无症状/境外输入 from the cases' classification history (a case counts on the day the
    CDC classified it), and the contact figures. Never from tests or self-reports."""
    place = path_prefix_q("case__unit_path", unit_path) if unit_path else Q()
    changes = ClassificationChange.objects.filter(place, at__gt=start, at__lte=end).annotate(
        village=Substr("case__unit_path", 1, 12)
    )
    infected = Q(to_classification__in=["confirmed", "asymptomatic"])
    rows = (
        changes.values("village")
        .annotate(
            confirmed=Count("pk", filter=Q(to_classification="confirmed")),
            suspected=Count("pk", filter=Q(to_classification="suspected")),
            asymptomatic=Count("pk", filter=Q(to_classification="asymptomatic")),
            imported=Count("pk", filter=infected & Q(case__source="abroad")),
        )
        .order_by()
    )
    for row in rows:
        for name in ("confirmed", "suspected", "asymptomatic", "imported"):
            figures[row["village"]][f"cases_{name}"] += row[name]
    contacts = Contact.objects.filter(path_prefix_q("unit_path", unit_path) if unit_path else Q())
    _counted(
        contacts.filter(Q(judged_at__lte=end) | Q(judged_at__isnull=True)),
        figures,
        {
            "contacts_new_close": Q(category="close", judged_at__gt=start, judged_at__lte=end),
            "contacts_managed": Q(state="managed", measure__state="active"),
            "contacts_untraced": Q(state="found") & ~Q(category=""),
        },
    )


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
