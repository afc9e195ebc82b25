"""User administration writes that are not about signing in: bulk staff loads, scoped administration.

Login throttling and the second factor stay in ``accounts.services``; this module creates users in
bulk (the staff import) and decides who may administer whom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant, User
from hongyixing.accounts.permissions import grants_of
from hongyixing.areas.choices import PATH_LENGTH, UnitLevel
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
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


# --- Scoped administration of users ---------------------------------------------------------------

ENROLMENT_CODE_HOURS = 72
# Roles a town officer may give: never one that reaches the whole district's data.
DISTRICT_ROLES = frozenset({Role.DISTRICT_OFFICE, Role.WORKING_GROUP, Role.CDC_STAFF})


def _grant_path(grant: Grant) -> str:
    if grant.unit is not None:
        return str(grant.unit.path)
    return str(grant.grid.unit_path) if grant.grid is not None else ""


def can_administer_users(actor: Any) -> bool:
    return import_context(actor) is not None if actor is not None else False


def administered_users(actor: Any) -> QuerySet[User]:
    """Users the actor administers: every grant of theirs lies in the actor's area (district: everyone)."""
    context = import_context(actor) if actor is not None else None
    if context is None:
        return User.objects.none()
    users = User.objects.exclude(pk=actor.pk).exclude(is_superuser=True).order_by("username")
    if context.everything:
        return users
    outside: set[int] = set()
    inside: set[int] = set()
    for grant in Grant.objects.select_related("unit", "grid"):
        (inside if context.covers(_grant_path(grant)) else outside).add(grant.user_id)
    return users.filter(pk__in=inside - outside)


