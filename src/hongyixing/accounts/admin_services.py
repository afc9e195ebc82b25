"""User administration writes that are not about signing in: bulk staff loads, scoped administration.

Login throttling and the second factor stay in ``accounts.services``; this module creates users in
bulk (the staff import) and decides who may administer whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant, User
from hongyixing.accounts.permissions import grants_of
from hongyixing.areas.choices import PATH_LENGTH, UnitLevel
from hongyixing.core import audit
from hongyixing.core.scope import scope_for
from hongyixing.exchange.importer import ImportContext

# Roles that may load master data and administer users in their subtree.
ADMINISTERING_ROLES = frozenset({Role.DISTRICT_OFFICE, Role.TOWN_OFFICER})


def import_context(user: Any) -> ImportContext | None:
    """What ``user`` may import into: the subtrees of their district-office or town-officer grants.

    ``None`` (the command line, run by whoever runs the server) may import anywhere.
    """
    if user is None:
        return ImportContext(actor=None, roots=(), everything=True)
    if not user.is_active:
        return None
    if user.is_superuser:
        return ImportContext(actor=user, roots=(), everything=True)
    town_length = PATH_LENGTH[UnitLevel.TOWN]
    roots = tuple(
        sorted(
            {
                grant.unit.path
                for grant in grants_of(user)
                if grant.role in ADMINISTERING_ROLES
                and grant.unit_id is not None
                and len(grant.unit.path) <= town_length
            }
        )
    )
    change = scope_for(user, "change")
    roots = tuple(root for root in roots if change.covers_path(root))
    return ImportContext(actor=user, roots=roots) if roots else None


@transaction.atomic
def do_bulk_create_users(actor: Any, users: Sequence[User]) -> list[User]:
    """Users from a staff list: no password until an administrator resets one (forced change)."""
    for user in users:
        user.set_unusable_password()
    created = User.objects.bulk_create(list(users), batch_size=500)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("user.created", created, actor)
    return created


@transaction.atomic
def do_bulk_update_users(actor: Any, changes: Sequence[tuple[User, dict[str, Any]]]) -> int:
    allowed = {"display_name", "title"}
    logged = []
    for user, values in changes:
        if set(values) - allowed:
            raise ValueError(f"fields not editable here: {sorted(set(values) - allowed)}")
        before = audit.snapshot(user)
        for name, value in values.items():
            setattr(user, name, value)
        logged.append((user, before))
    User.objects.bulk_update([user for user, _b in logged], sorted(allowed), batch_size=500)
    return audit.log_bulk_update(actor, logged)


@transaction.atomic
def do_bulk_grant(actor: Any, grants: Sequence[Grant]) -> list[Grant]:
    for grant in grants:
        grant.user_id = grant.user.pk
        if grant.role not in Role.values:
            raise ValueError(f"unknown role {grant.role!r}")
    created = Grant.objects.bulk_create(list(grants), batch_size=500)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("user.granted", created, actor)
    return created
