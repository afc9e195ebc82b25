"""A small real-shaped world for routing, built through the services.

Real divisions (the shipped CSV), with local groups, compounds, buildings and grids below them:

- 高良涧街道 临河社区居委会: grids 1 and 2; 幸福家园 (3栋, 5栋 on grid 1), 阳光花园 (1栋, 2栋 on grid 2)
- 岔河镇 淮宝居委会: one grid; a second 阳光花园 (2栋), so that name is ambiguous between towns
- 岔河镇 白马湖村委会: one grid; groups 一组 二组 三组
- 老子山镇 龟山村委会: grid 1 (一组 二组 三组) and grid 2 (十二组)
- 黄集街道 仇石村委会: one grid, no groups
- 蒋坝镇 头河居委会: no grid at all
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from hongyixing.areas import services as areas
from hongyixing.areas.gazetteer import Gazetteer
from hongyixing.areas.models import AdminUnit, Grid

LINHE = "320813001001"
HUAIBAO = "320813103001"
BAIMAHU = "320813103200"
GUISHAN = "320813105204"
QIUSHI = "320813003201"
TOUHE = "320813101003"


@dataclass
class RoutingWorld:
    paths: dict[str, str]  # label → unit path
    grids: dict[str, Grid]  # label → grid

    def path(self, label: str) -> str:
        return self.paths[label]

    def grid(self, label: str) -> int:
        return self.grids[label].id


def build_routing_world() -> RoutingWorld:
    areas.do_load_divisions(None)
    villages = {unit.path: unit for unit in AdminUnit.objects.filter(level="village")}
    paths: dict[str, str] = {}
    grids: dict[str, Grid] = {}

    def grid(label: str, village: str, number: int) -> Grid:
        created = areas.do_create_grid(None, villages[village], number, f"{label}网格")
        grids[label] = created
        return created

    def unit(label: str, parent: AdminUnit, level: str, number: int, name: str, on: Grid | None) -> AdminUnit:
        created = areas.do_create_unit(None, parent, level, number, name, grid=on)
        paths[label] = created.path
        return created

    linhe1, linhe2 = grid("临河1", LINHE, 1), grid("临河2", LINHE, 2)
    xingfu = unit("幸福家园", villages[LINHE], "compound", 1, "幸福家园", linhe1)
    unit("幸福家园3栋", xingfu, "building", 3, "3栋", linhe1)
    unit("幸福家园5栋", xingfu, "building", 5, "5栋", linhe1)
    sunny = unit("临河阳光花园", villages[LINHE], "compound", 2, "阳光花园", linhe2)
    unit("临河阳光花园1栋", sunny, "building", 1, "1栋", linhe2)
    unit("临河阳光花园2栋", sunny, "building", 2, "2栋", linhe2)

    huaibao = grid("淮宝", HUAIBAO, 1)
    sunny_b = unit("淮宝阳光花园", villages[HUAIBAO], "compound", 1, "阳光花园", huaibao)
    unit("淮宝阳光花园2栋", sunny_b, "building", 2, "2栋", huaibao)

    baimahu = grid("白马湖", BAIMAHU, 1)
    for number, name in ((1, "一组"), (2, "二组"), (3, "三组")):
        unit(f"白马湖{name}", villages[BAIMAHU], "group", number, name, baimahu)

    guishan1, guishan2 = grid("龟山1", GUISHAN, 1), grid("龟山2", GUISHAN, 2)
    for number, name in ((1, "一组"), (2, "二组"), (3, "三组")):
        unit(f"龟山{name}", villages[GUISHAN], "group", number, name, guishan1)
    unit("龟山十二组", villages[GUISHAN], "group", 12, "十二组", guishan2)

    grid("仇石", QIUSHI, 1)
    for label, path in (("临河", LINHE), ("淮宝", HUAIBAO), ("白马湖", BAIMAHU), ("龟山", GUISHAN)):
        paths[label] = path
    paths.update(仇石=QIUSHI, 头河=TOUHE, 黄集街道="320813003", 蒋坝镇="320813101", 蒋坝居委会="320813101004")
    return RoutingWorld(paths, grids)


@pytest.fixture(scope="module")
def _built_tree(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[RoutingWorld]:
    """Built once per module inside an outer transaction; each test runs in a savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_routing_world()
        transaction.set_rollback(True)


@pytest.fixture
def fresh_gazetteer() -> Iterator[None]:
    # A test's changes are rolled back and SQLite may hand out the same ids again, so the cached
    # gazetteer's fingerprint could match a tree that no longer exists: every test starts from none.
    Gazetteer.invalidate()
    yield
    Gazetteer.invalidate()


@pytest.fixture
def tree(_built_tree: RoutingWorld, db: None, fresh_gazetteer: None) -> RoutingWorld:
    return _built_tree


@pytest.fixture
def gazetteer(tree: RoutingWorld) -> Gazetteer:
    return Gazetteer.get()
