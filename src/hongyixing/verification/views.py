"""Pages of the verification pipeline: intake and batches (district), the town desk, the grid
worker's phone list and task page, the supervision list. Thin faces over services and queries."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core import lists, offline
from hongyixing.core.errors import DomainError
from hongyixing.core.history import events_of
from hongyixing.core.scope import scope_for
from hongyixing.exchange.errors import ExchangeError
from hongyixing.notices.services import unread as unread_notices
from hongyixing.people.models import Person
from hongyixing.verification import queries, services, worklists
from hongyixing.verification.choices import RowStatus, TaskState
from hongyixing.verification.exports import batch_export_response
from hongyixing.verification.feedback_input import feedback_from
from hongyixing.verification.forms import FeedbackForm, RouteForm, TransitionForm, UploadForm
from hongyixing.verification.intake import intake_file
from hongyixing.verification.models import PushBatch, PushRow, VerificationTask

MAX_UPLOAD_BYTES = 20 * 2**20


def _can_receive_lists(user: Any) -> bool:
    return scope_for(user, "change").covers_path(services.DISTRICT_PATH)


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user, "view").covers_path(services.DISTRICT_PATH):
        return redirect("verification:desk")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not _can_receive_lists(request.user):
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
            else:
                try:
                    result = intake_file(
                        request.user,
                        form.cleaned_data["source"],
                        upload.read(),
                        upload.name,
                        category=form.cleaned_data["category"],
                        title=form.cleaned_data["title"],
                    )
                except ExchangeError as refusal:
                    form.add_error("file", refusal.message)
                else:
                    if result.duplicate:
                        messages.warning(
                            request,
                            _("This file was already received: it is batch %(title)s.")
                            % {"title": result.batch.title},
                        )
                    return redirect("verification:batch", batch_id=result.batch.pk)
    listing = PushBatch.objects.restrict(request.user).select_related("source").order_by("-received_at")[:100]
    return render(
        request,
        "verification/batches.html",
        {"form": form, "batches": listing, "can_upload": _can_receive_lists(request.user)},
    )


def _batch(request: HttpRequest, batch_id: int) -> PushBatch:
    return get_object_or_404(PushBatch.objects.restrict(request.user).select_related("source"), pk=batch_id)


@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    within = request.GET.get("within", "")
    within = within if within.isdigit() and len(within) in (9, 12) else ""
    progress = queries.batch_progress(request.user, batch, within=within)
    totals = progress if not within else queries.batch_progress(request.user, batch)
    can_route = _can_receive_lists(request.user)
    labels = queries.grid_labels(request.user) if can_route else []
    context = {
        "batch": batch,
        "progress": progress,
        "within": within,
        "within_unit": AdminUnit.objects.filter(path=within).first() if within else None,
        "total": sum(p.total for p in totals),
        "on_time": sum(p.on_time for p in totals),
        "late": sum(p.late for p in totals),
        "overdue": sum(p.overdue_open for p in totals),
        "rows": queries.row_counts(batch),
        "can_export_full": scope_for(request.user, "export").covers_path(batch.unit_path)
        and scope_for(request.user, "reveal").covers_path(batch.unit_path),
        "dispositions": queries.disposition_counts(request.user, batch),
        "manual": queries.manual_queue(request.user, batch, labels) if can_route else [],
        "manual_rows": queries.rows_with_status(batch, RowStatus.MANUAL) if not can_route else [],
        "grid_options": labels,
        "attention": queries.rows_with_status(batch, RowStatus.ATTENTION),
        "outside": queries.rows_with_status(batch, RowStatus.OUTSIDE),
        "warned": batch.rows.exclude(warnings=[]).order_by("row_number")[:200],
        "can_route": can_route,
    }
    return render(request, "verification/batch.html", context)


def _picked_grid(request: HttpRequest) -> Grid | None:
    form = RouteForm(request.POST)
    if not form.is_valid():
        return None
    grids = Grid.objects.restrict(request.user)
    if form.cleaned_data.get("grid"):
        return grids.filter(pk=form.cleaned_data["grid"]).first()
    code = (form.cleaned_data.get("grid_pick") or "").strip().split(" ")[0]
    return grids.filter(code=code).first() if code else None


def _place(request: HttpRequest, row: PushRow, grid: Grid) -> bool:
    try:
        _task, created = services.do_route_manually(request.user, row, grid)
    except DomainError as error:
        messages.error(request, error.message)
        return False
    if not created:
        messages.warning(
            request, _("%(name)s already has an open task; the row was merged into it.") % {"name": row.name}
        )
    return True


@login_required
@require_POST
def route_row(request: HttpRequest, batch_id: int, row_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    if not _can_receive_lists(request.user):
        raise PermissionDenied
    row = get_object_or_404(PushRow.objects.filter(batch=batch), pk=row_id)
    grid = _picked_grid(request)
    if grid is None:
        messages.error(request, _("Choose a grid."))
    elif _place(request, row, grid):
        messages.success(
            request, _("%(name)s was placed in %(grid)s.") % {"name": row.name, "grid": grid.name}
        )
    return redirect(reverse("verification:batch", args=[batch.pk]) + "#manual")


@login_required
@require_POST
def route_rows(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Bulk placement: the ticked rows of the manual queue into one grid."""
    batch = _batch(request, batch_id)
    if not _can_receive_lists(request.user):
        raise PermissionDenied
    grid = _picked_grid(request)
    ids = lists.selected_ids(request)
    if grid is None or not ids:
        messages.error(request, _("Tick the rows and choose a grid."))
    else:
        placed = sum(
            _place(request, row, grid)
            for row in PushRow.objects.filter(batch=batch, pk__in=ids, status=RowStatus.MANUAL).order_by(
                "row_number"
            )
        )
        messages.success(
            request, _("%(count)d rows were placed in %(grid)s.") % {"count": placed, "grid": grid.name}
        )
    return redirect(reverse("verification:batch", args=[batch.pk]) + "#manual")


