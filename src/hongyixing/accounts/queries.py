"""Reads over accounts that other apps share: who may be picked for a unit's work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from hongyixing.accounts.models import Grant, User
from hongyixing.core.scope import path_upper_bound


def staff_for_unit(
    unit_path: str, roles: Iterable[str] | None = None, *, grid_id: int | None = None
) -> QuerySet[User]:
    """Active users holding one of ``roles`` (any role when None) through a grant tied to the unit:
    on the unit itself or a unit above it (a grant cascades down), on a unit or grid inside it, or on
    the given grid. This is the one list a "pick a user" field may offer and a service may accept:
    a team member, a site manager, a liaison, a group member or a duty officer is never an arbitrary
    account chosen by name."""
    if not unit_path:
        return User.objects.none()
    covering = [unit_path[:n] for n in range(1, len(unit_path) + 1)]
    upper = path_upper_bound(unit_path)
    place = (
        Q(unit__path__in=covering)
        | Q(unit__path__gte=unit_path, unit__path__lt=upper)
        | Q(grid__unit_path__gte=unit_path, grid__unit_path__lt=upper)
    )
    if grid_id is not None:
        place |= Q(grid_id=grid_id)
    grants = Grant.objects.filter(place)
    if roles is not None:
        grants = grants.filter(role__in=list(roles))
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("username")


def is_staff_for_unit(
    user: Any, unit_path: str, roles: Iterable[str] | None = None, *, grid_id: int | None = None
) -> bool:
    """Whether ``user`` is on :func:`staff_for_unit` (the check every service makes before storing a
    picked user)."""
    if user is None or not getattr(user, "pk", None):
        return False
    return staff_for_unit(unit_path, roles, grid_id=grid_id).filter(pk=user.pk).exists()
