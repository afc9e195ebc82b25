"""The start page per role: each persona sees its own work with counts that link to the list behind them,
and a menu of the pages its role uses."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.utils import timezone

from hongyixing.accounts import services as accounts
from hongyixing.areas.models import AdminUnit
from hongyixing.command import services as command
from hongyixing.control import services as control
from hongyixing.control.choices import MeasureType
from hongyixing.enterprises import services as enterprises
from hongyixing.reports.home import SECTIONS
from hongyixing.verification import services as verification
from hongyixing.verification.models import PushSource
from tests.command.builders import CHECKLIST
from tests.control.conftest import frozen
from tests.enterprises.builders import build_economy
from tests.personas import DISTRICT, PASSWORD, World, login


def _figure(body: str, label: str) -> tuple[int, str]:
    """(count, link) of the home figure with this label; fails when the page does not show it."""
    found = re.search(
        r'<a href="([^"]+)"[^>]*><strong>(\d+)</strong><span>' + re.escape(label) + "</span>", body
    )
    assert found, f"no figure {label!r} on the page"
    return int(found.group(2)), html.unescape(found.group(1))


def _home(client: Any) -> str:
    page = client.get("/")
    assert page.status_code == 200
    return page.content.decode()


def _person(world: World, name: str, role: str, **grant: Any) -> Any:
    user = accounts.do_create_user(None, name, password=PASSWORD, display_name=name)
    accounts.do_grant(None, user, role, **grant)
    return user


def test_grid_worker_sees_tasks_checks_and_visits_with_links(world: World, client) -> None:
    district = world.users["district"]
    control.do_open_measure(
        district, world.a.persons[1], control.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )
    today = timezone.localdate()
    campaign = command.do_create_campaign(
        district,
        AdminUnit.objects.get(path=DISTRICT),
        "全区排查",
        today,
        today + dt.timedelta(days=3),
        CHECKLIST,
    )
    body = _home(login(client, world.users["grid_a1"]))
    # The push list named one person of grid A1 (the other is in B1, not theirs).
    assert _figure(body, "待反馈核查任务") == (1, "/verification/my/")
    assert _figure(body, "已超时任务")[0] == 0
    count, link = _figure(body, "本时段未测体温人员")
    assert count == 1 and link == "/control/today/"
    count, link = _figure(body, "尚未走访户数")
    assert count == 1 and link == f"/command/screening/{campaign.pk}/households/"
    # Every figure's link opens (the list behind it).
    for href in re.findall(r'<ul class="stats home-figures">.*?</ul>', body, re.S):
        for url in re.findall(r'href="([^"]+)"', href):
            assert client.get(html.unescape(url)).status_code == 200


def test_overdue_tasks_are_counted_once_the_deadline_passed(world: World, client) -> None:
    later = world.a.task.deadline + dt.timedelta(hours=1)
    with frozen(later):
        body = _home(login(client, world.users["grid_a1"]))
    count, link = _figure(body, "已超时任务")
    assert count == 1 and "overdue=1" in link
    with frozen(later):
        assert client.get(link).status_code == 200


def test_village_cadre_sees_the_tasks_waiting_at_the_village(world: World, client) -> None:
    from hongyixing.areas import services as areas

    areas.do_create_grid(None, world.a.village, 2, f"{world.a.village.name}第2网格", "网格员A2")
    verification.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        [
            verification.PlainRow(
                row_number=2, values={"name": "张三", "address": "高良涧街道临河社区人民路18号"}, raw=[]
            )
        ],
        title="协查",
        category="general",
        headers=["姓名", "地址"],
    )
    cadre = _person(world, "cadre_a", "village_cadre", unit=world.a.village)
    body = _home(login(client, cadre))
    count, link = _figure(body, "待分派到网格的任务")
    assert count == 1 and link == "/verification/desk/"


def test_town_officer_and_district_see_their_pressure(world: World, client) -> None:
    later = world.a.task.deadline + dt.timedelta(hours=1)
    with frozen(later):
        town = _home(login(client, world.users["town_a"]))
        district = _home(login(client, world.users["district"]))
    assert _figure(town, "已超时任务")[0] == 1  # only town A's task
    assert _figure(town, "退回重办的任务")[0] == 0
    assert _figure(town, "待审核复工备案")[0] == 0
    assert _figure(district, "已超时任务")[0] == 2  # both towns
    assert _figure(district, "督办清单事项")[1] == "/command/supervision/"
    assert _figure(district, "在办指令")[1] == "/command/directives/"


def test_cdc_sees_tests_waiting_for_a_result(world: World, client) -> None:
    cdc = world.users["cdc"]
    sample = control.do_request_test(cdc, world.a.persons[0])
    control.do_record_sampling(cdc, sample, "TUBE-9", "护士")
    control.do_request_test(cdc, world.b.persons[0])  # scheduled, not sampled: not waiting for a lab
    body = _home(login(client, cdc))
    count, link = _figure(body, "已采样待出结果")
    assert count == 1 and link == "/control/tests/"
    assert _figure(body, "待判定的阳性结果")[0] == 0


def test_site_manager_home_links_to_their_site(world: World, client) -> None:
    manager = _person(world, "site_mgr", "site_manager", unit=world.a.town)
    site = control.do_create_site(
        world.users["district"],
        control.SiteSpec(
            name="湖滨宾馆",
            kind="hotel",
            address="x",
            capacity=2,
            manager_name="张",
            unit_path=DISTRICT,
            manager=manager,
            rooms=["101", "102"],
        ),
    )
    body = _home(login(client, manager))
    count, link = _figure(body, "湖滨宾馆：空余房间")
    assert count == 2 and link == f"/control/sites/{site.pk}/"
    assert "您没有任何区域或人员的管辖权限" not in body


def test_enterprise_contact_sees_filings_and_claims(world: World, client) -> None:
    economy = build_economy(world, staff=False)
    enterprises.do_open_filing(
        world.users["enterprise"], economy.enterprises["a"], enterprises.FilingInput({})
    )
    body = _home(login(client, world.users["enterprise"]))
    count, link = _figure(body, "被退回或未提交的复工备案")
    assert count == 1 and link == "/enterprises/"
    assert _figure(body, "被退回的补贴申请")[0] == 0


def _menu(body: str) -> str:
    found = re.search(r'<nav class="menu-wide".*?</nav>', body, re.S)
    assert found
    return found.group(0)


def test_grid_worker_menu_has_no_push_lists_or_api_and_a_phone_bar(world: World, client) -> None:
    body = _home(login(client, world.users["grid_a1"]))
    menu = _menu(body)
    assert 'href="/verification/my/"' in menu and 'href="/control/today/"' in menu
    assert 'href="/verification/"' not in body and "/api/docs" not in body and "API" not in menu
    phone = re.search(r'<nav class="menu-phone".*?<details', body, re.S)
    assert phone and re.findall(r">([^<>]+)</a>", phone.group(0)) == ["我的任务", "今日包保对象", "待走访户"]
    assert "<summary>菜单</summary>" in body


@pytest.mark.parametrize(
    ("persona", "bar"),
    [
        ("town_a", ["核查工作台", "预警", "日报"]),
        ("district", ["指挥看板", "指令", "督办"]),
        ("cdc", ["核酸检测", "预警", "病例"]),
    ],
)
def test_each_role_has_its_own_phone_bar(world: World, client, persona: str, bar: list[str]) -> None:
    body = _home(login(client, world.users[persona]))
    phone = re.search(r'<nav class="menu-phone".*?<details', body, re.S)
    assert phone and re.findall(r">([^<>]+)</a>", phone.group(0)) == bar
    assert "待走访户" not in phone.group(0)


def test_several_roles_get_the_union_and_the_superuser_everything(world: World, client) -> None:
    both = _person(world, "both", "grid_worker", grid=world.a.grid)
    accounts.do_grant(None, both, "cdc_staff", unit=AdminUnit.objects.get(path=DISTRICT))
    menu = _menu(_home(login(client, both)))
    assert 'href="/control/tests/"' in menu and 'href="/verification/my/"' in menu
    assert 'href="/verification/"' not in menu
    root = _menu(_home(login(client, world.users["superuser"])))
    assert 'href="/verification/"' in root and "/api/docs" in root and "/accounts/users/" in root


@pytest.mark.parametrize("persona", ["district", "town_a", "grid_a1", "cdc", "enterprise", "superuser"])
def test_no_home_shows_an_english_label(world: World, client, persona: str) -> None:
    body = _home(login(client, world.users[persona]))
    for english in (
        "Tasks overdue",
        "Tasks due",
        "My work today",
        "On the supervision list",
        "Tests waiting for a result",
        "Filings returned or not submitted",
        "Menu",
    ):
        assert f">{english}<" not in body
    assert SECTIONS  # every role the page knows has a section builder


def test_the_home_costs_the_same_whatever_the_number_of_tasks(world: World, client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(persona: str) -> int:
        login(client, world.users[persona])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    before = {p: queries(p) for p in ("grid_a1", "district", "town_a")}
    rows = [
        verification.PlainRow(
            row_number=n + 2,
            values={"name": world.a.persons[n % 2].name, "id_number": world.a.plain_ids[n % 2]},
            raw=[],
        )
        for n in range(6)
    ]
    verification.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="再次协查",
        category="general",
        headers=["姓名", "身份证号"],
        mapping={"name": "姓名", "id_number": "身份证号"},
    )
    assert _figure(_home(login(client, world.users["grid_a1"])), "待反馈核查任务")[0] > 1
    assert {p: queries(p) for p in before} == before


def test_the_search_box_is_only_for_those_who_may_search(world: World, client) -> None:
    enterprise = _home(login(client, world.users["enterprise"]))
    assert 'action="/people/"' not in enterprise
    client.logout()
    town = _home(login(client, world.users["town_a"]))
    assert 'action="/people/"' in town
