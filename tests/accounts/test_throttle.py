"""Finding 6 and 7: sign-ins are throttled per (account, address), per address and — on evidence
from many addresses — per account; an outsider's failures do not keep the owner out, and the client
address comes from X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

import datetime as dt

import pyotp
from django.test import Client, RequestFactory, override_settings

from hongyixing.accounts import services
from hongyixing.accounts.models import LoginAttempt
from hongyixing.core.clientaddr import client_address
from tests.personas import PASSWORD, World


def _login(username: str, password: str, ip: str, client: Client | None = None):
    client = client or Client()
    return client, client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _locked(response) -> bool:
    return response.status_code == 200 and "锁定" in response.content.decode()


def test_an_outsiders_failures_do_not_lock_the_owner_out(world: World) -> None:
    for _ in range(5):
        _login("town_a", "wrong-password", "203.0.113.9")
    _, attacker = _login("town_a", PASSWORD, "203.0.113.9")
    assert _locked(attacker)  # the attacking address is slowed, even with the right password
    _, owner = _login("town_a", PASSWORD, "198.51.100.7")
    assert owner.status_code == 302 and owner["Location"] == "/"


def test_password_spraying_from_one_address_is_slowed(world: World, settings) -> None:
    settings.LOGIN_ADDRESS_FAILURES = 6
    for n in range(6):
        _login(f"guess{n}", "Winter2020!", "203.0.113.50")
    _, response = _login("town_a", PASSWORD, "203.0.113.50")
    assert _locked(response)
    assert not LoginAttempt.objects.filter(username="town_a").exists()  # not even tried
    _, elsewhere = _login("town_a", PASSWORD, "198.51.100.7")
    assert elsewhere.status_code == 302


def test_many_addresses_lock_password_only_accounts(world: World) -> None:
    for n in range(5):
        _login("town_a", "wrong-password", f"203.0.113.{n + 1}")
    state = services.throttle("town_a", "198.51.100.7")
    assert state.account and not state.blocks_address
    _, owner = _login("town_a", PASSWORD, "198.51.100.7")
    assert _locked(owner)  # no second factor: the account waits
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    assert not services.is_locked_out("town_a", now=later, ip="198.51.100.7")


def test_owner_with_a_second_factor_still_signs_in_under_a_distributed_attack(world: World) -> None:
    user = world.users["district"]
    secret = pyotp.random_base32()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    assert services.do_confirm_enrolment(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    for n in range(8):
        _, wrong = _login("district", "wrong-password", f"203.0.113.{n + 1}")
    assert _locked(wrong)  # the attackers see a lock, not whether a password was right
    client, owner = _login("district", PASSWORD, "198.51.100.7")
    assert owner.status_code == 302 and owner["Location"] == "/accounts/second-factor/"
    done = client.post(
        "/accounts/second-factor/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="198.51.100.7"
    )
    assert done.status_code == 302 and done["Location"] == "/"


def test_second_factor_failures_count_per_address(world: World) -> None:
    user = world.users["district"]
    secret = pyotp.random_base32()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    assert services.do_confirm_enrolment(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    client, _ = _login("district", PASSWORD, "203.0.113.77")
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for _ in range(5):
        client.post("/accounts/second-factor/", {"code": wrong}, REMOTE_ADDR="203.0.113.77")
    assert LoginAttempt.objects.filter(ip="203.0.113.77", succeeded=False).count() == 5
    blocked = client.post(
        "/accounts/second-factor/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="203.0.113.77"
    )
    assert blocked.status_code == 200  # still on the code page


# ----------------------------------------------------------------- client address


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_header_is_ignored_without_trusted_proxies() -> None:
    assert client_address(_request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "127.0.0.1/32"])
def test_forwarded_header_is_read_from_the_right_behind_a_trusted_proxy() -> None:
    # The client forged "6.6.6.6"; the proxy appended the real peer 198.51.100.7.
    assert client_address(_request("127.0.0.1", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_address(_request("127.0.0.1", "198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_address(_request("127.0.0.1", "junk")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"
    # A peer that is not a trusted proxy cannot choose its address.
    assert client_address(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_self_registration_limit_is_per_citizen_behind_the_proxy(world: World) -> None:
    from hongyixing.verification.selfreg import _client_key

    one = _client_key(_request("127.0.0.1", "198.51.100.7"))
    two = _client_key(_request("127.0.0.1", "198.51.100.8"))
    assert one != two


def test_trusted_proxies_are_validated(monkeypatch) -> None:
    from hongyixing import config

    monkeypatch.setenv("HONGYIXING_TRUSTED_PROXIES", "10.0.0.0/8, not-an-address, ::1")
    before = len(config.PROBLEMS)
    try:
        assert config.env_networks("HONGYIXING_TRUSTED_PROXIES") == ["10.0.0.0/8", "::1/128"]
        assert "not-an-address" in config.PROBLEMS[-1]
    finally:
        del config.PROBLEMS[before:]
