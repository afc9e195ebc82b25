"""Paper where people use paper: a self-registration QR poster per village, a door-to-door list per grid.

Both pages stand alone (no menu) and are laid out for A4 (static/hongyixing/print.css)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.masking import mask_name
from hongyixing.people.models import Person

POSTER_LEVELS = ("town", "village")
DOOR_LIST_LIMIT = 2000  # a grid holds a few hundred households; past this the list says it stops


def qr_svg(text: str, box_size: int = 10) -> str:
    """The QR code of ``text`` as inline SVG, drawn here (no image service, no CDN)."""
    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=2).save(buffer)
    return buffer.getvalue().decode()


def registration_url(request: HttpRequest, unit: AdminUnit) -> str:
    return request.build_absolute_uri(reverse("self_registration") + "?" + urlencode({"place": unit.path}))


@login_required
def registration_poster(request: HttpRequest, path: str) -> HttpResponse:
    unit = get_object_or_404(AdminUnit.objects.restrict(request.user), path=path)
    if unit.level not in POSTER_LEVELS:
        raise Http404
    url = registration_url(request, unit)
    return render(request, "areas/poster.html", {"unit": unit, "url": url, "qr": qr_svg(url)})


@login_required
def door_list(request: HttpRequest, grid_id: int) -> HttpResponse:
    grid = get_object_or_404(Grid.objects.restrict(request.user).select_related("village"), pk=grid_id)
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
