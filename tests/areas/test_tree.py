from __future__ import annotations

from hongyixing.areas.models import AdminUnit
from hongyixing.areas.services import do_load_divisions
from hongyixing.people.counts import raw_counts
from hongyixing.people.services import do_recount
from tests.personas import World


def test_divisions_load_is_idempotent(world: World) -> None:
    before = AdminUnit.objects.count()
    assert do_load_divisions(None) == 0
    assert AdminUnit.objects.count() == before
    hongze = AdminUnit.objects.get(path="320813")
    assert hongze.children.filter(level="town").count() == 10
    assert AdminUnit.objects.filter(level="village", path__startswith="320813").count() == 126
    assert set(hongze.aliases.values_list("alias", flat=True)) >= {"洪泽", "洪泽县"}


def test_live_counters_match_a_recount_from_raw_rows(world: World) -> None:
    counts = raw_counts()
    for unit in AdminUnit.objects.filter(
        path__in=["320813", "320813001", "320813103", world.a.building.path]
    ):
        assert unit.person_count == counts.unit_persons[unit.path]
        assert unit.household_count == counts.unit_households[unit.path]
    AdminUnit.objects.update(person_count=0)
    do_recount()
    assert AdminUnit.objects.get(path="320813").person_count == 4
    assert AdminUnit.objects.get(path="320800"[:4]).person_count == 4


def test_counters_count_residents_only_and_match_a_recount_after_register_changes(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from hongyixing.areas.models import Grid
    from hongyixing.people import lifecycle

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    town = world.users["town_a"]
    lifecycle.do_record_death(town, world.a.persons[0], yesterday)
    lifecycle.do_record_move_away(town, world.a.persons[1], yesterday, "南京市鼓楼区")
    counts = raw_counts()
    assert counts.unit_persons[world.a.building.path] == 0 and counts.unit_persons["320813"] == 2
    assert counts.unit_households[world.a.building.path] == 1  # the household stays, empty
    live = {u.path: u.person_count for u in AdminUnit.objects.filter(path__in=counts.unit_persons)}
    assert live == {path: counts.unit_persons[path] for path in live}
    assert Grid.objects.get(pk=world.a.grid.pk).person_count == 0
    AdminUnit.objects.update(person_count=99)
    do_recount()
    assert AdminUnit.objects.get(path="320813").person_count == 2
    assert AdminUnit.objects.get(path=world.a.village.path).person_count == 0


def test_tree_page_shows_children_with_counts(world: World, client_for) -> None:
    response = client_for("district").get("/areas/units/320813/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "高良涧街道" in body and "岔河镇" in body and "2 人 · 1 户" in body
    town_page = client_for("town_a").get(f"/areas/units/{world.a.village.path}/").content.decode()
    assert world.a.grid.name in town_page


def test_grid_worker_home_lists_the_grid(world: World, client_for) -> None:
    body = client_for("grid_a1").get("/").content.decode()
    assert world.a.grid.name in body and world.b.grid.name not in body


def test_counts_of_thousands_show_with_separators_and_links_keep_plain_ids(world: World, client_for) -> None:
    AdminUnit.objects.filter(path=world.a.village.path).update(person_count=285003, household_count=1234)
    town_path = world.a.village.path[: len(world.a.village.path) - 3]
    body = client_for("district").get(f"/areas/units/{town_path}/").content.decode()
    assert "285,003 人 · 1,234 户" in body
    assert f'href="/areas/units/{world.a.village.path}/"' in body
    unit = client_for("district").get(f"/areas/units/{world.a.village.path}/").content.decode()
    assert "<dd>285,003</dd>" in unit
