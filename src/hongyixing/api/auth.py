from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

# A token's user, grants and scopes are kept per process: the twice-daily check-in path (W2) then
# spends its CPU and round trips on the check itself, not on loading the same token, user and
# grants on every request. Within this process a revoked token, a deactivated user or a changed
# grant is forgotten at once (the signals below). Every TOKEN_CACHE_SECONDS an entry is re-checked
# against the database with one fixed statement (``accounts.services.token_recheck``: the token,
# the user's flags and grants): another worker process's revocation or grant change is honoured at
# most TOKEN_CACHE_SECONDS later, as before, for a fraction of a full load's CPU (no ORM query is
# built). The user object itself is reloaded after TOKEN_KEEP_SECONDS (its name and the like).
TOKEN_CACHE_SECONDS = 5.0
TOKEN_KEEP_SECONDS = 300.0
_MAX_ENTRIES = 10_000


@dataclass
class _Entry:
    fresh_until: float  # monotonic; past it, re-checked before use
    keep_until: float  # monotonic; past it, loaded anew
    fingerprint: tuple[Any, ...]
    user: Any


_tokens: dict[str, _Entry] = {}  # token digest → entry
_lock = threading.Lock()
# The cache's clock (seconds, monotonic); a test replaces it to step past the window without sleeping.
clock = time.monotonic


def forget_tokens(*_args: Any, **_kwargs: Any) -> None:
    """Drop every cached token (connected to saves of tokens, users and grants)."""
    with _lock:
        _tokens.clear()


def _load(key: str, digest: str, now: float) -> _Entry | None:
    from hongyixing.accounts.services import token_fingerprint, user_for_token

    user = user_for_token(key)
    if user is None:
        with _lock:
            _tokens.pop(digest, None)
        return None
    fingerprint = token_fingerprint(user)  # loads the grants, once for the entry's life
    user._hongyixing_scope_cache = {}  # type: ignore[attr-defined]
    entry = _Entry(now + TOKEN_CACHE_SECONDS, now + TOKEN_KEEP_SECONDS, fingerprint, user)
    with _lock:
        if len(_tokens) >= _MAX_ENTRIES:
            _tokens.clear()
        _tokens[digest] = entry
    return entry


def user_for_token_cached(key: str) -> Any:
    """``accounts.services.user_for_token``, remembered (see above). Each request gets its own copy
    of the user; the copies share the grants and the scope cache that
    ``accounts.permissions.grants_of`` and ``core.scope.scope_for`` keep on it."""
    from hongyixing.accounts.models import ApiToken
    from hongyixing.accounts.services import token_recheck

    digest = ApiToken.digest_of(key)
    now = clock()
    entry: _Entry | None = _tokens.get(digest)
    if entry is None or entry.keep_until <= now:
        entry = _load(key, digest, now)
    elif entry.fresh_until <= now:
        current = token_recheck(key)
        if current is None:
            with _lock:
                _tokens.pop(digest, None)
            return None
        if current == (entry.user.pk, entry.fingerprint):
            entry.fresh_until = now + TOKEN_CACHE_SECONDS
        else:
            entry = _load(key, digest, now)
    if entry is None:
        return None
    mine = copy.copy(entry.user)
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
