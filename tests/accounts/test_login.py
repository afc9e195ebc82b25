from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.test import Client

from hongyixing.accounts import admin_services, services
from hongyixing.accounts.models import ApiToken, LoginAttempt
from hongyixing.core.models import ChangeLog
from tests.personas import PASSWORD, World


def _post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese_by_default(world: World, client: Client) -> None:
    # Even for a browser that asks for English: the district works in Chinese unless a user switches.
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-hans"' in body and "登录" in body
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32


def test_english_is_available(world: World, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in body and "Sign in" in body


def test_town_officer_signs_in_with_password_only(world: World, client: Client) -> None:
    response = _post_login(client, "town_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_in_plain_words(world: World, client: Client) -> None:
    response = _post_login(client, "town_a", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_lockout_after_five_failures_in_fifteen_minutes(world: World, client: Client) -> None:
    for _ in range(5):
        _post_login(client, "town_a", "wrong-password")
    response = _post_login(client, "town_a", PASSWORD)
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    assert services.is_locked_out("town_a", ip="127.0.0.1")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    assert not services.is_locked_out("town_a", now=later, ip="127.0.0.1")
    assert LoginAttempt.objects.filter(username="town_a", succeeded=False).count() == 5


def test_passwords_are_hashed_with_argon2(world: World, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.do_create_user(None, "argon", password="A-long-enough-pass")
    assert user.password.startswith("argon2$")


def test_district_officer_must_enrol_then_use_totp(world: World, client: Client) -> None:
    response = _post_login(client, "district", PASSWORD)
    assert response["Location"] == "/accounts/enrol/"
    assert client.get("/").status_code == 302  # not signed in yet
    # The password alone does not bind a second factor: the enrolment code an administrator issued does.
    assert "secret" not in client.get("/accounts/enrol/").context
    code = admin_services.do_issue_enrolment_code(world.users["superuser"], world.users["district"])
    refused = client.post("/accounts/enrol/", {"enrolment_code": "WRONG123"})
    assert refused.status_code == 200 and "secret" not in refused.context
    assert client.post("/accounts/enrol/", {"enrolment_code": code})["Location"] == "/accounts/enrol/"
    page = client.get("/accounts/enrol/")
    secret = page.context["secret"]
    assert "<svg" in page.content.decode()
    response = client.post(
        "/accounts/enrol/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert response.status_code == 200  # wrong code refused
    response = client.post("/accounts/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    world.users["district"].refresh_from_db()
    assert world.users["district"].has_second_factor
    assert ChangeLog.objects.filter(object_type="accounts.user", action="update").exists()

    # Next sign-in asks for the code; a replayed code is refused.
    other = Client()
    assert _post_login(other, "district", PASSWORD)["Location"] == "/accounts/second-factor/"
    assert other.post("/accounts/second-factor/", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert other.get("/").status_code == 302


def test_second_factor_accepts_a_fresh_code(world: World, client: Client) -> None:
    user = world.users["district"]
    secret = pyotp.random_base32()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    assert services.do_confirm_enrolment(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    assert _post_login(client, "district", PASSWORD)["Location"] == "/accounts/second-factor/"
    response = client.post("/accounts/second-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_session_without_second_factor_is_signed_out(world: World, client: Client) -> None:
    client.force_login(world.users["district"])
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_idle_timeout_is_the_session_age(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.IDLE_TIMEOUT_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_api_token_issue_use_and_revoke(world: World, client_for) -> None:
    client = client_for("town_a")
    response = client.post("/accounts/tokens/", {"name": "核查对接"})
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=world.users["town_a"])
    assert token.digest != key and key not in token.digest
    api = Client()
    assert api.get("/api/units", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert api.get("/api/units", HTTP_AUTHORIZATION="Bearer hyx_wrong").status_code == 401
    client.post(f"/accounts/tokens/{token.id}/revoke/")
    assert api.get("/api/units", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


@pytest.mark.parametrize("persona", ["town_b", "grid_a1"])
def test_someone_elses_token_cannot_be_revoked(world: World, client_for, persona: str) -> None:
    token, _key = services.do_issue_token(world.users["town_a"], "mine")
    response = client_for(persona).post(f"/accounts/tokens/{token.id}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