def administered_user(actor: Any, user_id: int) -> User:
    user = administered_users(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("user.not_found", _("No such user in your area."))
    return user


def _check_place(actor: Any, role: str, unit: AdminUnit | None, grid: Grid | None) -> None:
    context = import_context(actor)
    if context is None:
        raise NotFound("user.not_found", _("No such user in your area."))
    if role not in Role.values:
        raise DomainError("grant.bad_role", _("Choose a role."), field="role")
    if (unit is None) == (grid is None):
        raise DomainError("grant.no_place", _("Choose either a unit or a grid."), field="unit")
    path = unit.path if unit is not None else grid.unit_path if grid is not None else ""
    if not context.covers(path):
        raise DomainError("grant.out_of_scope", _("That unit or grid is not in your area."), field="unit")
    if (
        role in DISTRICT_ROLES
        and not context.everything
        and not any(len(root) <= 6 for root in context.roots)
    ):
        raise DomainError(
            "grant.role_too_wide", _("Only the district office can give this role."), field="role"
        )


def _temporary_password() -> str:
    # Easy to read out over the phone: no 0/O or 1/l.
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@transaction.atomic
def do_create_staff_user(
    actor: Any,
    username: str,
    display_name: str,
    title: str,
    role: str,
    *,
    unit: AdminUnit | None = None,
    grid: Grid | None = None,
) -> tuple[User, str]:
    """A new user with one grant and a temporary password (shown once), to be changed at first sign-in."""
    username = username.strip()
    if not username:
        raise DomainError("user.no_username", _("A user needs a user name."), field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError("user.exists", _("That user name is taken."), field="username")
    _check_place(actor, role, unit, grid)
    password = _temporary_password()
    user = User(
        username=username, display_name=display_name.strip(), title=title.strip(), must_change_password=True
    )
    user.set_password(password)
    user.save()
    audit.log_create(actor, user)
    audit.emit("user.created", user, actor)
    grant = Grant.objects.create(user=user, role=role, unit=unit, grid=grid)
    audit.log_create(actor, grant)
    audit.emit("user.granted", grant, actor, data={"role": role})
    return user, password


@transaction.atomic
def do_add_grant(
    actor: Any, user: User, role: str, *, unit: AdminUnit | None = None, grid: Grid | None = None
) -> Grant:
    administered_user(actor, user.pk)
    _check_place(actor, role, unit, grid)
    grant, created = Grant.objects.get_or_create(user=user, role=role, unit=unit, grid=grid)
    if created:
        audit.log_create(actor, grant)
        audit.emit("user.granted", grant, actor, data={"role": role})
    return grant


@transaction.atomic
def do_remove_grant(actor: Any, grant: Grant) -> None:
    administered_user(actor, grant.user_id)
    audit.log_delete(actor, grant)
    audit.emit("user.grant_removed", grant, actor, data={"role": grant.role})
    grant.delete()


def _update(actor: Any, user: User, event: str, **values: Any) -> None:
    before = audit.snapshot(user)
    for name, value in values.items():
        setattr(user, name, value)
    user.save(update_fields=[*values] if "password" not in values else [*values])
    audit.log_update(actor, user, before)
    audit.emit(event, user, actor)


@transaction.atomic
def do_set_active(actor: Any, user: User, active: bool) -> None:
    administered_user(actor, user.pk)
    _update(actor, user, "user.activated" if active else "user.deactivated", is_active=active)


@transaction.atomic
def do_create_administrator(username: str, display_name: str = "") -> tuple[User, str]:
    """The installation's first administrator (made on the command line: nobody can sign in yet): a
    superuser with a temporary password. At the first sign-in they choose their own password, and may then
    bind the authenticator without an enrolment code, since nobody could have issued one."""
    username = username.strip()
    if not username:
        raise DomainError("user.no_username", _("A user needs a user name."), field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError("user.exists", _("That user name is taken."), field="username")
    password = _temporary_password()
    user = User(
        username=username,
        display_name=display_name.strip(),
        is_superuser=True,
        is_staff=True,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    audit.log_create(None, user)
    audit.emit("user.created", user, None)
    return user, password


@transaction.atomic
def do_reset_password(actor: Any, user: User) -> str:
    """A temporary password (shown once to the administrator); the user must change it at sign-in."""
    administered_user(actor, user.pk)
    password = _temporary_password()
    user.set_password(password)
    _update(actor, user, "user.password_reset", password=user.password, must_change_password=True)
    return password


@transaction.atomic
def do_change_own_password(user: User, current: str, new: str, repeat: str) -> None:
    if not user.check_password(current):
        raise DomainError("password.wrong", _("The current password is not correct."), field="current")
    if new != repeat:
        raise DomainError("password.mismatch", _("The two new passwords differ."), field="repeat")
    if new == current:
        raise DomainError(
            "password.same", _("Choose a password different from the current one."), field="new"
        )
    try:
        validate_password(new, user)
    except ValidationError as error:
        raise DomainError("password.weak", " ".join(error.messages), field="new") from error
    user.set_password(new)
    _update(user, user, "user.password_changed", password=user.password, must_change_password=False)


@transaction.atomic
def do_reset_second_factor(actor: Any, user: User) -> str:
    """Unbind the user's authenticator (a lost phone) and issue the enrolment code for the new one."""
    administered_user(actor, user.pk)
    _update(
        actor, user, "user.second_factor_reset", totp_ciphertext="", totp_confirmed_at=None, totp_last_step=0
    )
    return do_issue_enrolment_code(actor, user)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def do_issue_enrolment_code(actor: Any, user: User) -> str:
    """A one-time code (shown once, valid for 72 hours) that lets the user bind a second factor."""
    administered_user(actor, user.pk)
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    _update(
        actor,
        user,
        "user.enrolment_code_issued",
        enrolment_code_digest=_digest(code),
        enrolment_code_expires=timezone.now() + dt.timedelta(hours=ENROLMENT_CODE_HOURS),
    )
    return code


def enrolment_code_valid(user: User, code: str) -> bool:
    if not user.enrolment_code_digest or not code.strip():
        return False
    if user.enrolment_code_expires is None or user.enrolment_code_expires < timezone.now():
        return False
    return secrets.compare_digest(user.enrolment_code_digest, _digest(code))


def record_failed_attempt(username: str) -> None:
    """A wrong enrolment code counts towards the same lockout as a wrong password."""
    from hongyixing.accounts.models import LoginAttempt

    LoginAttempt.objects.create(username=username, ip=None, time=timezone.now(), succeeded=False)


@transaction.atomic
def do_use_enrolment_code(user: User) -> None:
    User.objects.filter(pk=user.pk).update(enrolment_code_digest="", enrolment_code_expires=None)
    audit.emit("user.enrolment_code_used", user, user)
