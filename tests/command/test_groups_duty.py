from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hongyixing.command import queries, services
from hongyixing.command.models import DutyShift, GroupMember, WorkingGroup
from hongyixing.core.crypto import unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog, PiiAccess
from tests.command.builders import DUTY_PHONES, build_command
from tests.personas import World, login


def test_default_groups_are_the_office_and_eight_groups_once(world: World) -> None:
    command = build_command(world)
    names = list(
        WorkingGroup.objects.filter(unit=command.district).order_by("position").values_list("name", flat=True)
    )
    assert names[0] == "办公室" and len(names) == 9 and "复工复产组" in names
    assert services.do_ensure_default_groups(None, command.district) == 0
    assert WorkingGroup.objects.count() == 9


def test_member_and_duty_phones_are_sealed_and_masked(world: World) -> None:
    command = build_command(world)
    office = world.users["district"]
    member = services.do_add_member(
        office, command.groups["office"], world.users["cdc"], "commander", phone="138-1234-5678"
    )
    assert member.phone_masked == "138****5678" and unseal(member.phone_ciphertext) == "13812345678"
    assert "13812345678" not in str(
        ChangeLog.objects.filter(object_type="command.groupmember").values_list("changes", flat=True)[0]
    )
    with pytest.raises(DomainError) as twice:
        services.do_add_member(office, command.groups["office"], world.users["cdc"], "member")
    assert twice.value.code == "member.exists"
    shift = command.shifts["a"]
    assert shift.phone_masked == "139****2222"
    assert services.duty_phone(world.users["town_a"], shift) == DUTY_PHONES["a"]
    assert PiiAccess.objects.filter(user=world.users["town_a"], field="duty_phone").count() == 1


def test_today_on_duty_and_the_roster_follow_scope(world: World) -> None:
    command = build_command(world)
    now = timezone.now()
    assert {s.pk for s in queries.on_duty(world.users["district"], now)} == {
        s.pk for s in command.shifts.values()
    }
    assert [s.pk for s in queries.on_duty(world.users["town_a"], now)] == [command.shifts["a"].pk]
    assert list(queries.on_duty(world.users["town_a"], now + dt.timedelta(days=2))) == []
    # The district's own roster reaches every town below it.
    district_shift = services.do_add_shift(
        world.users["district"],
        command.district,
        world.users["district"],
        now,
        now + dt.timedelta(hours=8),
        group=command.groups["office"],
    )
    assert district_shift in queries.on_duty(world.users["grid_a1"], now + dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as long_shift:
        services.do_add_shift(
            world.users["district"],
            command.district,
            world.users["district"],
            now,
            now + dt.timedelta(hours=30),
        )
    assert long_shift.value.code == "duty.too_long"
    with pytest.raises(DomainError) as outsider:
        services.do_add_shift(
            world.users["town_b"], world.a.town, world.users["town_b"], now, now + dt.timedelta(hours=1)
        )
    assert outsider.value.code == "not_allowed"


@pytest.mark.django_db
def test_pages_for_the_office_and_a_town(world: World, client) -> None:
    command = build_command(world)
    office = login(client, world.users["district"])
    group = command.groups["epidemic"]
    assert office.get(f"/command/groups/{group.id}/").status_code == 200
    saved = office.post(
        f"/command/groups/{group.id}/edit/",
        {
            "version": group.version,
            "name": "疫情防控(流调)组",
            "lead_unit": "区疾控中心",
            "duties": "流调",
            "position": 1,
        },
    )
    assert saved.status_code == 302 and WorkingGroup.objects.get(pk=group.pk).lead_unit == "区疾控中心"
    stale = office.post(
        f"/command/groups/{group.id}/edit/", {"version": group.version, "name": "x", "position": 1}
    )
    assert stale.status_code == 302 and WorkingGroup.objects.get(pk=group.pk).name != "x"
    office.post(
        f"/command/groups/{group.id}/members/",
        {"user": world.users["cdc"].id, "role": "leader", "phone": "13800001111"},
    )
    member = GroupMember.objects.get(group=group)
    page = office.get(f"/command/groups/{group.id}/").content.decode()
    assert "138****1111" in page and "13800001111" not in page
    day = timezone.localdate().isoformat()
    added = office.post(
        "/command/duty/",
        {
            "unit": world.b.town.id,
            "officer": world.users["town_b"].id,
            "starts_at": f"{day}T08:00",
            "ends_at": f"{day}T20:00",
            "phone": "13900009999",
        },
    )
    assert added.status_code == 302 and DutyShift.objects.filter(unit=world.b.town).count() == 2
    roster = office.get("/command/duty/").content.decode()
    assert "139****9999" in roster and "13900009999" not in roster
    town = login(client.__class__(), world.users["town_a"])
    assert town.get(f"/command/groups/{group.id}/").status_code == 200  # read from above
    assert (
        town.post(f"/command/groups/{group.id}/edit/", {"version": 9, "name": "x", "position": 1}).status_code
        == 404
    )
    assert town.post(f"/command/groups/{group.id}/members/{member.id}/remove/").status_code == 404
    assert town.get("/command/duty/").status_code == 200


def test_group_members_and_duty_officers_are_staff_of_the_unit(world: World) -> None:
    """Issue #10 (delegation hole): a picked user holds a grant tied to the unit, never any account."""
    from hongyixing.accounts import services as accounts

    command = build_command(world)
    office = world.users["district"]
    loose = accounts.do_create_user(None, "loose", password="Persona-pass-2020")
    for user in (loose, world.users["enterprise"]):
        with pytest.raises(DomainError) as refused:
            services.do_add_member(office, command.groups["office"], user, "member")
        assert refused.value.code == "member.not_staff"
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        services.do_add_shift(office, world.a.town, world.users["town_b"], now, now + dt.timedelta(hours=8))
    assert refused.value.code == "duty.not_staff"
    assert world.users["town_b"] not in queries.staff_choices(world.a.town)
    assert loose not in queries.staff_choices(command.district)
    assert world.users["town_b"] in queries.staff_choices(command.district)
