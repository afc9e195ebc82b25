"""What each role may do, and the scope a user's grants add up to."""

from __future__ import annotations

from typing import Any

from hongyixing.accounts.choices import Role
from hongyixing.core.scope import EVERYTHING, NOTHING, Scope

# Actions a role grants on its unit's subtree (see core.scope.ACTIONS). Revealing a full ID number
# or phone is its own action: grid workers and cadres work with masked values.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.DISTRICT_OFFICE: frozenset({"view", "change", "reveal", "export"}),
    Role.WORKING_GROUP: frozenset({"view", "export"}),
    Role.TOWN_OFFICER: frozenset({"view", "change", "reveal", "export"}),
    Role.VILLAGE_CADRE: frozenset({"view", "change"}),
    Role.GRID_WORKER: frozenset({"view", "change"}),
    Role.COMMUNITY_POLICE: frozenset({"view", "reveal"}),
    Role.CDC_STAFF: frozenset({"view", "reveal"}),
    # Site managers and enterprise contacts are scoped to their site / enterprise, not to the tree.
    Role.SITE_MANAGER: frozenset(),
    Role.ENTERPRISE: frozenset(),
}


def resolve_scope(user: Any, action: str) -> Scope:
    if not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    paths: list[str] = []
    grid_ids: list[int] = []
    for grant in grants_of(user):
        if action not in ROLE_ACTIONS.get(grant.role, frozenset()):
            continue
        if grant.unit_id is not None:
            paths.append(grant.unit.path)
        if grant.grid_id is not None:
            grid_ids.append(grant.grid_id)
    # Drop paths already covered by a shorter granted path.
    paths.sort(key=len)
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return Scope(unit_paths=tuple(kept), grid_ids=tuple(sorted(set(grid_ids))))


def grants_of(user: Any) -> list[Any]:
    """The user's grants with their units, loaded once per user object."""
    cached = getattr(user, "_hongyixing_grants", None)
    if cached is None:
        cached = list(user.grants.select_related("unit", "grid"))
        user._hongyixing_grants = cached
    return cached


def roles_of(user: Any) -> set[str]:
    return {grant.role for grant in grants_of(user)}


def can(user: Any, action: str) -> bool:
    """Whether the user may do ``action`` anywhere at all (for showing a button)."""
    from hongyixing.core.scope import scope_for

    return not scope_for(user, action).is_empty
