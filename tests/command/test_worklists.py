"""The command lists as work lists: directives, my unit's assignments and a campaign's households
filter, sort, page with totals, export (logged), stay in scope and ignore a value not offered."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import python_calamine
from django.utils import timezone

from hongyixing.areas import services as areas
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command import services
from hongyixing.command.services import VisitInput, submit_visit
from hongyixing.core.models import PiiAccess
from tests.command.builders import CHECKLIST, issue
from tests.personas import DISTRICT, VILLAGE_A, World


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    return (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )


@pytest.fixture
def directives(world: World) -> list[Any]:
    """22 directives of the district: 20 to both towns due tomorrow, 2 to town A alone long overdue."""
    now = timezone.now()
    issued = [issue(world, title=f"关于做好第{n + 1}批返乡人员排查的通知") for n in range(20)]
    issued += [
        issue(
            world,
            title=f"关于核查第{n + 1}批密接人员的通知",
            units=[world.a.town],
            now=now - dt.timedelta(days=3),
            hours=2,
        )
        for n in range(2)
    ]
    return issued


def test_directives_page_filter_sort_and_export(world: World, directives, client_for) -> None:
    client = client_for("district")
    first = client.get("/command/directives/?size=20").content.decode()
    assert "第 1–20 条，共 22 条" in first
    assert "第 21–22 条，共 22 条" in client.get("/command/directives/?size=20&page=2").content.decode()
    overdue = client.get("/command/directives/?overdue=1").context["list"]
    assert overdue.total == 2 and all("密接" in d.title for d in overdue.rows)
    assert overdue.rows[0].targets == 1 and overdue.rows[0].acknowledged == 0
    to_b = client.get(f"/command/directives/?target={world.b.town.path}").context["list"]
    assert to_b.total == 20
    assert client.get("/command/directives/?state=accepted").context["list"].total == 0
    assert client.get("/command/directives/?target=999999999&state=bogus").context["list"].total == 22
    deadlines = [
        d.deadline for d in client.get("/command/directives/?sort=deadline&size=50").context["list"].rows
    ]
    assert deadlines == sorted(deadlines)
    rows = _sheet(client.get("/command/directives/?export=xlsx&overdue=1"))
    assert len(rows) == 3 and {str(r[5]) for r in rows[1:]} == {"1"}
    assert PiiAccess.objects.get(kind="export", field="command-directives").detail["rows"] == 2


def test_directives_of_another_command_never_appear(world: World, directives, client_for) -> None:
    village = AdminUnit.objects.get(path=world.b.village.path)
    own = services.check_issue_directive(
        world.users["town_b"],
        world.b.town,
        services.DirectiveInput(
            title="岔河镇关于村组排查的通知",
            content="各村按时报送。",
            deadline=timezone.now() + dt.timedelta(days=1),
            units=[village],
        ),
    )
    town_a = client_for("town_a").get("/command/directives/").context["list"]
    assert own.pk not in {d.pk for d in town_a.rows}
    assert own.pk in {d.pk for d in client_for("town_b").get("/command/directives/").context["list"].rows}


def test_assignments_filter_state_and_overdue(world: World, directives, client_for) -> None:
    client = client_for("town_a")
    mine = client.get("/command/assignments/").context["list"]
    assert mine.total == 22 and {a.unit_path for a in mine.rows} == {world.a.town.path}
    assert client.get("/command/assignments/?overdue=1").context["list"].total == 2
    assert client.get("/command/assignments/?state=accepted").context["list"].total == 0
    assert client.get("/command/assignments/?state=bogus").context["list"].total == 22  # the default
    assert client_for("town_b").get("/command/assignments/").context["list"].total == 20
    rows = _sheet(client.get("/command/assignments/?export=xlsx&overdue=1"))
    assert len(rows) == 3
    assert PiiAccess.objects.filter(kind="export", field="command-assignments").exists()


@pytest.fixture
def campaign(world: World) -> Any:
    """A district campaign; town A holds its household and 24 more (grid A1), town B one."""
    for n in range(24):
        areas.do_create_household(
            None, world.a.building, f"{VILLAGE_A}W{n:04d}", f"临河社区3栋{n + 601}室", f"{n + 601}室"
        )
    today = timezone.localdate()
    return services.do_create_campaign(
        world.users["district"],
        AdminUnit.objects.get(path=DISTRICT),
        "全区地毯式排查",
        today,
        today + dt.timedelta(days=3),
        CHECKLIST,
    )


def test_campaign_households_visited_or_not(world: World, campaign, client_for) -> None:
    worker = world.users["grid_a1"]
    households = list(Household.objects.filter(unit_path__startswith=world.a.town.path).order_by("id"))
    submit_visit(
        worker, campaign, households[0], VisitInput(client_id="v1", outcome="visited", answers={"q1": "no"})
    )
    submit_visit(worker, campaign, households[1], VisitInput(client_id="v2", outcome="nobody_home"))
    client = client_for("town_a")
    url = f"/command/screening/{campaign.pk}/"
    page = client.get(url + "?size=20")
    assert "第 1–20 条，共 24 条" in page.content.decode()
    assert {h.pk for h in page.context["list"].rows}.isdisjoint({world.b.household.pk, households[0].pk})
    assert client.get(url + "?visit=visited").context["list"].total == 1
    tried = client.get(url + "?visit=tried").context["list"]
    assert [h.pk for h in tried.rows] == [households[1].pk]
    assert client.get(url + "?visit=bogus").context["list"].total == 24  # the default: not visited
    assert client.get(url + f"?village={world.a.village.path}&visit=").context["list"].total == 25
    assert client.get(url + f"?town={world.b.town.path}").context["list"].total == 24  # not offered
    assert client_for("district").get(url).context["list"].total == 25
    rows = _sheet(client.get(url + "?export=xlsx&visit=tried"))
    assert len(rows) == 2 and rows[1][1] == households[1].address
    assert PiiAccess.objects.filter(kind="export", field="command-screening-households").exists()
    door = client_for("grid_a1").get(f"/command/screening/{campaign.pk}/households/")
    assert door.context["list"].total == 24 and "第 1–24 条，共 24 条" in door.content.decode()


def test_directive_list_cost_does_not_grow_with_the_rows(world: World, directives, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(persona: str, url: str) -> int:
        client = client_for(persona)
        client.get(url)  # the session's first request
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert cost("district", "/command/directives/?size=20") == cost(
        "district", "/command/directives/?size=50"
    )
    assert cost("town_a", "/command/assignments/?size=20") == cost("town_a", "/command/assignments/?size=50")


def test_supervision_list_pages_merged_work(world: World, directives, client_for) -> None:
    from hongyixing.command.services import do_escalate_directives

    now = timezone.now()
    for n in range(11):
        issue(world, title=f"关于第{n + 1}批卡口值守的通知", now=now - dt.timedelta(days=3), hours=2)
    do_escalate_directives(now)
    client = client_for("district")
    first = client.get("/command/supervision/?size=20")
    assert "第 1–20 条，共 24 条" in first.content.decode()
    second = client.get("/command/supervision/?size=20&page=2").context["list"]
    assert second.first == 21 and len(second.rows) == 4
    seen = [*first.context["list"].rows, *second.rows]
    assert len({i.object_id for i in seen}) == 24 and {i.source for i in seen} == {"directive"}
    assert [(-i.level, i.deadline) for i in seen] == sorted((-i.level, i.deadline) for i in seen)
    assert client.get("/command/supervision/?kind=verification").context["list"].total == 0
    assert client.get("/command/supervision/?kind=bogus").context["list"].total == 24  # not offered
    town = client_for("town_a").get("/command/supervision/").context["list"]
    assert town.total == 13 and {i.unit_path for i in town.rows} == {world.a.town.path}
    rows = _sheet(client.get("/command/supervision/?export=xlsx&kind=directive"))
    assert len(rows) == 25
    access = PiiAccess.objects.get(kind="export", field="command-supervision")
    assert access.detail == {"rows": 24, "filters": {"kind": "directive"}, "sort": "level"}
