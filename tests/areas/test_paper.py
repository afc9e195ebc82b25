"""Paper where people use paper: the self-registration QR poster and the door-to-door list."""

from __future__ import annotations

import pytest
from django.test import Client

from hongyixing.areas.models import Household
from hongyixing.core.masking import mask_name
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_a_village_poster_draws_its_qr_and_names_the_village(world: World, client_for) -> None:
    village = world.a.village
    unit_page = client_for("town_a").get(f"/areas/units/{village.path}/").content.decode()
    assert f"/areas/units/{village.path}/poster/" in unit_page
    page = client_for("town_a").get(f"/areas/units/{village.path}/poster/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and village.name in html
    assert f"/register/?place={village.path}" in html and "扫码" in html
    assert "<script" not in html
    assert client_for("town_b").get(f"/areas/units/{village.path}/poster/").status_code == 404
    building = world.a.building
    assert client_for("town_a").get(f"/areas/units/{building.path}/poster/").status_code == 404


def test_the_registration_form_prefills_the_place(world: World) -> None:
    village = world.a.village
    html = Client().get("/register/", {"place": village.path}).content.decode()
    assert f'value="{village.parent.name}{village.name}"' in html
    plain = Client().get("/register/", {"place": "nowhere"})
    assert plain.status_code == 200 and village.name not in plain.content.decode()


def test_a_grid_door_list_masks_names_and_leaves_room_to_sign(world: World, client_for) -> None:
    grid = world.a.grid
    assert (
        f"/people/grids/{grid.id}/doors/"
        in client_for("grid_a1").get(f"/areas/grids/{grid.id}/").content.decode()
    )
    html = client_for("grid_a1").get(f"/people/grids/{grid.id}/doors/").content.decode()
    household = Household.objects.filter(grid=grid).exclude(members=None).first()
    assert household is not None
    member = household.members.first()
    assert member is not None and len(member.name) > 1
    assert household.address in html and mask_name(member.name) in html and member.name not in html
    assert "签字" in html and "走访结果" in html
    assert client_for("town_b").get(f"/people/grids/{grid.id}/doors/").status_code == 404


def test_the_screening_campaign_links_its_grids_door_lists(world: World, client_for) -> None:
    from tests.command.builders import build_command

    campaign = build_command(world).campaigns["a"]
    html = client_for("town_a").get(f"/command/screening/{campaign.id}/").content.decode()
    assert f"/people/grids/{world.a.grid.id}/doors/" in html
