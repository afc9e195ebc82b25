"""Names in local use on the unit's edit page: the address router follows them, the page and the API
refuse the same values with the same words, and every alias added or removed is logged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from hongyixing.areas import gazetteer
from hongyixing.areas.models import AdminUnit, UnitAlias
from hongyixing.core.models import ChangeLog
from tests.personas import World

pytestmark = pytest.mark.django_db
LOCAL_NAME = "河滨老庄"  # how a list might write the village: no unit is called so


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _form(unit: AdminUnit, aliases: str) -> dict[str, Any]:
    return {
        "version": unit.version,
        "name": unit.name,
        "responsible": unit.responsible_id or "",
        "responsible_title": unit.responsible_title,
        "aliases": aliases,
    }


def test_a_name_in_local_use_places_addresses_and_is_logged(world: World, client_for: Any) -> None:
    village = world.a.village
    address = f"{world.a.town.name}{LOCAL_NAME}18号"
    assert gazetteer.route(address).unit_path != village.path  # nobody knows the name yet
    client = client_for("town_a")
    answer = client.post(
        f"/areas/units/{village.path}/edit/", _form(village, f"{LOCAL_NAME}\n{LOCAL_NAME}、")
    )
    assert answer.status_code == 302
    assert list(UnitAlias.objects.filter(unit=village, kind="local").values_list("alias", flat=True)) == [
        LOCAL_NAME
    ]
    assert gazetteer.route(address).unit_path == village.path
    page = client.get(f"/areas/units/{village.path}/").content.decode()
    assert "也写作" in page and LOCAL_NAME in page
    edit = client.get(f"/areas/units/{village.path}/edit/").content.decode()
    assert LOCAL_NAME in edit  # shown again for the next edit
    known = list(UnitAlias.objects.filter(unit=village).exclude(kind="local").values_list("alias", flat=True))
    assert known and "区划文件已有的叫法（不必再填）：" + "、".join(known) in edit
    api = client.get(f"/api/units/{village.path}").json()
    assert api["aliases"] == [LOCAL_NAME]
    local = UnitAlias.objects.get(unit=village, kind="local")
    created = ChangeLog.objects.get(object_type="areas.unitalias", object_id=local.pk, action="create")
    assert created.changes["alias"] == [None, LOCAL_NAME]

    village.refresh_from_db()
    removed = client.patch(
        f"/api/units/{village.path}",
        json.dumps({"version": village.version, "aliases": []}),
        content_type="application/json",
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["aliases"] == []
    assert not UnitAlias.objects.filter(unit=village, kind="local").exists()
    assert ChangeLog.objects.filter(object_type="areas.unitalias", action="delete").count() == 1
    assert gazetteer.route(address).unit_path != village.path


@pytest.mark.parametrize(
    ("aliases", "code", "words"),
    [
        ("长" * 101, "text.too_long", "最多 100 个字"),
        ("\n".join(f"叫法{n}" for n in range(21)), "unit.too_many_aliases", "其他叫法最多 20 个"),
        ("SIBLING", "unit.alias_taken", "已是同一上级下另一个单位的名称或叫法"),
    ],
)
def test_the_page_and_the_api_refuse_the_same_aliases(
    world: World, client_for: Any, aliases: str, code: str, words: str
) -> None:
    village = world.a.village
    if aliases == "SIBLING":
        sibling = AdminUnit.objects.filter(parent_id=village.parent_id).exclude(pk=village.pk).first()
        assert sibling is not None
        aliases = sibling.name
    client = client_for("town_a")
    page = client.post(f"/areas/units/{village.path}/edit/", _form(village, aliases))
    assert page.status_code == 200
    assert words in page.content.decode()
    api = client.patch(
        f"/api/units/{village.path}",
        json.dumps({"version": village.version, "aliases": aliases.split("\n")}),
        content_type="application/json",
    )
    assert api.status_code == 400
    body = api.json()
    assert body["code"] == code and body["field"] == "aliases" and words in body["detail"]
    assert body["detail"] in page.content.decode()  # the same words on the page
    assert not UnitAlias.objects.filter(unit=village, kind="local").exists()
    version = village.version
    village.refresh_from_db()
    assert village.version == version  # nothing written


def test_aliases_compare_as_the_router_does_and_an_unchanged_save_writes_nothing(
    world: World, client_for: Any
) -> None:
    village = world.a.village
    sibling = AdminUnit.objects.filter(parent_id=village.parent_id).exclude(pk=village.pk).first()
    assert sibling is not None
    client = client_for("town_a")
    spaced = sibling.name[:2] + " " + sibling.name[2:]  # a sibling's name, a space typed in it
    page = client.post(f"/areas/units/{village.path}/edit/", _form(village, spaced))
    assert page.status_code == 200 and "已是同一上级下另一个单位的名称或叫法" in page.content.decode()

    answer = client.patch(
        f"/api/units/{village.path}",
        json.dumps({"version": village.version, "aliases": ["甲 庄、乙庄", "乙庄"]}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert sorted(answer.json()["aliases"]) == ["乙庄", "甲庄"]  # split as the page splits, spaces gone
    version = answer.json()["version"]
    village.refresh_from_db()
    known = list(UnitAlias.objects.filter(unit=village).exclude(kind="local").values_list("alias", flat=True))
    # The same names in another order, and one the divisions file already gives: nothing to save.
    again = client.post(
        f"/areas/units/{village.path}/edit/", _form(village, "\n".join(["乙庄", "甲庄", *known]))
    )
    assert again.status_code == 302
    village.refresh_from_db()
    assert village.version == version
    assert sorted(UnitAlias.objects.filter(unit=village, kind="local").values_list("alias", flat=True)) == [
        "乙庄",
        "甲庄",
    ]
