"""Paper where people use paper: a self-registration QR poster per village, a door-to-door list per grid.

Both pages stand alone (no menu) and are laid out for A4 (static/hongyixing/print.css)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from hongyixing.areas.models import AdminUnit

POSTER_LEVELS = ("town", "village")


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
