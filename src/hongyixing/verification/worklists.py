"""The verification desks and *My tasks* as work lists (``core.lists``): what they filter on, how they
sort, what the export carries (masked), which bulk steps they offer."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.lists import Column, Filter, ListSpec, Sort
from hongyixing.core.scope import path_prefix_q
from hongyixing.verification.choices import CLOCK_STATES, OPEN_STATES, Category, TaskState
from hongyixing.verification.models import PushBatch, PushSource, VerificationTask

CHOICE_LIMIT = 2000


def _one_of(choices: list[tuple[str, Any]], condition: Any) -> Any:
    offered = {value for value, _label in choices}
    return lambda value: condition(value) if value in offered else None


def task_list_spec(user: Any) -> ListSpec:
    villages = [
        (path, name)
        for path, name in AdminUnit.objects.restrict(user)
        .filter(level="village")
        .order_by("path")
        .values_list("path", "name")[:CHOICE_LIMIT]
    ]
    grids = [
        (str(pk), name)
        for pk, name in Grid.objects.restrict(user).order_by("code").values_list("id", "name")[:CHOICE_LIMIT]
    ]
    batches = [
        (str(pk), title)
        for pk, title in PushBatch.objects.restrict(user)
        .order_by("-received_at")
        .values_list("id", "title")[:50]
    ]
    sources = [(str(pk), name) for pk, name in PushSource.objects.order_by("id").values_list("id", "name")]
    categories = [(value, label) for value, label in Category.choices]
    states = [(value, label) for value, label in TaskState.choices]
    overdue = [("1", _("Overdue"))]
    now = timezone.now()
    return ListSpec(
        filters=[
            Filter(
                "village",
                _("Village / community"),
                villages,
                _one_of(villages, lambda v: path_prefix_q("unit_path", v)),
            ),
            Filter("grid", _("Grid"), grids, _one_of(grids, lambda v: Q(grid_id=int(v)))),
            Filter("batch", _("List"), batches, _one_of(batches, lambda v: Q(batch_id=int(v)))),
            Filter("source", _("Sent by"), sources, _one_of(sources, lambda v: Q(batch__source_id=int(v)))),
            Filter("category", _("Category"), categories, _one_of(categories, lambda v: Q(category=v))),
            Filter("state", _("State"), states, _one_of(states, lambda v: Q(state=v))),
            Filter(
                "overdue",
                _("Overdue"),
                overdue,
                _one_of(overdue, lambda v: Q(state__in=CLOCK_STATES, deadline__lt=now)),
            ),
        ],
        sorts=[
            Sort("deadline", _("Closest deadline"), ("deadline",)),
            Sort("latest", _("Latest deadline"), ("-deadline",)),
            Sort("name", _("Name"), ("name",)),
            Sort("state", _("State"), ("state", "deadline")),
            Sort("received", _("Newest list"), ("-created_at",)),
        ],
        columns=[
            Column(_("Name"), lambda t: t.name),
            Column(_("ID number"), lambda t: t.person.document_masked if t.person else ""),
            Column(_("Category"), lambda t: t.get_category_display()),
            Column(_("State"), lambda t: t.get_state_display()),
            Column(_("Grid"), lambda t: t.grid.name if t.grid else ""),
            Column(_("Deadline"), lambda t: timezone.localtime(t.deadline).strftime("%Y-%m-%d %H:%M")),
            Column(_("List"), lambda t: t.batch.title),
            Column(_("Sent by"), lambda t: t.batch.source.name),
            Column(_("Result"), lambda t: t.get_disposition_display() if t.disposition else ""),
        ],
        bulk_actions=[("accept", _("Accept selected")), ("return", _("Return selected for rework"))],
        export_name="verification-tasks",
        export_reason=_("Verification task list"),
    )


def task_queryset(user: Any, request_get: Any, *, mine: bool = False) -> QuerySet[VerificationTask]:
    """The tasks a desk lists: open ones unless a state is chosen; *My tasks* only ever open ones."""
    tasks = VerificationTask.objects.restrict(user).select_related("grid", "batch__source", "person")
    if mine or not request_get.get("state"):
        tasks = tasks.filter(state__in=OPEN_STATES)
    return tasks
