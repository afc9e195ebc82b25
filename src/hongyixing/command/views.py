"""Pages of the command centre: groups and duty, directives and assignments, the supervision list
(screening campaigns are in ``screening_views``). Thin faces over services and queries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts.models import User
from hongyixing.areas.models import AdminUnit
from hongyixing.command import queries, services, worklists
from hongyixing.command.choices import FieldKind
from hongyixing.command.forms import (
    ActForm,
    DirectiveForm,
    GroupForm,
    MemberForm,
    ShiftForm,
)
from hongyixing.command.models import (
    Assignment,
    AssignmentNote,
    Directive,
    DirectiveAttachment,
    DutyShift,
    GroupMember,
    WorkingGroup,
)
from hongyixing.command.supervision import supervision_items
from hongyixing.command.view_helpers import can_export, export_list, form_errors
from hongyixing.core import lists
from hongyixing.core.errors import DomainError
from hongyixing.core.history import events_of
from hongyixing.core.scope import scope_for


def _user_choices(unit: AdminUnit) -> list[tuple[int, str]]:
    return [(u.pk, f"{u} ({u.username})") for u in queries.staff_choices(unit)]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    board = supervision_items(request.user, limit=10)
    return render(
        request,
        "command/home.html",
        {
            "on_duty": list(queries.on_duty(request.user, now)[:30]),
            "assignments": list(queries.my_assignments(request.user)[:10]),
            "board": board,
            "campaigns": list(queries.campaigns(request.user)[:5]),
            "now": now,
        },
    )


# --- Groups ------------------------------------------------------------------------------------


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    units = [u for u in queries.command_units(request.user) if services.may_change(request.user, u.path)]
    listing = list(queries.groups(request.user))
    missing = [u for u in units if not any(g.unit_id == u.pk for g in listing)]
    return render(request, "command/groups.html", {"groups": listing, "missing": missing})


@login_required
@require_POST
def groups_defaults(request: HttpRequest) -> HttpResponse:
    unit = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "change"), pk=request.POST.get("unit") or 0
    )
    if unit not in queries.command_units(request.user):
        raise Http404
    created = services.check_ensure_default_groups(request.user, unit)
    messages.success(request, _("%(n)d groups created.") % {"n": created})
    return redirect("command:groups")


def _group(request: HttpRequest, group_id: int, action: str = "view") -> WorkingGroup:
    return get_object_or_404(
        WorkingGroup.objects.restrict(request.user, action).select_related("unit"), pk=group_id
    )


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    can_edit = services.may_change(request.user, group.unit_path)
    context: dict[str, Any] = {
        "group": group,
        "members": group.members.select_related("user").order_by("role", "id"),
        "can_edit": can_edit,
        "shifts": queries.on_duty(request.user).filter(group=group),
    }
    if can_edit:
        context["form"] = GroupForm(
            initial={
                "version": group.version,
                "name": group.name,
                "lead_unit": group.lead_unit,
                "duties": group.duties,
                "position": group.position,
            }
        )
        context["member_form"] = MemberForm(users=_user_choices(group.unit))
    return render(request, "command/group.html", context)


@login_required
@require_POST
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id, "change")
    form = GroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": form_errors(form)})
    else:
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.do_update_group(request.user, group, version, **data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("command:group", group_id=group.pk)


@login_required
@require_POST
def member_add(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id, "change")
    form = MemberForm(request.POST, users=_user_choices(group.unit))
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": form_errors(form)})
    else:
        user = get_object_or_404(User, pk=form.cleaned_data["user"])
        try:
            services.do_add_member(
                request.user,
                group,
                user,
                form.cleaned_data["role"],
                post=form.cleaned_data["post"],
                phone=form.cleaned_data["phone"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("command:group", group_id=group.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, group_id: int, member_id: int) -> HttpResponse:
    group = _group(request, group_id, "change")
    member = get_object_or_404(GroupMember.objects.filter(group=group), pk=member_id)
    services.do_remove_member(request.user, member)
    messages.success(request, _("Removed."))
    return redirect("command:group", group_id=group.pk)


# --- Duty ----------------------------------------------------------------------------------------


def _duty_units(user: Any) -> list[AdminUnit]:
    """The units whose roster the user keeps: their command units and the towns below them."""
    units = queries.command_units(user)
    below = AdminUnit.objects.restrict(user, "change").filter(
        level="town", parent_id__in=[u.pk for u in units if u.level in ("city", "district")]
    )
    return [u for u in [*units, *below.order_by("path")] if services.may_change(user, u.path)]


@login_required
def duty(request: HttpRequest) -> HttpResponse:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    units = _duty_units(request.user)
    form = None
    if units:
        groups_of = WorkingGroup.objects.filter(unit__in=units).order_by("unit_path", "position")
        users = _user_choices(units[0])
        form = ShiftForm(
            request.POST or None,
            units=[(u.pk, u.name) for u in units],
            groups=[(g.pk, g.name) for g in groups_of],
            users=users,
            initial={
                "starts_at": dt.datetime.combine(day, dt.time(8, 0)),
                "ends_at": dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8, 0)),
            },
        )
        if request.method == "POST":
            if form.is_valid():
                unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
                group = WorkingGroup.objects.filter(pk=form.cleaned_data["group"] or 0, unit=unit).first()
                officer = get_object_or_404(User, pk=form.cleaned_data["officer"])
                try:
                    services.do_add_shift(
                        request.user,
                        unit,
                        officer,
                        form.cleaned_data["starts_at"],
                        form.cleaned_data["ends_at"],
                        group=group,
                        post=form.cleaned_data["post"],
                        phone=form.cleaned_data["phone"],
                    )
                except DomainError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, _("Saved."))
                    return redirect(
                        f"{request.path}?day={timezone.localtime(form.cleaned_data['starts_at']).date()}"
                    )
            else:
                messages.error(request, _("Check the form: %(errors)s") % {"errors": form_errors(form)})
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "command/duty.html",
        {
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "shifts": queries.roster(request.user, day),
            "on_duty": queries.on_duty(request.user),
            "form": form,
            "changeable": {u.path for u in units},
        },
    )


@login_required
@require_POST
def duty_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift.objects.restrict(request.user, "change"), pk=shift_id)
    day = timezone.localtime(shift.starts_at).date()
    services.do_remove_shift(request.user, shift)
    messages.success(request, _("Removed."))
    return redirect(f"{reverse('command:duty')}?day={day}")


@login_required
@require_POST
def duty_call(request: HttpRequest, shift_id: int) -> HttpResponse:
    """The duty phone in full, to call: needs the reveal permission, and is logged."""
    shift = get_object_or_404(DutyShift.objects.restrict(request.user, "reveal"), pk=shift_id)
    number = services.duty_phone(request.user, shift)
    return render(request, "verification/_call.html", {"numbers": [number] if number else []})


# --- Directives ----------------------------------------------------------------------------------


@login_required
def directives(request: HttpRequest) -> HttpResponse:
    spec = worklists.directive_spec(request.user)
    if request.GET.get("export") == "xlsx":
        return export_list(request, worklists.directive_queryset(request.user, "export"), spec)
    return render(
        request,
        "command/directives.html",
        {
            "list": lists.build_list(request, worklists.directive_queryset(request.user), spec),
            "can_issue": bool(queries.command_units(request.user)),
            "can_export": can_export(request),
            "now": timezone.now(),
        },
    )


def _issuing_unit(request: HttpRequest) -> AdminUnit:
    units = [u for u in queries.command_units(request.user) if services.may_change(request.user, u.path)]
    if not units:
        raise Http404
    chosen = request.GET.get("unit") or request.POST.get("unit")
    return next((u for u in units if str(u.pk) == chosen), units[0])


@login_required
def directive_new(request: HttpRequest) -> HttpResponse:
    unit = _issuing_unit(request)
    targets = list(AdminUnit.objects.filter(parent=unit).order_by("path"))
    group_list = list(WorkingGroup.objects.filter(unit=unit).order_by("position"))
    form = DirectiveForm(
        request.POST or None,
        request.FILES or None,
        units=[(u.pk, u.name) for u in targets],
        groups=[(g.pk, g.name) for g in group_list],
        initial={"deadline": timezone.localtime() + dt.timedelta(days=1), "feedback_text": True},
    )
    if request.method == "POST" and form.is_valid():
        data = services.DirectiveInput(
            title=form.cleaned_data["title"],
            content=form.cleaned_data["content"],
            deadline=form.cleaned_data["deadline"],
            units=[u for u in targets if str(u.pk) in form.cleaned_data["units"]],
            groups=[g for g in group_list if str(g.pk) in form.cleaned_data["groups"]],
            group=next((g for g in group_list if str(g.pk) == form.cleaned_data["group"]), None),
            feedback_text=form.cleaned_data["feedback_text"],
            feedback_file=form.cleaned_data["feedback_file"],
            feedback_fields=form.cleaned_data["feedback_fields"],
            attachments=form.cleaned_data["attachments"],
        )
        try:
            directive = services.check_issue_directive(request.user, unit, data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Directive %(number)s issued.") % {"number": directive.number})
            return redirect("command:directive", directive_id=directive.pk)
    return render(request, "command/directive_new.html", {"form": form, "unit": unit})


@login_required
def directive_detail(request: HttpRequest, directive_id: int) -> HttpResponse:
    directive = get_object_or_404(
        Directive.objects.restrict(request.user).select_related("issuer", "group", "unit"), pk=directive_id
    )
    return render(
        request,
        "command/directive.html",
        {
            "directive": directive,
            "assignments": queries.assignments_of(directive),
            "attachments": directive.attachments.order_by("id"),
            "now": timezone.now(),
        },
    )


def _download(field_file: Any, name: str) -> HttpResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response: Any = FileResponse(handle, as_attachment=True, filename=name)
    return response


@login_required
def directive_file(request: HttpRequest, directive_id: int, file_id: int) -> HttpResponse:
    """An attachment, for the issuer's side and every target of the directive."""
    visible = Directive.objects.restrict(request.user).filter(pk=directive_id).exists() or (
        Assignment.objects.restrict(request.user).filter(directive_id=directive_id).exists()
    )
    if not visible:
        raise Http404
    attachment = get_object_or_404(DirectiveAttachment, pk=file_id, directive_id=directive_id)
    return _download(attachment.file, attachment.name)


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    spec = worklists.assignment_spec(request.user)
    listing = worklists.assignment_queryset(request.user)
    if request.GET.get("export") == "xlsx":
        return export_list(request, listing, spec)
    return render(
        request,
        "command/assignments.html",
        {
            "list": lists.build_list(request, listing, spec),
            "can_export": can_export(request),
            "now": timezone.now(),
        },
    )


