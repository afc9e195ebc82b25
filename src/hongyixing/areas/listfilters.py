"""Place filters every work list offers (``core.lists``): town, village, grid of the user's scope.

Each filters a list on its own indexed ``unit_path`` (a range on the path prefix) or ``grid_id``;
the choices are the user's own units, capped so a city-wide user's page stays small."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.lists import Filter, one_of
from hongyixing.core.scope import path_prefix_q

CHOICE_LIMIT = 2000


def _units(user: Any, level: str, within: str = "") -> list[tuple[str, Any]]:
    units = AdminUnit.objects.restrict(user).filter(level=level)
    if within:
        units = units.filter(path_prefix_q("path", within))
    return [(path, name) for path, name in units.order_by("path").values_list("path", "name")[:CHOICE_LIMIT]]


def town_filter(user: Any, path_field: str = "unit_path", within: str = "") -> Filter:
    towns = _units(user, "town", within)
    return Filter(
        "town", _("Town / subdistrict"), towns, one_of(towns, lambda v: path_prefix_q(path_field, v))
    )


def village_filter(user: Any, path_field: str = "unit_path", within: str = "") -> Filter:
    villages = _units(user, "village", within)
    return Filter(
        "village",
        _("Village / community"),
        villages,
        one_of(villages, lambda v: path_prefix_q(path_field, v)),
    )


def grid_filter(user: Any, grid_field: str = "grid_id", within: str = "") -> Filter:
    grids = Grid.objects.restrict(user)
    if within:
        grids = grids.filter(path_prefix_q("unit_path", within))
    choices = [
        (str(pk), name) for pk, name in grids.order_by("code").values_list("id", "name")[:CHOICE_LIMIT]
    ]
    return Filter("grid", _("Grid"), choices, one_of(choices, lambda v: Q(**{grid_field: int(v)})))
