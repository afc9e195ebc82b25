from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

SESSION_SECOND_FACTOR = "hyx_second_factor"
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/healthz")
# Not the token page nor the API: a temporary password gives nothing but the way to replace it.
_OPEN_WHILE_CHANGING = (
    "/accounts/password/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
    "/i18n/",
    "/healthz",
)


class SecondFactorMiddleware:
    """Defence in depth: a session of a user who needs a second factor must have passed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from hongyixing.accounts.services import second_factor_required

        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not request.session.get(SESSION_SECOND_FACTOR)
            and (getattr(user, "has_second_factor", False) or second_factor_required(user))
        ):
            logout(request)
            return redirect("accounts:login")
        return self.get_response(request)


class PasswordChangeMiddleware:
    """A user whose password an administrator set must choose their own before doing anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_OPEN_WHILE_CHANGING)
        ):
            return redirect("accounts:password")
        return self.get_response(request)
