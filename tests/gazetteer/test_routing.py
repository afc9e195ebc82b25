"""Routing written addresses to town → village → group/compound/building → grid (domain §9 forms)."""

from __future__ import annotations

import random

import pytest
from pytest_django import DjangoAssertNumQueries

from hongyixing.areas import services as areas
from hongyixing.areas.gazetteer import Gazetteer, route, route_many
from hongyixing.areas.models import AdminUnit
from hongyixing.demo.addresses import Place, written
from tests.gazetteer.conftest import RoutingWorld

pytestmark = pytest.mark.django_db


def test_full_chain_down_to_a_building(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("江苏省淮安市洪泽区高良涧街道临河社区幸福家园3栋2单元501室")
    assert routing.unit_path == tree.path("幸福家园3栋")
    assert routing.grid_id == tree.grid("临河1")
    assert routing.level == "building"
    assert routing.outside_district is False
    assert routing.confidence >= 0.95
    for evidence in (
        "town 高良涧街道 exact",
        "village 临河社区 alias",
        "compound 幸福家园 exact",
        "building 3栋",
    ):
        assert evidence in routing.reason
    assert routing.parsed is not None and routing.parsed.room == 501


@pytest.mark.parametrize(
    ("text", "unit", "grid", "level"),
    [
        ("洪泽区岔河镇淮宝社区振兴路117号", "淮宝", "淮宝", "village"),  # the village's only grid
        ("淮安洪泽县老子山镇龟山村3组", "龟山三组", "龟山1", "group"),
        ("洪泽黄集街道仇石村", "仇石", "仇石", "village"),
        ("幸福家园3栋2单元501", "幸福家园3栋", "临河1", "building"),  # a compound alone
        ("龟山村三组十二号", "龟山三组", "龟山1", "group"),
        ("龟山村十二组", "龟山十二组", "龟山2", "group"),
        ("临河社区幸福家园对面", "幸福家园", "临河1", "compound"),
        ("临河幸福家园小区3-2-501", "幸福家园3栋", "临河1", "building"),
        ("岔河镇阳光花园2栋", "淮宝阳光花园2栋", "淮宝", "building"),  # the town token settles the name
        ("高良涧街道阳光花园2栋", "临河阳光花园2栋", "临河2", "building"),
    ],
)
def test_domain_address_forms(
    tree: RoutingWorld, gazetteer: Gazetteer, text: str, unit: str, grid: str, level: str
) -> None:
    routing = gazetteer.route(text)
    assert (routing.unit_path, routing.grid_id, routing.level) == (tree.path(unit), tree.grid(grid), level)
    assert routing.confidence >= 0.8
    assert routing.suggestions == ()


def test_village_without_a_grid(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("蒋坝镇头河居委会")
    assert (routing.unit_path, routing.grid_id, routing.level) == (tree.path("头河"), None, "village")
    assert "town 蒋坝镇 exact; village 头河居委会 exact" in routing.reason
    assert routing.confidence <= 0.5


def test_village_with_several_grids_lists_them(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("高良涧街道临河社区复兴路128号")
    assert (routing.unit_path, routing.grid_id, routing.level) == (tree.path("临河"), None, "village")
    assert routing.confidence <= 0.5
    assert {s.grid_id for s in routing.suggestions} == {tree.grid("临河1"), tree.grid("临河2")}


def test_missing_entrance_and_room_cost_nothing_at_grid_level(gazetteer: Gazetteer) -> None:
    full = gazetteer.route("高良涧街道临河社区幸福家园3栋2单元501室")
    bare = gazetteer.route("高良涧街道临河社区幸福家园3栋")
    assert (bare.unit_path, bare.grid_id, bare.confidence) == (full.unit_path, full.grid_id, full.confidence)


def test_building_without_its_compound(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    # Only 阳光花园 has a 2栋 in 临河: found, a little less sure.
    routing = gazetteer.route("高良涧街道临河社区2栋")
    assert (routing.unit_path, routing.grid_id) == (tree.path("临河阳光花园2栋"), tree.grid("临河2"))
    assert routing.confidence < gazetteer.route("高良涧街道临河社区阳光花园2栋").confidence


@pytest.mark.parametrize(
    ("text", "unit", "level"),
    [
        ("黄集仇石村", "仇石", "village"),  # 黄集 is a town and a village: the chain decides
        ("蒋坝镇蒋坝", "蒋坝居委会", "village"),  # town, then the village of the same name
        ("蒋坝", "蒋坝镇", "town"),  # alone, the name is the town's
    ],
)
def test_town_and_village_of_the_same_name(
    tree: RoutingWorld, gazetteer: Gazetteer, text: str, unit: str, level: str
) -> None:
    routing = gazetteer.route(text)
    assert (routing.unit_path, routing.level) == (tree.path(unit), level)


@pytest.mark.parametrize(
    ("text", "outside"),
    [
        ("江苏省南京市鼓楼区中山路1号", "南京市"),
        ("淮安市淮安区车桥镇张庄村3组", "淮安区"),
        ("盱眙县马坝镇", "盱眙县"),
    ],
)
def test_outside_the_district(gazetteer: Gazetteer, text: str, outside: str) -> None:
    routing = gazetteer.route(text)
    assert routing.outside_district is True
    assert (routing.unit_path, routing.grid_id, routing.level, routing.confidence) == (None, None, None, 0.0)
    assert outside in routing.reason


def test_ambiguous_compound_between_towns(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("阳光花园2栋")
    assert routing.unit_path is None and routing.grid_id is None
    assert routing.confidence < 0.3
    assert routing.ambiguous and "ambiguous" in routing.reason
    assert {(s.unit_path, s.grid_id) for s in routing.suggestions} == {
        (tree.path("临河阳光花园2栋"), tree.grid("临河2")),
        (tree.path("淮宝阳光花园2栋"), tree.grid("淮宝")),
    }


def test_unknown_place_gets_near_names_as_suggestions(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("洪泽区龙山村5组")
    assert (routing.unit_path, routing.confidence) == (None, 0.0)
    assert "龙山村" in routing.reason
    assert tree.path("龟山") in {s.unit_path for s in routing.suggestions}
    assert len(routing.suggestions) <= 5


def test_nothing_to_go_on(gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("某某路88号")
    assert (routing.unit_path, routing.grid_id, routing.confidence) == (None, None, 0.0)
    assert routing.suggestions == ()


@pytest.mark.parametrize("text", ["岔河镇白湖村2组", "白湖村2组", "岔河镇白马湖湖村2组"])
def test_dropped_or_extra_character_in_a_village_name(
    tree: RoutingWorld, gazetteer: Gazetteer, text: str
) -> None:
    routing = gazetteer.route(text)
    assert (routing.unit_path, routing.grid_id) == (tree.path("白马湖二组"), tree.grid("白马湖"))


def test_a_town_that_contradicts_the_village_lowers_confidence(
    tree: RoutingWorld, gazetteer: Gazetteer
) -> None:
    routing = gazetteer.route("岔河镇龟山村3组")  # 龟山村 is in 老子山镇
    assert routing.unit_path == tree.path("龟山三组")
    assert "岔河镇 does not fit" in routing.reason
    assert routing.confidence < gazetteer.route("龟山村3组").confidence


def test_a_bracketed_former_name_is_used_when_the_text_places_nothing(
    tree: RoutingWorld, gazetteer: Gazetteer
) -> None:
    routing = gazetteer.route("老街(原仇石村)")
    assert routing.unit_path == tree.path("仇石")


def test_confidence_orders_exact_alias_fuzzy_ambiguous(gazetteer: Gazetteer) -> None:
    exact = gazetteer.route("岔河镇白马湖村委会2组")
    alias = gazetteer.route("岔河镇白马湖村2组")
    fuzzy = gazetteer.route("岔河镇白湖村2组")
    ambiguous = gazetteer.route("阳光花园2栋")
    assert exact.unit_path == alias.unit_path == fuzzy.unit_path
    assert exact.confidence == 1.0
    assert exact.confidence > alias.confidence > fuzzy.confidence > ambiguous.confidence
    assert "fuzzy" in fuzzy.reason


def test_no_town_written_costs_a_little(gazetteer: Gazetteer) -> None:
    with_town = gazetteer.route("老子山镇龟山村3组")
    without = gazetteer.route("龟山村3组")
    assert with_town.unit_path == without.unit_path
    assert with_town.confidence > without.confidence >= 0.9


@pytest.mark.parametrize(
    "place",
    [
        Place("老子山镇", "老子山", "龟山", False, group=3, house=12),
        Place("高良涧街道", "高良涧", "临河", True, compound="幸福家园", building=3, entrance=2, room=501),
    ],
    ids=["rural", "compound"],
)
def test_every_way_the_demo_writes_an_address_routes_home(
    tree: RoutingWorld, gazetteer: Gazetteer, place: Place
) -> None:
    expected = tree.path("龟山三组") if place.group else tree.path("幸福家园3栋")
    rng = random.Random(7)
    texts = [written(rng, place) for _ in range(300)]
    routings = gazetteer.route_many(texts)
    wrong = [(r.text, r.unit_path, r.reason) for r in routings if r.unit_path != expected]
    assert wrong == []


def test_route_many_runs_no_query_per_address(
    tree: RoutingWorld, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    texts = ["淮安洪泽县老子山镇龟山村3组", "幸福家园3栋2单元501", "阳光花园2栋", "洪泽黄集街道仇石村"] * 50
    with django_assert_num_queries(6):  # the fingerprint, then units, aliases and grids
        route_many(texts[:1])
    with django_assert_num_queries(3):  # the fingerprint only
        routings = route_many(texts)
    assert len(routings) == len(texts)
    assert routings[0].unit_path == tree.path("龟山三组")


def test_the_cached_gazetteer_sees_new_units(tree: RoutingWorld) -> None:
    assert route("高良涧街道临河社区锦绣华庭8栋").level == "village"
    linhe = AdminUnit.objects.get(path=tree.path("临河"))
    compound = areas.do_create_unit(None, linhe, "compound", 3, "锦绣华庭")
    building = areas.do_create_unit(None, compound, "building", 8, "8栋", grid=tree.grids["临河2"])
    routing = route("高良涧街道临河社区锦绣华庭8栋")
    assert (routing.unit_path, routing.grid_id) == (building.path, tree.grid("临河2"))


def test_the_cached_gazetteer_sees_renames(tree: RoutingWorld) -> None:
    assert route("幸福家园3栋").unit_path == tree.path("幸福家园3栋")
    compound = AdminUnit.objects.get(path=tree.path("幸福家园"))
    areas.do_update_unit(None, compound, compound.version, name="幸福新村")
    assert route("幸福新村3栋").unit_path == tree.path("幸福家园3栋")


def test_invalidate_forces_a_rebuild(tree: RoutingWorld) -> None:
    first = Gazetteer.get()
    assert Gazetteer.get() is first
    Gazetteer.invalidate()
    assert Gazetteer.get() is not first


def test_same_text_is_routed_once_per_batch(gazetteer: Gazetteer) -> None:
    first, second = gazetteer.route_many(["龟山村3组", "龟山村3组"])
    assert first is second


def test_right_name_with_the_wrong_suffix(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    # 高良涧镇 is the old name of 高良涧街道; 临河 is a community, written as a village.
    routing = gazetteer.route("洪泽县高良涧镇临河村幸福家园3栋")
    assert (routing.unit_path, routing.grid_id) == (tree.path("幸福家园3栋"), tree.grid("临河1"))
    assert "town 高良涧镇 alias; village 临河村 alias" in routing.reason


def test_unread_text_next_to_a_name_lowers_confidence(gazetteer: Gazetteer) -> None:
    plain = gazetteer.route("东双沟镇张庄村")
    padded = gazetteer.route("东双沟镇小张庄村")  # 小张庄 may be another place altogether
    assert plain.unit_path == padded.unit_path
    assert padded.confidence < plain.confidence
    assert "unrecognised 小" in padded.reason


def test_unknown_village_in_a_known_town(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    routing = gazetteer.route("老子山镇龙山村")
    assert (routing.unit_path, routing.level, routing.grid_id) == ("320813105", "town", None)
    assert routing.confidence <= 0.3
    assert tree.path("龟山") in {s.unit_path for s in routing.suggestions}
    assert all(s.unit_path.startswith("320813105") for s in routing.suggestions)


def test_numbers_that_name_no_unit(tree: RoutingWorld, gazetteer: Gazetteer) -> None:
    group = gazetteer.route("老子山镇龟山村9组")
    assert (group.unit_path, group.grid_id) == (tree.path("龟山"), None)  # two grids, no way to choose
    assert "group 9组 not found" in group.reason
    building = gazetteer.route("高良涧街道临河社区幸福家园9栋")
    assert (building.unit_path, building.grid_id) == (tree.path("幸福家园"), tree.grid("临河1"))
    assert building.confidence < gazetteer.route("高良涧街道临河社区幸福家园").confidence
