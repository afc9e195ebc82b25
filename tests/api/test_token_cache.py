"""The per-process token cache (api/auth.py): fewer lookups, and revocation still honoured."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hongyixing.accounts.models import ApiToken, Grant
from hongyixing.accounts.permissions import grants_of
from hongyixing.accounts.services import do_issue_token, do_revoke_token
from hongyixing.api import auth
from tests.personas import World


@pytest.fixture(autouse=True)
def _empty_token_cache():
    auth.forget_tokens()
    yield
    auth.forget_tokens()


def _get(key: str, path: str = "/api/units") -> int:
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {key}").status_code


def test_a_cached_token_skips_the_token_and_grant_lookups(world: World) -> None:
    user = world.users["town_a"]
    _token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    with CaptureQueriesContext(connection) as first_again:
        assert _get(key) == 200
    auth.TOKEN_CACHE_SECONDS, saved = 0.0, auth.TOKEN_CACHE_SECONDS
    auth.forget_tokens()
    try:
        with CaptureQueriesContext(connection) as uncached:
            assert _get(key) == 200
    finally:
        auth.TOKEN_CACHE_SECONDS = saved
    sql = " ".join(q["sql"] for q in first_again.captured_queries)
    assert "accounts_apitoken" not in sql and "accounts_grant" not in sql
    assert len(first_again.captured_queries) < len(uncached.captured_queries)


def test_revoking_through_the_service_refuses_the_next_request(world: World) -> None:
    user = world.users["town_a"]
    token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    do_revoke_token(user, token)
    assert _get(key) == 401


def test_a_revocation_this_process_did_not_see_is_honoured_after_the_window(
    world: World, monkeypatch
) -> None:
    """Another worker revoked it (no signal here): refused once the entry expires."""
    user = world.users["town_a"]
    token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no signal
    assert _get(key) == 200  # still inside the window
    later = auth.clock() + auth.TOKEN_CACHE_SECONDS + 0.1
    monkeypatch.setattr(auth, "clock", lambda: later)
    assert _get(key) == 401


def test_a_removed_grant_narrows_the_scope_at_once(world: World) -> None:
    user = world.users["grid_a1"]
    _token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    for grant in Grant.objects.filter(user=user):
        grant.delete()  # post_delete: the cached user and its scopes are dropped
    with CaptureQueriesContext(connection) as after:
        _get(key)
    assert any("accounts_grant" in q["sql"] for q in after.captured_queries)


def test_each_request_gets_its_own_user_object(world: World) -> None:
    user = world.users["town_a"]
    _token, key = do_issue_token(user, "cache")
    first = auth.user_for_token_cached(key)
    second = auth.user_for_token_cached(key)
    assert first is not second and first.pk == second.pk == user.pk
    first.some_attribute = 1
    assert not hasattr(second, "some_attribute")


def test_a_deactivation_another_process_made_is_honoured_within_the_bound(world: World, monkeypatch) -> None:
    """The bound is the cache's whole promise: served from the cache just inside it, refused past it
    (the clock is stepped, nothing sleeps)."""
    from hongyixing.accounts.models import User

    user = world.users["town_a"]
    _token, key = do_issue_token(user, "cache")
    start = auth.clock()
    monkeypatch.setattr(auth, "clock", lambda: start)
    assert _get(key) == 200
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal reaches this process
    monkeypatch.setattr(auth, "clock", lambda: start + auth.TOKEN_CACHE_SECONDS - 0.01)
    assert _get(key) == 200
    monkeypatch.setattr(auth, "clock", lambda: start + auth.TOKEN_CACHE_SECONDS)
    assert _get(key) == 401


def _step(monkeypatch, seconds: float) -> None:
    at = auth.clock() + seconds
    monkeypatch.setattr(auth, "clock", lambda: at)


def test_past_the_window_an_unchanged_token_is_rechecked_in_one_statement(world: World, monkeypatch) -> None:
    user = world.users["grid_a1"]
    _token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    cached = auth._tokens[ApiToken.digest_of(key)].user
    _step(monkeypatch, auth.TOKEN_CACHE_SECONDS + 0.1)
    with CaptureQueriesContext(connection) as rechecked:
        assert _get(key) == 200
    auth_queries = [q["sql"] for q in rechecked.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(auth_queries) == 1 and "accounts_grant" in auth_queries[0]
    assert auth._tokens[ApiToken.digest_of(key)].user is cached  # kept, not loaded again


def test_a_grant_another_process_added_is_seen_at_the_recheck(world: World, monkeypatch) -> None:
    user = world.users["grid_a1"]
    _token, key = do_issue_token(user, "cache")
    assert _get(key) == 200
    Grant.objects.bulk_create([Grant(user=user, role="grid_worker", grid=world.b.grid)])  # no signal
    assert world.b.grid.pk not in {g.grid_id for g in grants_of(auth.user_for_token_cached(key))}
    before = auth._tokens[ApiToken.digest_of(key)].fingerprint
    _step(monkeypatch, auth.TOKEN_CACHE_SECONDS + 0.1)
    fresh = auth.user_for_token_cached(key)
    assert world.b.grid.pk in {g.grid_id for g in grants_of(fresh)}
    assert auth._tokens[ApiToken.digest_of(key)].fingerprint != before


def test_the_user_object_is_loaded_anew_after_the_keep_time(world: World, monkeypatch) -> None:
    from hongyixing.accounts.models import User

    user = world.users["town_a"]
    _token, key = do_issue_token(user, "cache")
    assert auth.user_for_token_cached(key).display_name == user.display_name
    User.objects.filter(pk=user.pk).update(display_name="改名后")  # no signal; not a permission
    _step(monkeypatch, auth.TOKEN_CACHE_SECONDS + 0.1)
    assert auth.user_for_token_cached(key).display_name == user.display_name  # recheck: same rights
    _step(monkeypatch, auth.TOKEN_KEEP_SECONDS)
    assert auth.user_for_token_cached(key).display_name == "改名后"
