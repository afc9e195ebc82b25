"""The daily report page (any unit in scope, any date; file/correct; Word and Excel) and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.areas.models import AdminUnit
from hongyixing.areas.queries import visible_roots
from hongyixing.core.downloads import content_disposition
from hongyixing.core.errors import DomainError
from hongyixing.reports import documents, queries, services
from hongyixing.reports.economy import economy_cards
from hongyixing.reports.models import DailyReport, ReportState


def _day(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()  # today's report: live until the cut-off, then final
    if not dt.date(2019, 12, 1) <= day <= timezone.localdate() + dt.timedelta(days=1):
        return timezone.localdate()
    return day


def _unit(request: HttpRequest, path: str | None) -> AdminUnit | None:
    if path:
        return get_object_or_404(AdminUnit.objects.restrict(request.user), path=path)
    roots, _grids = visible_roots(request.user)
    return min(roots, key=lambda u: len(u.path)) if roots else None


@login_required
def daily_report(request: HttpRequest, path: str | None = None) -> HttpResponse:
    unit = _unit(request, path)
    if unit is None:  # a grid's worker or a site's manager: no unit of theirs files a report
        return render(request, "reports/no_unit.html")
    day = _day(request)
    report = queries.build_report(request.user, unit, day)
    fmt = request.GET.get("format")
    filed = next((r for r in report.signed if r.state == ReportState.SIGNED), None)
    if fmt == "docx":
        response = HttpResponse(
            documents.report_docx(report, filed),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = content_disposition(
            f"{unit.name}疫情防控日报-{day}.docx", f"daily-report-{unit.path}-{day}.docx"
        )
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            documents.report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition(
            f"{unit.name}疫情防控日报-{day}.xlsx", f"daily-report-{unit.path}-{day}.xlsx"
        )
        return response
    return render(
        request,
        "reports/daily.html",
        {
            "report": report,
            "unit": unit,
            "day": day,
            "filed": filed,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "can_file": unit.in_scope(request.user, "change") and timezone.now() >= report.end,
            "economy": economy_cards(request.user),
        },
    )


@login_required
@require_POST
def file_report(request: HttpRequest, path: str) -> HttpResponse:
    unit = get_object_or_404(AdminUnit.objects.restrict(request.user, "change"), path=path)
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("Choose a date."))
        return redirect("reports:unit_daily", path=unit.path)
    try:
        services.do_sign_report(
            request.user,
            unit,
            day,
            compiled_by=request.POST.get("compiled_by", ""),
            reviewed_by=request.POST.get("reviewed_by", ""),
            problems=request.POST.get("problems", ""),
            next_steps=request.POST.get("next_steps", ""),
            correction_reason=request.POST.get("correction_reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is filed."))
    return redirect(f"{request.path.rsplit('file/', 1)[0]}?day={day.isoformat()}")


@login_required
def filed_report(request: HttpRequest, report_id: int) -> HttpResponse:
    filed = get_object_or_404(
        DailyReport.objects.restrict(request.user).select_related("unit", "signed_by"), pk=report_id
    )
    return render(request, "reports/filed.html", {"filed": filed, "figures": filed.figures})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = queries.dashboard(request.user)
    context["economy"] = economy_cards(request.user)
    return render(request, "reports/dashboard.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what each of the user's roles has to do now, then the top of their jurisdiction."""
    from hongyixing.accounts.permissions import grants_of
    from hongyixing.reports.home import home_sections

    units, grids = visible_roots(request.user)
    sections = home_sections(request.user)
    grants = grants_of(request.user)
    # An enterprise's contact finds nobody in the register (the menu has no search for them either).
    can_search = request.user.is_superuser or any(g.role != "enterprise" for g in grants)
    context = {
        "units": units,
        "grids": grids,
        "grants": grants,
        "sections": sections,
        "can_search": can_search,
    }
    return render(request, "home.html", context)