@login_required
def batch_export(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    if not scope_for(request.user, "export").covers_path(batch.unit_path):
        raise Http404
    if request.method == "POST":
        # Full values: the reveal and export rights and a reason (checked and logged in services).
        try:
            return batch_export_response(request.user, batch, request.POST.get("reason", ""))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("verification:batch", batch_id=batch.pk)
    return batch_export_response(request.user, batch)


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """The town's or village's desk: tasks waiting for a grid first, then the work list."""
    spec = worklists.task_list_spec(request.user)
    tasks = worklists.task_queryset(request.user, request.GET)
    if request.GET.get("export") == "xlsx":
        if scope_for(request.user, "export").is_empty:
            raise PermissionDenied
        return lists.export_response(request.user, request, tasks, spec)
    waiting, waiting_total = queries.waiting_tasks(request.user)
    return render(
        request,
        "verification/desk.html",
        {
            "list": lists.build_list(request, tasks, spec),
            "waiting": waiting,
            "waiting_total": waiting_total,
            "counts": queries.state_counts(request.user),
            "can_export": not scope_for(request.user, "export").is_empty,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def desk_bulk(request: HttpRequest) -> HttpResponse:
    """Accept or return the ticked tasks; each one goes through the same checks as on its own page."""
    action = request.POST.get("action", "")
    if action not in ("accept", "return"):
        messages.error(request, _("The request was not understood."))
        return redirect("verification:desk")
    ids = lists.selected_ids(request)
    done = refused = 0
    for task in VerificationTask.objects.restrict(request.user, "change").filter(pk__in=ids).order_by("id"):
        try:
            services.check_transition(request.user, task, action, expected_version=task.version)
        except DomainError:
            refused += 1
        else:
            done += 1
    refused += len(ids) - done - refused
    messages.success(request, _("%(done)d tasks done.") % {"done": done})
    if refused:
        messages.warning(
            request, _("%(count)d tasks could not take this step in their state.") % {"count": refused}
        )
    back = request.POST.get("back", "")
    return redirect(reverse("verification:desk") + (back if back.startswith("?") else ""))


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    spec = worklists.task_list_spec(request.user)
    spec.bulk_actions = []
    tasks = worklists.task_queryset(request.user, request.GET, mine=True)
    notices = unread_notices(request.user)
    return render(
        request,
        "verification/my_tasks.html",
        {"list": lists.build_list(request, tasks, spec), "now": timezone.now(), "notices": notices},
    )


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "verification/supervision.html",
        {"tasks": queries.supervision_list(request.user)[:300], "now": timezone.now()},
    )


def _task(request: HttpRequest, task_id: int, action: str = "view") -> VerificationTask:
    return get_object_or_404(
        VerificationTask.objects.restrict(request.user, action).select_related(
            "grid", "batch__source", "person"
        ),
        pk=task_id,
    )


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    person = task.person
    household_members = []
    if person is not None and person.household_id:
        household_members = list(
            Person.objects.restrict(request.user)
            .filter(household_id=person.household_id)
            .exclude(pk=person.pk)
            .order_by("id")[:20]
        )
    rows = list(task.rows.select_related("batch").order_by("id")[:10])
    form = FeedbackForm(initial={"client_id": uuid.uuid4().hex})
    events = events_of(task)
    return render(
        request,
        "verification/task.html",
        {
            "task": task,
            "person": person,
            "members": household_members,
            "rows": rows,
            "form": form,
            "actions": services.allowed_actions(request.user, task),
            "events": events,
            "feedback": task.feedback.order_by("-submitted_at").first(),
            "grids": queries.grids_for_choice(request.user),
            "waiting_reason": rows[0].route_reason if rows and task.state == TaskState.WAITING else "",
            "can_submit": task.in_scope(request.user, "change")
            and task.state in services.TRANSITIONS["submit"],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def task_feedback(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id, "change")
    form = FeedbackForm(request.POST, request.FILES)
    if form.is_valid():
        data = feedback_from(form.cleaned_data)
        try:
            _feedback, created = services.submit_feedback(request.user, task, data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            offline.mark_saved(request)
            messages.success(
                request, _("Feedback saved.") if created else _("This feedback was already saved.")
            )
            return redirect("verification:my_tasks")
    else:
        messages.error(
            request,
            _("Check the form: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[f].label if f in form.fields else ''} {' '.join(str(x) for x in e)}"
                    for f, e in form.errors.items()
                )
            },
        )
    return redirect("verification:task", task_id=task.pk)


@login_required
@require_POST
def task_transition(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id, "change")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request was not understood."))
        return redirect("verification:task", task_id=task.pk)
    grid = None
    if form.cleaned_data.get("grid"):
        grid = Grid.objects.restrict(request.user).filter(pk=form.cleaned_data["grid"]).first()
        if grid is None and form.cleaned_data["action"] != "forward":
            raise Http404
        if grid is None:
            # Forwarding hands the task to another town: any grid of the district may receive it.
            grid = Grid.objects.filter(
                pk=form.cleaned_data["grid"], unit_path__startswith=services.DISTRICT_PATH
            ).first()
    try:
        services.check_transition(
            request.user,
            task,
            form.cleaned_data["action"],
            note=form.cleaned_data["note"],
            grid=grid,
            forwarded_to=form.cleaned_data["forwarded_to"],
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    if form.cleaned_data.get("next") == "desk":
        return redirect(reverse("verification:desk") + "#waiting")
    return redirect("verification:task", task_id=task.pk)


@login_required
@require_POST
def task_call(request: HttpRequest, task_id: int) -> HttpResponse:
    """The phone number to call, for the person on the caller's own task: purpose-bound and logged."""
    task = _task(request, task_id, "change")
    return render(
        request, "verification/_call.html", {"numbers": services.numbers_to_call(request.user, task)}
    )
