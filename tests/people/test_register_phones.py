"""The register import reads several phones in one cell and the household's own address (户地址)."""

from __future__ import annotations

import pytest
from django.utils import translation

from hongyixing.areas.models import Household
from hongyixing.exchange.importer import CHANGED, ERROR, NEW, UNCHANGED
from hongyixing.people.models import Person
from tests.exchange.test_master_imports import (
    RESIDENTS_HEADER,
    _ids,
    _resident,
    csv_bytes,
    district_import,
    statuses,
)
from tests.personas import World

HEADER = [*RESIDENTS_HEADER, "户地址"]
ADDRESS = "江苏省淮安市洪泽区高良涧街道临河社区幸福家园A3栋502室"


def _row(name: str, number: str, relation: str, phone: str) -> list[str]:
    return [*_resident(name, number, "H-0777", relation, phone), ADDRESS]


@pytest.mark.django_db
def test_several_phones_in_one_cell_and_the_household_address(world: World) -> None:
    a, b = _ids(2)
    data = csv_bytes(
        [HEADER, _row("周一", a, "户主", "13800002222、0517-80001234"), _row("吴二", b, "配偶", "")]
    )
    assert statuses(district_import("residents", data)) == [NEW, NEW]
    household = Household.objects.get(number="H-0777")
    assert household.address == ADDRESS  # not the first row's 现住址
    head = Person.objects.get(household=household, name="周一")
    phones = list(head.phones.order_by("-is_primary", "id"))
    assert [(p.kind, p.is_primary) for p in phones] == [("mobile", True), ("landline", False)]
    assert statuses(district_import("residents", data)) == [UNCHANGED, UNCHANGED]

    newer = csv_bytes(
        [HEADER, _row("周一", a, "户主", "13800002222；13900003333"), _row("吴二", b, "配偶", "")]
    )
    with translation.override("en"):
        report = district_import("residents", newer)
    assert statuses(report) == [CHANGED, UNCHANGED]
    assert report.rows[0].changes == ["Phone"]
    assert head.phones.count() == 3 and head.phones.filter(is_primary=True).count() == 1

    bad = csv_bytes([HEADER, _row("周一", a, "户主", "13800002222、123")])
    assert statuses(district_import("residents", bad)) == [ERROR]
    assert head.phones.count() == 3
