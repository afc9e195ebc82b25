"""Picked users are staff of the place (issue #10, the delegation hole): a team member, a site manager
or a liaison is never an arbitrary active account chosen by name."""

from __future__ import annotations

import pytest

from hongyixing.accounts import services as accounts
from hongyixing.accounts.queries import staff_for_unit
from hongyixing.control import services
from hongyixing.control.choices import MeasureType, TeamRole
from hongyixing.control.models import Measure, Site, TeamMember
from hongyixing.control.queries import visible_measure
from hongyixing.core.errors import DomainError
from tests.personas import PASSWORD, World, login

pytestmark = pytest.mark.django_db


def _staff(name: str, role: str | None = None, **grant) -> object:
    user = accounts.do_create_user(None, name, password=PASSWORD, display_name=name)
    if role:
        accounts.do_grant(None, user, role, **grant)
    return user


def _measure(world: World) -> Measure:
    return services.do_open_measure(
        world.users["town_a"], world.a.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )


def test_staff_for_unit_is_the_role_through_a_grant_tied_to_the_place(world: World) -> None:
    police_a = _staff("police_a", "community_police", unit=world.a.town)
    police_b = _staff("police_b", "community_police", unit=world.b.town)
    _staff("nobody")
    village = world.a.persons[0].unit_path
    assert list(staff_for_unit(village, ["community_police"])) == [police_a]
    assert police_b not in staff_for_unit(village)
    assert world.users["grid_a1"] in staff_for_unit(village, ["grid_worker"], grid_id=world.a.grid.pk)
    assert world.users["cdc"] in staff_for_unit(village, ["cdc_staff"])  # a district grant covers it


def test_a_team_member_must_hold_the_places_role(world: World) -> None:
    measure = _measure(world)
    town_a = world.users["town_a"]
    police_b = _staff("police_b", "community_police", unit=world.b.town)
    loose = _staff("loose")
    for role, user in (
        (TeamRole.POLICE, police_b),  # the right role, another town
        (TeamRole.CADRE, loose),  # no grant at all
        (TeamRole.POLICE, world.users["enterprise"]),  # a grant over the place, not a field role
        (TeamRole.MEDICAL, world.users["grid_a1"]),  # a grant on the place, the wrong role
    ):
        with pytest.raises(DomainError) as refused:
            services.do_set_team_member(town_a, measure, role, user, "")
        assert refused.value.code == "team.not_staff"
    police_a = _staff("police_a", "community_police", unit=world.a.town)
    member = services.do_set_team_member(town_a, measure, TeamRole.POLICE, police_a, "")
    assert member.user == police_a
    # a name without an account (a volunteer) stays possible
    assert services.do_set_team_member(town_a, measure, TeamRole.VOLUNTEER, None, "李志愿").user is None


def test_a_team_member_cannot_hand_the_measure_to_an_arbitrary_user(world: World) -> None:
    measure = _measure(world)
    worker = world.users["grid_a1"]
    assert measure.team.filter(user=worker).exists()
    outsider = _staff("outsider")
    with pytest.raises(DomainError) as refused:
        services.do_set_team_member(worker, measure, TeamRole.VOLUNTEER, outsider, "")
    assert refused.value.code == "team.not_staff"
    # through the measure page, by username, the same refusal
    from django.test import Client

    client = login(Client(), worker)
    client.post(
        f"/control/measures/{measure.pk}/action/",
        {"action": "team", "role": TeamRole.VOLUNTEER, "user": outsider.pk, "username": "outsider"},
    )
    assert not TeamMember.objects.filter(measure=measure, user=outsider).exists()
    assert not visible_measure(outsider).filter(pk=measure.pk).exists()


def test_a_site_manager_is_a_site_manager_of_the_place(world: World) -> None:
    district = world.users["district"]
    manager_b = _staff("site_b", "site_manager", unit=world.b.town)

    def spec(manager) -> services.SiteSpec:
        return services.SiteSpec(
            name="湖滨宾馆",
            kind="hotel",
            address="x",
            capacity=2,
            manager_name="张",
            unit_path=world.a.town.path,
            manager=manager,
        )

    for manager in (manager_b, world.users["town_a"], _staff("loose")):
        with pytest.raises(DomainError) as refused:
            services.do_create_site(district, spec(manager))
        assert refused.value.code == "site.bad_manager"
    assert not Site.objects.exists()
    manager_a = _staff("site_a", "site_manager", unit=world.a.town)
    assert services.do_create_site(district, spec(manager_a)).manager == manager_a


def test_an_inbound_liaison_is_staff_of_the_place(world: World) -> None:
    import datetime as dt

    with pytest.raises(DomainError) as refused:
        services.do_register_inbound(
            world.users["town_a"],
            world.a.persons[1],
            services.InboundSpec(
                entry_port="浦东机场",
                entry_date=dt.date.today(),
                liaison=world.users["enterprise"],
                local_measure=MeasureType.HOME_ISOLATION,
            ),
        )
    assert refused.value.code == "team.not_staff"


def test_the_pages_offer_only_the_scoped_staff(world: World, client_for) -> None:
    measure = _measure(world)
    police_a = _staff("police_a", "community_police", unit=world.a.town)
    police_b = _staff("police_b", "community_police", unit=world.b.town)
    site_a = _staff("site_a", "site_manager", unit=world.a.town)
    town_a = client_for("town_a")
    page = town_a.get(f"/control/measures/{measure.pk}/").content.decode()
    assert f'value="{police_a.pk}"' in page and f'value="{police_b.pk}"' not in page
    assert f'value="{world.users["enterprise"].pk}"' not in page
    town_a.post(
        f"/control/measures/{measure.pk}/action/",
        {"action": "team", "role": TeamRole.POLICE, "user": police_b.pk},
    )
    assert not TeamMember.objects.filter(user=police_b).exists()
    town_a.post(
        f"/control/measures/{measure.pk}/action/",
        {"action": "team", "role": TeamRole.POLICE, "user": police_a.pk},
    )
    assert TeamMember.objects.filter(measure=measure, role=TeamRole.POLICE, user=police_a).exists()
    sites = town_a.get("/control/sites/").content.decode()
    assert f'value="{site_a.pk}"' in sites and f'value="{police_a.pk}"' not in sites
    form = town_a.get(f"/control/persons/{world.a.persons[1].pk}/inbound/").content.decode()
    assert f'value="{world.users["town_a"].pk}" selected' in form
    assert f'value="{world.users["enterprise"].pk}"' not in form
