from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hyx_…`` with a revocable token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from hongyixing.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, for the API docs and the pages' own calls (CSRF-checked)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
        from hongyixing.accounts.services import second_factor_required

        user: Any = request.user
        if not user.is_authenticated:
            return None
        if (user.has_second_factor or second_factor_required(user)) and not request.session.get(
            SESSION_SECOND_FACTOR
        ):
            return None
        return user
