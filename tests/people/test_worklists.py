"""Finding people as a work list: the search box keeps working (name, full ID, phone), filters by
place, residency and an active measure narrow it, the total is counted (capped), the export is
masked and logged, and nobody outside the user's scope appears."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import python_calamine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hongyixing.control import services as control
from hongyixing.control.choices import MeasureType
from hongyixing.core.models import PiiAccess
from hongyixing.people import idnumbers
from hongyixing.people import worklists as people_lists
from hongyixing.people.services import PersonSpec, create_person
from tests.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world(push_list=False)


@pytest.fixture
def wangs(world: World) -> list[Any]:
    """24 more 王 in town A (the last 4 floating population), one more in town B."""
    made = []
    for n in range(24):
        person, _ = create_person(
            None,
            PersonSpec(
                name=f"王{'志明' if n % 2 else '海燕'}{n:02d}",
                document_number=idnumbers.make("320829", dt.date(1980 + n, 3, 9), 31 + 2 * n),
                phones=[f"1590000{n:04d}"],
                household=world.a.household,
                relation="other",
                residency="floating" if n >= 20 else "registered",
            ),
        )
        made.append(person)
    create_person(
        None,
        PersonSpec(
            name="王外镇",
            document_number=idnumbers.make("320829", dt.date(1975, 5, 5), 77),
            phones=["15911112222"],
            household=world.b.household,
            relation="other",
        ),
    )
    return made


def test_name_search_pages_with_a_total_in_scope(world: World, wangs, client_for) -> None:
    client = client_for("town_a")
    first = client.get("/people/", {"q": "王", "size": 20})
    assert "第 1–20 条，共 25 条" in first.content.decode()  # 24 + 王建国 of town A
    second = client.get("/people/", {"q": "王", "size": 20, "page": 2})
    assert "第 21–25 条，共 25 条" in second.content.decode()
    assert "王外镇" not in first.content.decode() + second.content.decode()
    assert "q=%E7%8E%8B" in second.context["list"].previous_url  # the search stays on the pager
    names = [p.name for p in first.context["list"].rows]
    assert names == sorted(names)
    assert client_for("district").get("/people/", {"q": "王"}).context["list"].total == 27


def test_exact_search_still_finds_one(world: World, wangs, client_for) -> None:
    client = client_for("town_a")
    by_id = client.get("/people/", {"q": world.a.plain_ids[1]}).context["list"]
    assert [p.pk for p in by_id.rows] == [world.a.persons[1].pk]
    by_phone = client.get("/people/", {"q": world.a.plain_phones[0]}).context["list"]
    assert [p.pk for p in by_phone.rows] == [world.a.persons[0].pk]
    assert client.get("/people/", {"q": world.b.plain_ids[0]}).context["list"].total == 0
    empty = client.get("/people/")
    assert empty.status_code == 200 and 'class="pager"' not in empty.content.decode()  # nothing asked yet


def test_filters_narrow_and_values_not_offered_are_ignored(world: World, wangs, client_for) -> None:
    client = client_for("town_a")
    floating = client.get("/people/", {"q": "王", "residency": "floating"}).context["list"]
    assert floating.total == 4 and {p.residency for p in floating.rows} == {"floating"}
    by_village = client.get("/people/", {"village": world.a.village.path}).context["list"]
    assert by_village.total == 26  # a filter alone lists the village's people
    assert client.get("/people/", {"q": "王", "town": world.b.town.path}).context["list"].total == 25
    assert client.get("/people/", {"q": "王", "residency": "martian", "grid": "x"}).status_code == 200
    control.do_open_measure(
        world.users["district"], wangs[3], control.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )
    under = client.get("/people/", {"q": "王", "measure": "1"}).context["list"]
    assert [p.pk for p in under.rows] == [wangs[3].pk]
    assert client.get("/people/", {"q": "王", "measure": "0"}).context["list"].total == 24


def test_a_large_count_is_capped(world: World, wangs, client_for, monkeypatch) -> None:
    monkeypatch.setattr(people_lists, "COUNT_CAP", 20)
    page = client_for("town_a").get("/people/", {"q": "王", "size": 20})
    assert page.context["list"].capped and "第 1–20 条，超过 20 条" in page.content.decode()


def test_export_is_masked_and_logged(world: World, wangs, client_for) -> None:
    response = client_for("town_a").get("/people/", {"q": "王", "residency": "floating", "export": "xlsx"})
    assert response.status_code == 200
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 5
    text = " ".join(str(cell) for row in rows for cell in row)
    assert "*" in rows[1][3] and "*" in rows[1][4]
    for person in wangs[20:]:
        assert person.document_masked in text
    assert not any(phone in text for phone in (f"1590000{n:04d}" for n in range(20, 24)))
    access = PiiAccess.objects.get(kind="export", field="people")
    assert access.user == world.users["town_a"] and access.detail["rows"] == 4
    assert client_for("grid_a1").get("/people/", {"q": "王", "export": "xlsx"}).status_code == 403


def test_a_name_search_counts_along_the_name_index(world: World, wangs, client_for) -> None:
    """The capped count of a name prefix walks the (name, id) order, as the page does: without it
    SQLite counted over the scope's whole path range (80 ms at 285,000 persons); a filter alone
    keeps the planner's own order. The counts are the same either way."""
    client = client_for("town_a")

    def count_sql(params: dict[str, str]) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            total = client.get("/people/", params).context["list"].total
        (sql,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
        return total, sql

    total, sql = count_sql({"q": "王"})
    assert total == 25 and 'ORDER BY "people_person"."name" ASC, "people_person"."id" ASC' in sql
    total, sql = count_sql({"residency": "floating"})
    assert total == 4 and "ORDER BY" not in sql
    # A place with a condition on the person's row walks the path index; another app's filter does not.
    total, sql = count_sql({"town": world.a.town.path, "residency": "floating"})
    assert total == 4 and 'ORDER BY "people_person"."unit_path" ASC, "people_person"."id" ASC' in sql
    total, sql = count_sql({"town": world.a.town.path, "measure": "0"})
    assert total > 4 and "ORDER BY" not in sql
