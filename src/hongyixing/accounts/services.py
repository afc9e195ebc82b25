"""Every write about users, grants, logins and tokens."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import ApiToken, Grant, LoginAttempt, User
from hongyixing.accounts.permissions import grants_of, roles_of
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core import audit
from hongyixing.core.clientaddr import client_address
from hongyixing.core.crypto import seal, unseal

TOTP_ISSUER = "Hongyixing"


class LoginRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LoginOutcome:
    user: User
    needs_second_factor: bool
    must_enrol: bool


def client_ip(request: HttpRequest | None) -> str | None:
    return client_address(request)


@dataclass(frozen=True)
class Throttle:
    """Where failed sign-ins block the next attempt (docs/security.md, "Login controls").

    ``pair``: this address failed on this account too often — only this address is slowed, so an
    outsider cannot lock the owner out. ``address``: this address failed on any accounts too often
    (password spraying). ``account``: failures came from many addresses — the account then signs in
    only with its second factor (a correct password alone is refused)."""

    pair: bool
    address: bool
    account: bool

    @property
    def blocks_address(self) -> bool:
        return self.pair or self.address


def throttle(username: str, ip: str | None, now: dt.datetime | None = None) -> Throttle:
    now = now or timezone.now()
    window = LoginAttempt.objects.filter(time__gte=now - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES))
    account = window.filter(username=username)
    last_success = account.filter(succeeded=True).order_by("-time").values_list("time", flat=True).first()
    account_failures = account.filter(succeeded=False)
    if last_success is not None:
        account_failures = account_failures.filter(time__gt=last_success)
    pair_success = (
        account.filter(succeeded=True, ip=ip).order_by("-time").values_list("time", flat=True).first()
    )
    pair_failures = account.filter(succeeded=False, ip=ip)
    if pair_success is not None:
        pair_failures = pair_failures.filter(time__gt=pair_success)
    # A success from an address does not forgive it: a sprayer could sign in to its own account.
    address_failures = window.filter(succeeded=False, ip=ip).count() if ip else 0
    addresses = account_failures.exclude(ip=None).values("ip").distinct().count()
    return Throttle(
        pair=pair_failures.count() >= settings.LOGIN_LOCKOUT_FAILURES,
        address=address_failures >= settings.LOGIN_ADDRESS_FAILURES,
        account=addresses >= settings.LOGIN_ACCOUNT_ADDRESSES,
    )


def is_locked_out(username: str, now: dt.datetime | None = None, ip: str | None = None) -> bool:
    """Whether a password sign-in for ``username`` from ``ip`` is refused now."""
    state = throttle(username, ip, now)
    return state.blocks_address or state.account


def _locked() -> LoginRefused:
    return LoginRefused(
        "auth.locked_out",
        _("Too many failed attempts. This account is locked for %(minutes)d minutes.")
        % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
    )


def check_password_login(request: HttpRequest | None, username: str, password: str) -> LoginOutcome:
    """First factor. Refuses a throttled address; records every attempt with the client's address."""
    username = username.strip()
    ip = client_ip(request)
    state = throttle(username, ip)
    if state.blocks_address:
        raise _locked()
    user = authenticate(request, username=username, password=password)
    LoginAttempt.objects.create(username=username, ip=ip, time=timezone.now(), succeeded=user is not None)
    if user is None or not isinstance(user, User):
        # Under a many-address attack the answer is the same whether the password was right or not.
        raise (
            _locked()
            if state.account
            else LoginRefused("auth.invalid", _("The user name or password is not correct."))
        )
    if state.account and not user.has_second_factor:
        raise _locked()
    return LoginOutcome(
        user=user,
        needs_second_factor=user.has_second_factor,
        must_enrol=not user.has_second_factor and second_factor_required(user),
    )


def second_factor_required(user: User) -> bool:
    if user.is_superuser and settings.SECOND_FACTOR_ROLES:
        return True
    return bool(roles_of(user) & set(settings.SECOND_FACTOR_ROLES))


