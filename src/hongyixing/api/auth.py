from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

# A token's user, grants and scopes are kept per process for this many seconds: the twice-daily
# check-in path (W2) then spends its database round trips on the check itself, not on looking up
# the same token and grants again on every request. Within this process a revoked token, a
# deactivated user or a changed grant is forgotten at once (the signals below); another worker
# process notices at its next lookup, at most TOKEN_CACHE_SECONDS later (docs/benchmarks.md).
TOKEN_CACHE_SECONDS = 5.0
_MAX_ENTRIES = 10_000
_tokens: dict[str, tuple[float, Any]] = {}  # token digest → (expires at, monotonic; the user)
_lock = threading.Lock()
# The cache's clock (seconds, monotonic); a test replaces it to step past the window without sleeping.
clock = time.monotonic


def forget_tokens(*_args: Any, **_kwargs: Any) -> None:
    """Drop every cached token (connected to saves of tokens, users and grants)."""
    with _lock:
        _tokens.clear()


def user_for_token_cached(key: str) -> Any:
    """``accounts.services.user_for_token``, remembered for TOKEN_CACHE_SECONDS. Each request gets
    its own copy of the user; the copies share the grants and the scope cache that
    ``accounts.permissions.grants_of`` and ``core.scope.scope_for`` keep on it."""
    from hongyixing.accounts.models import ApiToken
    from hongyixing.accounts.permissions import grants_of
    from hongyixing.accounts.services import user_for_token

    digest = ApiToken.digest_of(key)
    now = clock()
    hit = _tokens.get(digest)
    if hit is None or hit[0] <= now:
        user = user_for_token(key)
        if user is None:
            with _lock:
                _tokens.pop(digest, None)
            return None
        grants_of(user)  # loaded once for the entry's life
        user._hongyixing_scope_cache = {}  # type: ignore[attr-defined]
        with _lock:
            if len(_tokens) >= _MAX_ENTRIES:
                _tokens.clear()
            _tokens[digest] = (now + TOKEN_CACHE_SECONDS, user)
        hit = _tokens[digest]
    mine = copy.copy(hit[1])
    mine._state = copy.copy(mine._state)
    mine._state.fields_cache = dict(mine._state.fields_cache)
    return mine


def _connect_forgetting() -> None:
    from django.db.models.signals import post_delete, post_save

    from hongyixing.accounts.models import ApiToken, Grant, User

    for model in (ApiToken, Grant, User):
        post_save.connect(forget_tokens, sender=model, dispatch_uid=f"forget-tokens-save-{model.__name__}")
        post_delete.connect(forget_tokens, sender=model, dispatch_uid=f"forget-tokens-del-{model.__name__}")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hyx_…`` with a revocable token (cached per process, see above)."""

    def __init__(self) -> None:
        super().__init__()
        _connect_forgetting()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token_cached(token)
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
