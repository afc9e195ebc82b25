"""Pages of major projects and economic indicators. Thin faces over services and queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.permissions import roles_of
from hongyixing.areas.models import AdminUnit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.projects import queries, services
from hongyixing.projects.choices import Sector, Stage
from hongyixing.projects.models import Indicator, Project


def _run(request: HttpRequest, action: Callable[[], Any], done: str | None = None) -> Any:
    try:
        result = action()
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
        return None
    if done:
        messages.success(request, done)
    return result if result is not None else True


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _month(value: str | None) -> dt.date | None:
    return _date(f"{value}-01") if value and len(value) == 7 else _date(value)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        post = request.POST

        def create() -> Project:
            spec = services.ProjectSpec(
                name=post.get("name", ""),
                investor=post.get("investor", ""),
                amount=services.decimal(post.get("amount", ""), "amount"),
                sector=post.get("sector", ""),
                unit_path=post.get("unit_path", ""),
                concentrated_start=post.get("concentrated_start") == "1",
                planned_start=_date(post.get("planned_start")),
                leader=post.get("leader", ""),
            )
            return services.do_create_project(request.user, spec)

        made = _run(request, create, _("Project created."))
        if isinstance(made, Project):
            return redirect("projects:project", made.pk)
    concentrated = request.GET.get("concentrated") == "1"
    ranking = queries.ranking(request.user)
    if concentrated:
        ranking = [(p, share) for p, share in ranking if p.concentrated_start]
    slipped = set(queries.slipped_milestones(request.user).values_list("project_id", flat=True))
    return render(
        request,
        "projects/list.html",
        {
            "ranking": ranking,
            "slipped": slipped,
            "concentrated": concentrated,
            "counts": queries.project_counts(request.user),
            "sectors": Sector.choices,
            "towns": AdminUnit.objects.filter(level__in=("district", "town")).order_by("path"),
            "may_create": request.user.is_superuser or bool(services.EDITOR_ROLES & roles_of(request.user)),
        },
    )


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.restrict(request.user), pk=project_id)
    if request.method == "POST":
        post, user = request.POST, request.user
        action = post.get("action")
        if action == "stage":
            _run(
                request,
                lambda: services.do_set_stage(user, project, post.get("stage", "")),
                _("Stage recorded."),
            )
        elif action == "milestone":
            _run(
                request,
                lambda: services.do_add_milestone(
                    user, project, post.get("name", ""), _date(post.get("planned"))
                ),
                _("Milestone added."),
            )
        elif action == "reached":
            milestone = get_object_or_404(project.milestones, pk=_int(post.get("milestone")))
            _run(
                request,
                lambda: services.do_reach_milestone(user, milestone, _date(post.get("actual"))),
                _("Recorded."),
            )
        elif action == "investment":
            month = _month(post.get("month"))

            def record() -> Any:
                if month is None:
                    raise DomainError("investment.no_month", _("Choose the month."), "month")
                return services.do_record_investment(
                    user,
                    project,
                    month,
                    services.decimal(post.get("planned", "0"), "planned"),
                    services.decimal(post.get("actual", "0"), "actual"),
                )

            _run(request, record, _("Recorded."))
        return redirect("projects:project", project.pk)
    today = timezone.localdate()
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "milestones": project.milestones.order_by("planned"),
            "investments": project.investments.order_by("month"),
            "stages": Stage.choices,
            "today": today,
            "may_edit": services.may_edit(request.user, project.unit_path),
        },
    )


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if request.method == "POST" and isinstance(upload, UploadedFile):
        done = _run(
            request, lambda: services.do_import_values(request.user, upload.read(), upload.name or "file")
        )
        if isinstance(done, tuple):
            messages.success(request, _("%(n)d figures recorded.") % {"n": done[0]})
            for row in done[1][:20]:
                messages.error(request, f"{row['row']}: {row['message']}")
        return redirect("projects:indicators")
    if request.method == "POST":
        post = request.POST
        indicator = get_object_or_404(Indicator, pk=_int(post.get("indicator")))
        unit_path = post.get("unit_path", "")
        if post.get("action") == "target":
            _run(
                request,
                lambda: services.do_set_target(
                    request.user,
                    indicator,
                    unit_path,
                    _int(post.get("year")),
                    services.decimal(post.get("target", ""), "target"),
                ),
                _("Target recorded."),
            )
        else:
            period = _month(post.get("period"))

            def record() -> Any:
                if period is None:
                    raise DomainError("indicator.no_period", _("Choose the month."), "period")
                return services.do_record_value(
                    request.user,
                    indicator,
                    unit_path,
                    period,
                    services.decimal(post.get("value", ""), "value"),
                )

            _run(request, record, _("Recorded."))
        return redirect("projects:indicators")
    rows = queries.indicator_rows(request.user, _month(request.GET.get("period")))
    names = dict(AdminUnit.objects.filter(path__in={r.unit_path for r in rows}).values_list("path", "name"))
    return render(
        request,
        "projects/indicators.html",
        {
            "rows": [(r, names.get(r.unit_path, r.unit_path)) for r in rows],
            "behind_only": request.GET.get("behind") == "1",
            "indicators": Indicator.objects.order_by("code"),
            "units": AdminUnit.objects.filter(level__in=("district", "town")).order_by("path"),
            "may_edit": request.user.is_superuser or bool(services.EDITOR_ROLES & roles_of(request.user)),
            "year": timezone.localdate().year,
        },
    )
