"""The command centre's lists as work lists (``core.lists``): directives issued, my unit's
assignments, a screening campaign's households (visited or not) and the supervision list. Filters
are conditions on the list's indexed columns or index-backed ``EXISTS`` over assignments and visits;
per-directive tallies are counted for the page's rows only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.listfilters import grid_filter, town_filter, village_filter
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command import queries
from hongyixing.command.choices import CLOCK_STATES, OPEN_STATES, AssignmentState, VisitOutcome
from hongyixing.command.models import Assignment, Campaign, Directive, Visit
from hongyixing.command.supervision import SOURCES, SUPERVISION_KINDS, supervision_items
from hongyixing.core.lists import Column, Filter, ListSpec, Sort, one_of
from hongyixing.core.scope import path_prefix_q

CHOICE_LIMIT = 500


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- Directives ----------------------------------------------------------------------------------


def directive_spec(user: Any) -> ListSpec:
    now = timezone.now()
    states = [("open", _("Not all accepted")), ("accepted", _("All accepted"))]
    overdue = [("1", _("Overdue"))]
    targets = [
        (path, name)
        for path, name in AdminUnit.objects.restrict(user)
        .filter(level__in=("town", "village"))
        .order_by("path")
        .values_list("path", "name")[:CHOICE_LIMIT]
    ]
    of_directive = Assignment.objects.filter(directive=OuterRef("pk"))
    not_accepted = Exists(of_directive.exclude(state=AssignmentState.ACCEPTED))
    return ListSpec(
        filters=[
            Filter(
                "state",
                _("State"),
                states,
                one_of(states, lambda v: Q(not_accepted) if v == "open" else ~Q(not_accepted)),
            ),
            Filter(
                "target",
                _("Target unit"),
                targets,
                one_of(targets, lambda v: Q(Exists(of_directive.filter(path_prefix_q("unit_path", v))))),
            ),
            Filter(
                "overdue",
                _("Overdue"),
                overdue,
                one_of(
                    overdue,
                    lambda v: Q(Exists(of_directive.filter(state__in=CLOCK_STATES, deadline__lt=now))),
                ),
            ),
        ],
        sorts=[
            Sort("issued", _("Newest first"), ("-issued_at",)),
            Sort("deadline", _("Closest deadline"), ("deadline",)),
            Sort("number", _("By number"), ("number",)),
        ],
        columns=[
            Column(_("Number"), lambda d: d.number),
            Column(_("Title"), lambda d: d.title),
            Column(_("Issued by"), lambda d: str(d.issuer)),
            Column(_("Issued"), lambda d: _local(d.issued_at)),
            Column(_("Deadline"), lambda d: _local(d.deadline)),
            Column(_("Targets"), lambda d: d.targets),
            Column(_("Acknowledged"), lambda d: d.acknowledged),
            Column(_("Completed"), lambda d: d.completed),
            Column(_("Accepted"), lambda d: d.accepted),
            Column(_("Overdue"), lambda d: d.overdue),
        ],
        decorate=_with_progress,
        export_name="command-directives",
        export_reason=_("Directive list"),
    )


def _with_progress(directives: QuerySet[Directive]) -> QuerySet[Directive]:
    """Each directive's assignments counted by progress: for the page's rows only."""
    return directives.annotate(
        targets=Count("assignments"),
        acknowledged=Count("assignments", filter=~Q(assignments__state=AssignmentState.ISSUED)),
        completed=Count(
            "assignments",
            filter=Q(assignments__state__in=(AssignmentState.COMPLETED, AssignmentState.ACCEPTED)),
        ),
        accepted=Count("assignments", filter=Q(assignments__state=AssignmentState.ACCEPTED)),
        overdue=Count(
            "assignments", filter=Q(assignments__state__in=CLOCK_STATES, assignments__escalation__gte=3)
        ),
    )


def directive_queryset(user: Any, action: str = "view") -> QuerySet[Directive]:
    return Directive.objects.restrict(user, action).select_related("issuer", "group")


# --- My unit's assignments -------------------------------------------------------------------------


def assignment_spec(user: Any) -> ListSpec:
    now = timezone.now()
    states = [("open", _("Open")), *[(value, label) for value, label in AssignmentState.choices]]
    overdue = [("1", _("Overdue"))]
    return ListSpec(
        filters=[
            Filter(
                "state",
                _("State"),
                states,
                one_of(states, lambda v: Q(state__in=OPEN_STATES) if v == "open" else Q(state=v)),
                "open",
            ),
            Filter(
                "overdue",
                _("Overdue"),
                overdue,
                one_of(overdue, lambda v: Q(state__in=CLOCK_STATES, deadline__lt=now)),
            ),
        ],
        sorts=[
            Sort("deadline", _("Closest deadline"), ("deadline",)),
            Sort("latest", _("Latest deadline"), ("-deadline",)),
            Sort("number", _("By number"), ("directive__number",)),
        ],
        columns=[
            Column(_("Number"), lambda a: a.directive.number),
            Column(_("Title"), lambda a: a.directive.title),
            Column(_("Target"), lambda a: a.target_name),
            Column(_("State"), lambda a: a.get_state_display()),
            Column(_("Deadline"), lambda a: _local(a.deadline)),
            Column(_("Escalation"), lambda a: a.get_escalation_display() if a.escalation else ""),
        ],
        export_name="command-assignments",
        export_reason=_("Assignment list"),
    )


def assignment_queryset(user: Any) -> QuerySet[Assignment]:
    """The assignments the user works on (``queries.my_assignments``), every state: the state filter
    narrows them."""
    return queries.my_assignments(user, open_only=False)


# --- A campaign's households -------------------------------------------------------------------------


def household_spec(user: Any, campaign: Campaign) -> ListSpec:
    visits = [
        ("not", _("Not yet visited")),
        ("tried", _("Knocked, not reached")),
        ("visited", _("Visited")),
    ]
    conditions = {"not": Q(done=False), "tried": Q(done=False, tried=True), "visited": Q(done=True)}
    within = campaign.unit_path
    return ListSpec(
        filters=[
            Filter("visit", _("Visit"), visits, one_of(visits, lambda v: conditions[v]), "not"),
            town_filter(user, within=within),
            village_filter(user, within=within),
            grid_filter(user, within=within),
        ],
        sorts=[
            Sort("place", _("Address"), ("unit_path", "door")),
            Sort("grid", _("Grid"), ("grid__name", "door")),
        ],
        columns=[
            Column(_("Household number"), lambda h: h.number),
            Column(_("Address"), lambda h: h.address),
            Column(_("Grid"), lambda h: h.grid.name),
            Column(_("Persons"), lambda h: h.person_count),
            Column(
                _("Visit"),
                lambda h: str(
                    _("Visited") if h.done else _("Knocked, not reached") if h.tried else _("Not yet visited")
                ),
            ),
        ],
        keep=("within",),
        export_name="command-screening-households",
        export_reason=_("Screening household list"),
    )


def household_queryset(user: Any, campaign: Campaign, action: str = "view") -> QuerySet[Household]:
    """The campaign's households in the user's scope, each marked visited (a completed visit) or
    tried (knocked, nobody reached): ``EXISTS`` on the (campaign, household) visit index."""
    done = Visit.objects.filter(campaign=campaign, household_id=OuterRef("pk"), outcome=VisitOutcome.VISITED)
    tried = Visit.objects.filter(campaign=campaign, household_id=OuterRef("pk")).exclude(
        outcome=VisitOutcome.VISITED
    )
    return (
        Household.objects.restrict(user, action)
        .filter(path_prefix_q("unit_path", campaign.unit_path))
        .annotate(done=Exists(done), tried=Exists(tried))
        .select_related("grid")
    )


# --- The supervision list (督办) ---------------------------------------------------------------------


def supervision_spec() -> ListSpec:
    """The merged supervision list (``command.supervision``): not one queryset, so it pages through
    ``core.lists.build_merged_list``: each kind of work read up to the page's end, merged in order."""
    kinds = [(key, label) for key, label in SUPERVISION_KINDS.items() if key in SOURCES]
    return ListSpec(
        filters=[Filter("kind", _("Kind"), kinds, one_of(kinds, lambda v: Q()))],
        sorts=[Sort("level", _("Most escalated first"), ())],
        columns=[
            Column(_("Kind"), lambda i: i.source_label),
            Column(_("Reference"), lambda i: i.reference),
            Column(_("What"), lambda i: i.title),
            Column(_("State"), lambda i: i.state),
            Column(_("Responsible"), lambda i: i.responsible),
            Column(_("Deadline"), lambda i: _local(i.deadline)),
            Column(_("Level"), lambda i: i.level_label),
        ],
        export_name="command-supervision",
        export_reason=_("Supervision list"),
    )


def supervision_reader(user: Any, boards: list[Any]) -> Any:
    """``read`` for the merged list; the board it read (with its counts by kind and level) is kept
    in ``boards`` for the page's figures."""

    def read(values: dict[str, str], limit: int) -> tuple[list[Any], int]:
        board = supervision_items(user, kind=values.get("kind", ""), limit=limit)
        boards.append(board)
        return board.items, board.total

    return read
