"""User administration: scoped, forced password change, second-factor reset and enrolment codes."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from hongyixing.accounts import admin_services
from hongyixing.accounts.models import Grant, User
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.models import ChangeLog, DomainEvent
from tests.personas import PASSWORD, World, login

NEW_PASSWORD = "Town-officer-own-2020"


def _sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_district_office_creates_a_town_officer_who_must_change_the_password(world: World) -> None:
    office = login(Client(), world.users["district"])
    page = office.get("/accounts/users/")
    assert page.status_code == 200
    response = office.post(
        "/accounts/users/",
        {
            "username": "gaoliangjian_li",
            "display_name": "李干部",
            "title": "副镇长",
            "role": "town_officer",
            "place": f"unit:{world.a.town.pk}",
        },
    )
    assert response.status_code == 302
    detail = office.get(response["Location"])
    temporary = detail.context["shown_once"]
    assert temporary and temporary in detail.content.decode()
    assert office.get(response["Location"]).context["shown_once"] is None  # shown once only
    user = User.objects.get(username="gaoliangjian_li")
    assert user.must_change_password and Grant.objects.get(user=user).unit == world.a.town

    officer = Client()
    assert _sign_in(officer, "gaoliangjian_li", temporary)["Location"] == "/"
    assert officer.get("/")["Location"] == "/accounts/password/"
    assert officer.get("/accounts/tokens/")["Location"] == "/accounts/password/"
    weak = officer.post("/accounts/password/", {"current": temporary, "new": "123", "repeat": "123"})
    assert weak.status_code == 200
    done = officer.post(
        "/accounts/password/", {"current": temporary, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert done["Location"] == "/"
    assert officer.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert DomainEvent.objects.filter(name="user.password_changed", subject_id=user.pk).exists()


def test_a_town_administers_only_its_own_users(world: World) -> None:
    town_a = world.users["town_a"]
    visible = set(admin_services.administered_users(town_a).values_list("username", flat=True))
    assert "grid_a1" in visible and "town_b" not in visible and "district" not in visible
    with pytest.raises(NotFound):
        admin_services.do_reset_password(town_a, world.users["town_b"])
    with pytest.raises(DomainError):
        admin_services.do_create_staff_user(town_a, "x1", "x", "", "town_officer", unit=world.b.town)
    with pytest.raises(DomainError):
        admin_services.do_create_staff_user(town_a, "x2", "x", "", "district_office", unit=world.a.town)
    client = login(Client(), town_a)
    assert client.get(f"/accounts/users/{world.users['town_b'].pk}/").status_code == 404
    assert client.post(f"/accounts/users/{world.users['town_b'].pk}/deactivate/").status_code == 404
    assert login(Client(), world.users["grid_a1"]).get("/accounts/users/").status_code == 404


def test_deactivate_and_reset_password(world: World) -> None:
    office = login(Client(), world.users["district"])
    target = world.users["town_a"]
    office.post(f"/accounts/users/{target.pk}/deactivate/")
    target.refresh_from_db()
    assert not target.is_active
    assert _sign_in(Client(), "town_a", PASSWORD).status_code == 200  # refused
    office.post(f"/accounts/users/{target.pk}/activate/")
    office.post(f"/accounts/users/{target.pk}/reset_password/")
    temporary = office.get(f"/accounts/users/{target.pk}/").context["shown_once"]
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(temporary)
    assert DomainEvent.objects.filter(name="user.password_reset", subject_id=target.pk).exists()


def test_second_factor_reset_is_logged_and_needs_the_enrolment_code(world: World) -> None:
    district = world.users["district"]
    secret = pyotp.random_base32()
    from hongyixing.accounts.services import do_confirm_enrolment

    assert do_confirm_enrolment(district, secret, pyotp.TOTP(secret).now())
    code = admin_services.do_reset_second_factor(world.users["superuser"], district)
    district.refresh_from_db()
    assert not district.has_second_factor
    assert DomainEvent.objects.filter(name="user.second_factor_reset", subject_id=district.pk).exists()
    assert ChangeLog.objects.filter(
        object_type="accounts.user", object_id=district.pk, action="update"
    ).exists()
    client = Client()
    assert _sign_in(client, "district", PASSWORD)["Location"] == "/accounts/enrol/"
    assert "secret" not in client.get("/accounts/enrol/").context
    assert client.post("/accounts/enrol/", {"enrolment_code": code})["Location"] == "/accounts/enrol/"
    new_secret = client.get("/accounts/enrol/").context["secret"]
    assert client.post("/accounts/enrol/", {"code": pyotp.TOTP(new_secret).now()})["Location"] == "/"
    district.refresh_from_db()
    assert district.has_second_factor and not district.enrolment_code_digest  # the code is used up


def test_a_new_district_user_changes_the_password_before_enrolling(world: World) -> None:
    user, temporary = admin_services.do_create_staff_user(
        world.users["superuser"], "office2", "办公室", "", "district_office", unit=world.a.town.parent
    )
    client = Client()
    assert _sign_in(client, "office2", temporary)["Location"] == "/accounts/first-password/"
    assert client.get("/accounts/enrol/").context.get("secret") is None
    done = client.post(
        "/accounts/first-password/", {"current": temporary, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/enrol/"
    secret = client.get("/accounts/enrol/").context["secret"]
    assert client.post("/accounts/enrol/", {"code": pyotp.TOTP(secret).now()})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_superuser_picks_places_of_the_served_district_only(world: World) -> None:
    """The divisions file holds the whole city; only the served district's units are places to grant."""
    from hongyixing.areas.district import district_path
    from hongyixing.areas.models import AdminUnit

    others = AdminUnit.objects.filter(level="district").exclude(path=district_path())
    assert others.exists()  # the shipped divisions name the city's other districts
    page = login(Client(), world.users["superuser"]).get("/accounts/users/")
    assert page.status_code == 200
    places = dict(page.context["form"].fields["place"].choices)
    assert f"unit:{world.a.town.pk}" in places
    assert f"unit:{world.a.town.parent.pk}" in places
    for unit in others:
        assert f"unit:{unit.pk}" not in places
