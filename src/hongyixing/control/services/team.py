"""A measure's team: the proposed team of four and changing a member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant
from hongyixing.accounts.queries import is_staff_for_unit, staff_for_unit
from hongyixing.control.choices import (
    TEAM_DUTIES,
    TeamRole,
)
from hongyixing.control.models import (
    Measure,
    TeamMember,
)
from hongyixing.control.services.common import (
    _editable,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person

# Who may hold each place on a team: the role it needs, through a grant tied to the person's place.
_FIELD_STAFF = (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.COMMUNITY_POLICE, Role.CDC_STAFF)
TEAM_STAFF_ROLES: dict[str, tuple[str, ...]] = {
    TeamRole.GRID_WORKER: (Role.GRID_WORKER,),
    TeamRole.CADRE: (Role.VILLAGE_CADRE, Role.TOWN_OFFICER),
    TeamRole.POLICE: (Role.COMMUNITY_POLICE,),
    TeamRole.MEDICAL: (Role.CDC_STAFF,),
    TeamRole.VOLUNTEER: _FIELD_STAFF,
    TeamRole.LIAISON: (*_FIELD_STAFF, Role.TOWN_OFFICER, Role.DISTRICT_OFFICE),
}


def team_candidates(unit_path: str, grid_id: int | None, role: str | None = None) -> Any:
    """The users who may take ``role`` (any team role when None) on the team of a person at this
    place: the form's choices."""
    roles = TEAM_STAFF_ROLES.get(role, ()) if role else {r for rs in TEAM_STAFF_ROLES.values() for r in rs}
    return staff_for_unit(unit_path, roles, grid_id=grid_id)


def require_team_staff(unit_path: str, grid_id: int | None, role: str, user: Any) -> None:
    """Being on a team opens the measure and lets one change the team, so a member is never an
    arbitrary account: only staff holding the place's role through a grant over the person's place."""
    if user is not None and not is_staff_for_unit(
        user, unit_path, TEAM_STAFF_ROLES.get(role, ()), grid_id=grid_id
    ):
        raise DomainError("team.not_staff", _("This user does not hold that role for the person's place."))


@dataclass
class TeamSpec:
    role: str
    user: Any
    name: str
    duty: str = ""


def propose_team(person: Person) -> list[TeamSpec]:
    """The team of four from the person's grid and village: the grid's worker, the village's cadre,
    and the nearest community police and CDC staff whose unit covers the person's address."""
    path = person.unit_path
    prefixes = [path[:n] for n in (6, 9, 12, 15, 18) if len(path) >= n]
    grants = list(
        Grant.objects.filter(
            Q(grid_id=person.grid_id, role=Role.GRID_WORKER)
            | Q(unit__path__in=prefixes, role__in=[Role.VILLAGE_CADRE, Role.COMMUNITY_POLICE, Role.CDC_STAFF])
        )
        .filter(user__is_active=True)
        .select_related("user", "unit")
        .order_by("id")
    )

    def nearest(role: str, exact_village: bool = False) -> Any:
        found = [(g.unit.path, g.user) for g in grants if g.role == role and g.unit is not None]
        if exact_village:
            found = [(p, u) for p, u in found if p == path[:12]]
        found.sort(key=lambda pair: -len(pair[0]))
        return found[0][1] if found else None

    workers = [g.user for g in grants if g.role == Role.GRID_WORKER]
    chosen = {
        TeamRole.GRID_WORKER: workers[0] if workers else None,
        TeamRole.CADRE: nearest(Role.VILLAGE_CADRE, exact_village=True),
        TeamRole.POLICE: nearest(Role.COMMUNITY_POLICE),
        TeamRole.MEDICAL: nearest(Role.CDC_STAFF),
    }
    return [
        TeamSpec(role=role, user=user, name=str(user), duty=str(TEAM_DUTIES[TeamRole(role)]))
        for role, user in chosen.items()
        if user is not None
    ]


@transaction.atomic
def do_set_team_member(
    actor: Any, measure: Measure, role: str, user: Any, name: str, duty: str = ""
) -> TeamMember:
    if role not in TeamRole.values:
        raise DomainError("team.bad_role", _("Choose a team role."))
    if user is None and not name.strip():
        raise DomainError("team.no_member", _("Choose a user or enter a name."))
    locked, _before = _editable(actor, measure)
    require_team_staff(locked.unit_path, locked.grid_id, role, user)
    member = TeamMember.objects.filter(measure=locked, role=role).first()
    values = {
        "user": user,
        "name": (name.strip() or str(user))[:60],
        "duty": (duty or str(TEAM_DUTIES[TeamRole(role)]))[:200],
    }
    if member is None:
        member = TeamMember.objects.create(measure=locked, role=role, **values)
        audit.log_create(actor, member)
    else:
        before = audit.snapshot(member)
        for key, value in values.items():
            setattr(member, key, value)
        member.save()
        audit.log_update(actor, member, before)
    return member
