"""Paper a grid worker carries: the printable door-to-door list of a grid (households, members'
masked names, blank columns for the visit and a signature). It reads persons, so it lives here, not
in areas (which does not import people)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hongyixing.areas.models import Grid, Household
from hongyixing.core.masking import mask_name
from hongyixing.people.models import Person

DOOR_LIST_LIMIT = 2000  # a grid holds a few hundred households; past this the list says it stops


@login_required
def door_list(request: HttpRequest, grid_id: int) -> HttpResponse:
    grid = get_object_or_404(
        Grid.objects.restrict(request.user).select_related("village", "worker"), pk=grid_id
    )
    members = Prefetch("members", queryset=Person.objects.restrict(request.user).order_by("relation", "id"))
    households = list(
        Household.objects.restrict(request.user)
        .filter(grid=grid)
        .select_related("unit")
        .prefetch_related(members)
        .order_by("unit_path", "door", "id")[: DOOR_LIST_LIMIT + 1]
    )
    rows = [
        {"household": h, "members": "、".join(mask_name(p.name) for p in h.members.all())}
        for h in households[:DOOR_LIST_LIMIT]
    ]
    return render(
        request,
        "areas/doors.html",
        {
            "grid": grid,
            "rows": rows,
            "cut": len(households) > DOOR_LIST_LIMIT,
            "limit": DOOR_LIST_LIMIT,
            "printed_at": timezone.localtime(),
        },
    )
