"""Who may be picked as a unit's responsible person or a grid's worker (ADR 0006, ADR 0013).

Users and grants live in ``accounts``, above this app: ``accounts`` registers its
``queries.staff_for_unit`` here at start-up (as it registers the scope resolver in ``core.scope``),
so the tree's forms and services offer and check the same scoped list without importing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StaffLookup = Callable[..., Any]
_lookup: list[StaffLookup] = []

# Any role held on the place qualifies as its responsible person; a grid's worker holds the
# grid-worker role (the values of ``accounts.choices.Role``).
GRID_WORKER_ROLES = ("grid_worker",)


def register_staff_lookup(lookup: StaffLookup) -> None:
    _lookup[:] = [lookup]


def staff_for_unit(unit_path: str, roles: Iterable[str] | None = None, *, grid_id: int | None = None) -> Any:
    """Active users tied to the place by a grant (a queryset of users, ordered by user name)."""
    if not _lookup:
        raise RuntimeError("no staff lookup registered (is the accounts app installed?)")
    return _lookup[0](unit_path, roles, grid_id=grid_id)


def staff_for_grid(grid: Any) -> Any:
    """Grid workers of the grid's village: granted on the grid, another grid of the village, or the
    village and above."""
    return staff_for_unit(grid.unit_path, GRID_WORKER_ROLES, grid_id=grid.pk)


def match_by_name(name: str, candidates: Any) -> Any:
    """The one candidate whose display name is ``name`` (spaces ignored), or None (none or several)."""
    wanted = "".join(name.split())
    if not wanted:
        return None
    found = [user for user in candidates if "".join((user.display_name or "").split()) == wanted]
    return found[0] if len(found) == 1 else None
