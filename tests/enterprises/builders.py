"""Two enterprises (one per persona town), each with a contact, built through services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hongyixing.accounts import services as accounts
from hongyixing.areas.models import AdminUnit
from hongyixing.enterprises import services
from hongyixing.enterprises.credit_codes import check_character
from hongyixing.enterprises.models import Enterprise, RiskOrigin
from hongyixing.enterprises.staff import StaffRow, do_add_staff
from hongyixing.people import idnumbers
from tests.personas import PASSWORD, World


def credit_code(seed: int) -> str:
    first17 = f"91320813{seed:09d}"
    return first17 + check_character(first17)


@dataclass
class Economy:
    enterprises: dict[str, Enterprise]
    contacts: dict[str, Any]
    staff_ids: dict[str, list[str]] = field(default_factory=dict)


def staff_number(seed: int) -> str:
    return idnumbers.make("342401", dt.date(1990, 1 + seed % 12, 1 + seed % 28), seed % 900 + 10)


def build_economy(world: World, *, staff: bool = True) -> Economy:
    office = world.users["district"]
    made: dict[str, Enterprise] = {}
    contacts: dict[str, Any] = {}
    for n, place in enumerate(("a", "b")):
        town = getattr(world, place).town
        made[place] = services.do_register_enterprise(
            office,
            services.EnterpriseSpec(
                name=f"洪泽{place.upper()}食品有限公司",
                credit_code=credit_code(n + 1),
                unit_path=town.path,
                industry="food",
                above_scale=place == "a",
                staff_count=50,
            ),
        )
    services.do_link_contact(office, made["a"], world.users["enterprise"])
    contacts["a"] = world.users["enterprise"]
    other = accounts.do_create_user(None, "enterprise_b", password=PASSWORD)
    accounts.do_grant(None, other, "enterprise", unit=AdminUnit.objects.get(path=made["b"].unit_path))
    services.do_link_contact(office, made["b"], other)
    contacts["b"] = other
    economy = Economy(made, contacts)
    if staff:
        for n, place in enumerate(("a", "b")):
            numbers = [staff_number(100 * (n + 1) + i) for i in range(3)]
            economy.staff_ids[place] = numbers
            do_add_staff(
                contacts[place],
                made[place],
                [
                    StaffRow(
                        i + 2,
                        {
                            "name": f"员工{place}{i}",
                            "id_number": number,
                            "phone": f"1390000{n}{i:03d}",
                            "origin": "安徽省六安市",
                            "distance_km": str(200 + 400 * i),
                        },
                    )
                    for i, number in enumerate(numbers)
                ],
            )
    return economy


def mark_risky(place: str = "湖北省武汉市", since: dt.date | None = None) -> RiskOrigin:
    return RiskOrigin.objects.create(place=place, valid_from=since or dt.date(2020, 1, 1))