def _assignment(request: HttpRequest, assignment_id: int, action: str = "view") -> Assignment:
    return get_object_or_404(
        Assignment.objects.restrict(request.user, action).select_related(
            "directive__issuer", "directive__group", "unit", "group"
        ),
        pk=assignment_id,
    )


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    directive = assignment.directive
    actions = services.allowed_actions(request.user, assignment)
    events = events_of(assignment)
    return render(
        request,
        "command/assignment.html",
        {
            "assignment": assignment,
            "directive": directive,
            "attachments": directive.attachments.order_by("id"),
            "notes": assignment.notes.select_related("author").order_by("created_at", "id"),
            "actions": actions,
            "form": ActForm(initial={"client_id": uuid.uuid4().hex, "version": assignment.version}),
            "fields": directive.feedback_fields,
            "number_kind": FieldKind.NUMBER,
            "yesno_kind": FieldKind.YES_NO,
            "events": events,
            "now": timezone.now(),
            "draft_done": request.session.pop(_draft_done_key(assignment.pk), False),
        },
    )


@login_required
@require_POST
def assignment_act(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _assignment(request, assignment_id, "change")
    form = ActForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The request was not understood."))
        return redirect("command:assignment", assignment_id=assignment.pk)
    figures = {
        spec["key"]: request.POST.get(f"f_{spec['key']}", "") for spec in assignment.directive.feedback_fields
    }
    report = services.Report(
        text=form.cleaned_data["text"],
        figures=figures,
        file=form.cleaned_data["file"],
        client_id=form.cleaned_data["client_id"]
        if form.cleaned_data["action"] in ("progress", "complete")
        else "",
    )
    try:
        _updated, created = services.check_act(
            request.user,
            assignment,
            form.cleaned_data["action"],
            report,
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done.") if created else _("This report was already saved."))
        # The page's draft (its text and submission id) is spent: the next page tells the browser to
        # forget it, so the next step goes with the new id the page renders.
        request.session[_draft_done_key(assignment.pk)] = True
    return redirect("command:assignment", assignment_id=assignment.pk)


def _draft_done_key(assignment_id: int) -> str:
    return f"draft-done:assignment-{assignment_id}"


@login_required
def note_file(request: HttpRequest, assignment_id: int, note_id: int) -> HttpResponse:
    assignment = _assignment(request, assignment_id)
    note = get_object_or_404(
        AssignmentNote.objects.filter(assignment=assignment).exclude(file=""), pk=note_id
    )
    return _download(note.file, note.file.name.rsplit("/", 1)[-1])


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    spec = worklists.supervision_spec()
    boards: list[Any] = []
    read = worklists.supervision_reader(request.user, boards)
    if request.GET.get("export") == "xlsx":
        if scope_for(request.user, "export").is_empty:
            raise PermissionDenied
        return lists.export_merged(request.user, request, spec, read)
    listing = lists.build_merged_list(request, spec, read)
    kind = listing.filters[0].value
    return render(
        request,
        "command/supervision.html",
        {
            "list": listing,
            "board": boards[0],
            "kind": kind,
            "can_export": can_export(request),
            "now": timezone.now(),
        },
    )


# --- Screening -----------------------------------------------------------------------------------
