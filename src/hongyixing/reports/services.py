"""Closing reporting days and signing daily reports (snapshots, versions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.areas.models import AdminUnit
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import scope_for
from hongyixing.notices.services import announce
from hongyixing.reports import metrics
from hongyixing.reports.models import ClosedDay, DailyReport, DailyStat, ReportState
from hongyixing.reports.queries import build_report

SIGNING_ROLES = {Role.TOWN_OFFICER, Role.DISTRICT_OFFICE, Role.VILLAGE_CADRE}


@transaction.atomic
def do_close_day(day: dt.date, now: dt.datetime | None = None) -> int:
    """Store a finished day's figures for every village; a day already closed is left alone."""
    now = now or timezone.now()
    if metrics.window(day)[1] > now:
        raise DomainError("report.day_open", _("The day's cut-off has not passed yet."))
    if ClosedDay.objects.filter(day=day).exists():
        return 0
    figures = metrics.compute(day)
    rows = [
        DailyStat(day=day, village_path=village, metric=metric, value=value)
        for village, values in figures.items()
        for metric, value in values.items()
        if value
    ]
    DailyStat.objects.bulk_create(rows, batch_size=2000)
    closed = ClosedDay.objects.create(day=day, closed_at=now)
    # The stored rows are derived (recomputable from the records); the event says when and how many.
    audit.emit("report.day_closed", closed, None, data={"day": day.isoformat(), "rows": len(rows)})
    return len(rows)


def do_sign_report(
    actor: Any,
    unit: AdminUnit,
    day: dt.date,
    *,
    compiled_by: str,
    problems: str = "",
    next_steps: str = "",
    reviewed_by: str = "",
    correction_reason: str = "",
) -> DailyReport:
    """File the unit's report for the day: the figures are frozen in the row; filing again is a
    correction (a new version with a reason) and the earlier version stays readable."""
    with transaction.atomic():
        if not scope_for(actor, "change").covers_path(unit.path):
            raise Http404
        if not (actor.is_superuser or roles_of(actor) & SIGNING_ROLES):
            raise DomainError("report.not_allowed", _("Town and district officers file daily reports."))
        cutoff = metrics.window(day)[1]
        if timezone.now() < cutoff:
            raise DomainError("report.before_cutoff", _("A day's report is filed after its cut-off."))
        if not compiled_by.strip():
            raise DomainError("report.no_compiler", _("Enter who compiled the report."))
        previous = (
            DailyReport.objects.select_for_update()
            .filter(unit=unit, day=day, state=ReportState.SIGNED)
            .order_by("-version")
            .first()
        )
        if previous is not None and not correction_reason.strip():
            raise DomainError(
                "report.needs_reason", _("This day is already filed: give the reason for the correction.")
            )
        report = build_report(actor, unit, day)
        snapshot = report.snapshot()
        filed = DailyReport.objects.create(
            unit=unit,
            unit_path=unit.path,
            day=day,
            version=previous.version + 1 if previous else 1,
            cutoff=cutoff,
            figures=snapshot,
            zero_report=report.is_zero,
            problems=problems.strip()[:4000],
            next_steps=next_steps.strip()[:4000],
            compiled_by=compiled_by.strip()[:60],
            reviewed_by=reviewed_by.strip()[:60],
            signed_by=actor,
            signed_at=timezone.now(),
            correction_reason=correction_reason.strip()[:200],
        )
        if previous is not None:
            before = audit.snapshot(previous)
            DailyReport.objects.filter(pk=previous.pk).update(state=ReportState.SUPERSEDED)
            previous.state = ReportState.SUPERSEDED
            audit.log_update(actor, previous, before)
        audit.log_create(actor, filed)
        audit.emit("report.signed", filed, actor, data={"day": day.isoformat(), "version": filed.version})
        if len(unit.path) <= 6:
            announce("report.signed", report.summary_text())
        return filed