def start_enrolment(user: User) -> str:
    """A fresh secret for the enrolment page; stored only once a code confirms it."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def _verify(secret: str, code: str, last_step: int, now: dt.datetime) -> int | None:
    """Return the accepted time step, refusing a code that was already used (replay)."""
    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if step > last_step and secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


@transaction.atomic
def do_confirm_enrolment(user: User, secret: str, code: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    step = _verify(secret, code, 0, now)
    if step is None:
        return False
    before = audit.snapshot(user)
    user.totp_ciphertext = seal(secret)
    user.totp_confirmed_at = now
    user.totp_last_step = step
    user.save(update_fields=["totp_ciphertext", "totp_confirmed_at", "totp_last_step"])
    audit.log_update(user, user, before)
    audit.emit("user.second_factor_enrolled", user, user)
    return True


@transaction.atomic
def check_second_factor(user: User, code: str, now: dt.datetime | None = None, ip: str | None = None) -> bool:
    now = now or timezone.now()
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.totp_ciphertext:
        return False
    step = _verify(unseal(locked.totp_ciphertext), code, locked.totp_last_step, now)
    LoginAttempt.objects.create(username=user.username, ip=ip, time=now, succeeded=step is not None)
    if step is None:
        return False
    locked.totp_last_step = step
    locked.save(update_fields=["totp_last_step"])
    return True


def current_totp_code(user: User) -> str:
    """For the demo's command line only: the code an authenticator would show now."""
    return pyotp.TOTP(unseal(user.totp_ciphertext)).now()


@transaction.atomic
def do_create_user(
    actor: Any,
    username: str,
    *,
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str = "",
    title: str = "",
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        title=title,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.log_create(actor, user)
    audit.emit("user.created", user, actor)
    return user


@transaction.atomic
def do_grant(
    actor: Any, user: User, role: str, *, unit: AdminUnit | None = None, grid: Grid | None = None
) -> Grant:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    grant = Grant.objects.create(user=user, role=role, unit=unit, grid=grid)
    audit.log_create(actor, grant)
    audit.emit(
        "user.granted",
        grant,
        actor,
        data={"role": role, "unit": unit.path if unit else None, "grid": grid.code if grid else None},
    )
    return grant


@transaction.atomic
def do_issue_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is shown once and never stored."""
    key = "hyx_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=key[:12], digest=ApiToken.digest_of(key))
    audit.log_create(actor, token)
    audit.emit("token.issued", token, actor)
    return token, key


@transaction.atomic
def do_revoke_token(actor: User, token: ApiToken) -> None:
    before = audit.snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.log_update(actor, token, before)
    audit.emit("token.revoked", token, actor)


def token_fingerprint(user: User) -> tuple[Any, ...]:
    """What a cached token's user may act on: active, superuser, and each grant (id, role, place).
    Equal fingerprints mean the same permissions (``token_recheck``)."""
    grants = sorted((g.pk, g.role, g.unit_id, g.grid_id) for g in grants_of(user))
    return (bool(user.is_active), bool(user.is_superuser), tuple(grants))


@functools.cache
def _recheck_sql() -> str:
    """One statement, its text fixed per process (table and column names from the models, the
    digest a parameter): the token row, its user's flags and the user's grants, LEFT-joined."""
    from django.db import connection

    q = connection.ops.quote_name
    token, user, grant = ApiToken._meta.db_table, User._meta.db_table, Grant._meta.db_table
    return (
        f"SELECT t.{q('id')}, t.{q('last_used_at')}, u.{q('id')}, u.{q('is_active')}, "  # noqa: S608
        f"u.{q('is_superuser')}, g.{q('id')}, g.{q('role')}, g.{q('unit_id')}, g.{q('grid_id')} "
        f"FROM {q(token)} t JOIN {q(user)} u ON u.{q('id')} = t.{q('user_id')} "
        f"LEFT JOIN {q(grant)} g ON g.{q('user_id')} = u.{q('id')} "
        f"WHERE t.{q('digest')} = %s AND t.{q('revoked_at')} IS NULL"
    )


def token_recheck(key: str) -> tuple[int, tuple[Any, ...]] | None:
    """The token's user id and permission fingerprint as the database has them now, in one round
    trip and without building a query: what the per-process token cache (``api.auth``) asks
    every few seconds instead of loading the user and grants again. None: revoked or unknown."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_recheck_sql(), [ApiToken.digest_of(key)])
        rows = cursor.fetchall()
    if not rows:
        return None
    token_id, last_used_at, user_id, is_active, is_superuser = rows[0][:5]
    grants = sorted((r[5], r[6], r[7], r[8]) for r in rows if r[5] is not None)
    _touch_token(token_id, last_used_at)
    return user_id, (bool(is_active), bool(is_superuser), tuple(grants))


def _touch_token(token_id: int, last_used_at: dt.datetime | None) -> None:
    """``last_used_at`` moves at most every five minutes (a write per request would be waste)."""
    now = timezone.now()
    if last_used_at is not None and timezone.is_naive(last_used_at):  # SQLite's raw cursor: UTC, naive
        last_used_at = timezone.make_aware(last_used_at, dt.UTC)
    if last_used_at is None or now - last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


def user_for_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    _touch_token(token.pk, token.last_used_at)
    return token.user
