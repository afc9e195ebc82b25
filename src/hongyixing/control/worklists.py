"""The control lists as work lists (``core.lists``): measures, alerts, tests and transfers — what
each filters on, how it sorts, what its export carries (personal data masked), which bulk steps
it offers. Every filter is a condition on an indexed column of the list's own table (state, type,
unit path, due date) or an index-backed anti-join; nothing is filtered in Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hongyixing.areas.listfilters import town_filter, village_filter
from hongyixing.control.choices import (
    AlertKind,
    AlertState,
    MeasureCategory,
    MeasureState,
    MeasureType,
    SampleStatus,
    TransferReason,
    TransferState,
)
from hongyixing.control.models import Alert, HealthCheck, Measure, Sample, Transfer, TransferPerson
from hongyixing.control.queries import URGENT_ALERTS
from hongyixing.core.lists import Column, Filter, ListSpec, Sort, one_of

ENDING_SOON_DAYS = 2
MISSING_COUNT_CAP = 1000
OPEN_TRANSFER_STATES = (TransferState.SCHEDULED, TransferState.PICKED_UP, TransferState.HANDED_OVER)


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _choices(enum: Any) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in enum.choices]


# --- Measures ------------------------------------------------------------------------------------


def measure_spec(user: Any) -> ListSpec:
    today = timezone.localdate()
    types, categories, states = _choices(MeasureType), _choices(MeasureCategory), _choices(MeasureState)
    soon = [("1", _("Ending within %(days)d days") % {"days": ENDING_SOON_DAYS})]
    missing = [("1", _("No check recorded today"))]
    running = Q(state=MeasureState.ACTIVE, start_date__lte=today, end_date__gte=today)
    checked_today = HealthCheck.objects.filter(measure=OuterRef("pk"), day=today)
    # The same "no check today" as a scalar probe per measure (a check's measure, or NULL) through
    # the (day, measure) index: never planned as a hash of the whole day's checks (285,000 measures
    # under the stress load: a parallel hash of 256,000 checks, 99 ms in SQL, for a count that stops
    # at the cap after ~10,000 probes, 21 ms). The page's rows keep the anti-join: with the list's
    # order served by an index it is probed per row too, and for an order no index serves (by name)
    # a hash of the day is the cheaper way to find every match.
    first_check_today = Subquery(checked_today.order_by().values("measure_id")[:1])
    return ListSpec(
        filters=[
            Filter("type", _("Measure"), types, one_of(types, lambda v: Q(type=v))),
            Filter("category", _("Category"), categories, one_of(categories, lambda v: Q(category=v))),
            Filter("state", _("State"), states, one_of(states, lambda v: Q(state=v)), MeasureState.ACTIVE),
            town_filter(user),
            village_filter(user),
            Filter(
                "ending",
                _("Ending soon"),
                soon,
                one_of(
                    soon,
                    lambda v: Q(
                        state=MeasureState.ACTIVE,
                        end_date__gte=today,
                        end_date__lte=today + dt.timedelta(days=ENDING_SOON_DAYS),
                    ),
                ),
            ),
            Filter(
                "missing",
                _("Checks today"),
                missing,
                one_of(missing, lambda v: running & ~Q(Exists(checked_today))),
                # An anti-join of every running measure with today's checks: counted up to the cap
                # (285,000 measures under the stress load: 440 ms for the exact count), by probes.
                count_cap=MISSING_COUNT_CAP,
                count_apply=one_of(missing, lambda v: running & Q(IsNull(first_check_today, True))),
            ),
        ],
        sorts=[
            Sort("end", _("Ending first"), ("end_date",)),
            Sort("start", _("Newest first"), ("-start_date",)),
            Sort("name", _("Name"), ("person__name",)),
        ],
        columns=[
            Column(_("Name"), lambda m: m.person.name),
            Column(_("ID number"), lambda m: m.person.document_masked),
            Column(_("Measure"), lambda m: m.get_type_display()),
            Column(_("Category"), lambda m: m.get_category_display()),
            Column(_("State"), lambda m: m.get_state_display()),
            Column(pgettext_lazy("start date", "Start"), lambda m: _day(m.start_date)),
            Column(_("End"), lambda m: _day(m.end_date)),
            Column(_("Grid"), lambda m: m.grid.name if m.grid else ""),
        ],
        export_name="control-measures",
        export_reason=_("Control measure list"),
    )


def measure_queryset(user: Any, action: str = "view") -> QuerySet[Measure]:
    return Measure.objects.restrict(user, action).select_related("person", "grid")


# --- Alerts --------------------------------------------------------------------------------------


def alert_spec(user: Any) -> ListSpec:
    kinds, states = _choices(AlertKind), _choices(AlertState)
    return ListSpec(
        filters=[
            Filter("kind", _("Kind"), kinds, one_of(kinds, lambda v: Q(kind=v))),
            Filter("state", _("State"), states, one_of(states, lambda v: Q(state=v)), AlertState.OPEN),
            town_filter(user),
        ],
        sorts=[
            Sort("urgent", _("Urgent first"), ("urgent", "-created_at")),
            Sort("newest", _("Newest first"), ("-created_at",)),
            Sort("oldest", _("Oldest first"), ("created_at",)),
        ],
        columns=[
            Column(_("Raised"), lambda a: _local(a.created_at)),
            Column(_("Kind"), lambda a: a.get_kind_display()),
            Column(_("State"), lambda a: a.get_state_display()),
            Column(_("Message"), lambda a: a.message),
            Column(_("Handled by"), lambda a: str(a.handled_by) if a.handled_by else ""),
            Column(_("Note"), lambda a: a.note),
        ],
        bulk_actions=[("acknowledged", _("Acknowledge selected")), ("closed", _("Close selected"))],
        export_name="control-alerts",
        export_reason=_("Alert list"),
    )


def alert_queryset(user: Any, action: str = "view") -> QuerySet[Alert]:
    return (
        Alert.objects.restrict(user, action)
        .select_related("measure", "person", "transfer", "handled_by")
        .annotate(urgent=Case(When(kind__in=URGENT_ALERTS, then=Value(0)), default=Value(1)))
    )


# --- Tests ---------------------------------------------------------------------------------------

OPEN_SAMPLES = (SampleStatus.SCHEDULED, SampleStatus.SAMPLED)


def sample_spec(user: Any) -> ListSpec:
    today = timezone.localdate()
    statuses = [("open", _("Not yet resulted")), *_choices(SampleStatus)]
    due = [("overdue", _("Overdue")), ("today", _("Due today")), ("coming", _("Due in the next 7 days"))]
    days = [
        ((today + dt.timedelta(days=n)).isoformat(), (today + dt.timedelta(days=n)).strftime("%m-%d"))
        for n in range(-7, 8)
    ]
    due_q = {
        "overdue": Q(status=SampleStatus.SCHEDULED, due_date__lt=today),
        "today": Q(status=SampleStatus.SCHEDULED, due_date=today),
        "coming": Q(
            status=SampleStatus.SCHEDULED, due_date__gt=today, due_date__lte=today + dt.timedelta(days=7)
        ),
    }
    return ListSpec(
        filters=[
            Filter(
                "status",
                _("Status"),
                statuses,
                one_of(statuses, lambda v: Q(status__in=OPEN_SAMPLES) if v == "open" else Q(status=v)),
                "open",
            ),
            Filter("due", _("Due"), due, one_of(due, lambda v: due_q[v])),
            Filter("day", _("Day"), days, one_of(days, lambda v: Q(due_date=dt.date.fromisoformat(v)))),
            town_filter(user),
            village_filter(user),
        ],
        sorts=[
            Sort("due", _("Due first"), ("due_date",)),
            Sort("latest", _("Latest due"), ("-due_date",)),
            Sort("name", _("Name"), ("person__name",)),
        ],
        columns=[
            Column(_("Name"), lambda s: s.person.name),
            Column(_("ID number"), lambda s: s.person.document_masked),
            Column(_("Due"), lambda s: _day(s.due_date)),
            Column(_("Status"), lambda s: s.get_status_display()),
            Column(_("Tube barcode"), lambda s: s.barcode or ""),
            Column(_("Sampled"), lambda s: _local(s.sampled_at)),
            Column(_("Laboratory"), lambda s: s.lab),
        ],
        export_name="control-tests",
        export_reason=_("Test list"),
    )


def sample_queryset(user: Any, action: str = "view") -> QuerySet[Sample]:
    return Sample.objects.restrict(user, action).select_related("person", "measure")


# --- Transfers -----------------------------------------------------------------------------------


def transfer_spec(user: Any) -> ListSpec:
    reasons = [("open", _("Loop not closed")), *_choices(TransferState)]
    kinds = _choices(TransferReason)
    late = [("1", _("Picked up, not handed over in time"))]
    limit = timezone.now() - dt.timedelta(minutes=settings.TRANSFER_OPEN_LOOP_MINUTES)
    return ListSpec(
        filters=[
            Filter("kind", _("Reason"), kinds, one_of(kinds, lambda v: Q(reason=v))),
            Filter(
                "state",
                _("State"),
                reasons,
                one_of(reasons, lambda v: Q(state__in=OPEN_TRANSFER_STATES) if v == "open" else Q(state=v)),
                "open",
            ),
            Filter(
                "loop",
                _("Open loop"),
                late,
                one_of(late, lambda v: Q(state=TransferState.PICKED_UP, picked_up_at__lt=limit)),
            ),
        ],
        sorts=[
            Sort("state", _("State"), ("state", "scheduled_at")),
            Sort("newest", _("Newest first"), ("-scheduled_at",)),
            Sort("number", _("Order number"), ("number",)),
        ],
        columns=[
            Column(_("Order number"), lambda t: t.number),
            Column(_("Reason"), lambda t: t.get_reason_display()),
            Column(_("From"), lambda t: t.from_place),
            Column(_("To"), lambda t: t.to_place),
            Column(_("Persons"), lambda t: t.persons or 0),
            Column(_("State"), lambda t: t.get_state_display()),
            Column(_("Scheduled pick-up"), lambda t: _local(t.scheduled_at)),
            Column(_("Picked up"), lambda t: _local(t.picked_up_at)),
        ],
        decorate=_with_persons,
        export_name="control-transfers",
        export_reason=_("Transfer list"),
    )


def _with_persons(transfers: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """The persons carried, counted for the page's rows only (not in the list's COUNT)."""
    carried = (
        TransferPerson.objects.filter(transfer=OuterRef("pk"))
        .order_by()
        .values("transfer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return transfers.annotate(persons=Subquery(carried, output_field=IntegerField()))


def transfer_queryset(user: Any, action: str = "view") -> QuerySet[Transfer]:
    return Transfer.objects.restrict(user, action)


# --- The person list's filter of control's own records ------------------------------------------------


def active_measure_filter(user: Any) -> Filter:
    """For ``people.worklists``: who is (not) under an active measure, by ``EXISTS`` on the
    measure's person index (registered from ``ControlConfig.ready``)."""
    choices = [("1", _("Under an active measure")), ("0", _("No active measure"))]
    active = Exists(Measure.objects.filter(person=OuterRef("pk"), state=MeasureState.ACTIVE))
    return Filter(
        "measure",
        _("Control measure"),
        choices,
        one_of(choices, lambda v: Q(active) if v == "1" else ~Q(active)),
    )
