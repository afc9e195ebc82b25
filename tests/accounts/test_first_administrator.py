"""The installation's first administrator: made on the command line, in through the pages alone."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from hongyixing.accounts.models import User
from hongyixing.core.models import ChangeAction, ChangeLog

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "Admin-own-password-2020"


def _create(username: str) -> str:
    out = io.StringIO()
    call_command("create_admin", username, "--name", "系统管理员", stdout=out)
    found = re.search(r"\(shown once\): (\S+)", out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


def test_the_first_administrator_signs_in_changes_the_password_and_binds_the_authenticator() -> None:
    temporary = _create("admin")
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.must_change_password and not user.has_second_factor
    assert ChangeLog.objects.filter(object_id=user.pk, action=ChangeAction.CREATE).exists()
    client = Client()
    signed = client.post("/accounts/login/", {"username": "admin", "password": temporary})
    assert signed["Location"] == "/accounts/first-password/"
    done = client.post(
        "/accounts/first-password/", {"current": temporary, "new": OWN_PASSWORD, "repeat": OWN_PASSWORD}
    )
    assert done["Location"] == "/accounts/enrol/"
    # No enrolment code is asked for: nobody could have issued one.
    secret = client.get("/accounts/enrol/").context["secret"]
    assert client.post("/accounts/enrol/", {"code": pyotp.TOTP(secret).now()})["Location"] == "/"
    assert client.get("/accounts/users/").status_code == 200
    assert client.get("/imports/").status_code == 200
    user.refresh_from_db()
    assert user.has_second_factor and not user.must_change_password


def test_a_taken_login_name_is_refused_in_one_line() -> None:
    _create("admin")
    with pytest.raises(CommandError, match="user.exists"):
        _create("admin")
    assert User.objects.filter(username="admin").count() == 1
