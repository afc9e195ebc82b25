"""A case in place A with a two-day itinerary and contacts, built through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hongyixing.cases import services
from hongyixing.cases.models import Case, Contact
from hongyixing.people.models import Person
from hongyixing.people.services import PersonSpec, create_person
from tests.personas import World

INDEX_NAME = "周大伟"  # lives in place B; every contact page of grid A1 must stay silent about him
ONSET = dt.date(2022, 7, 10)  # secondary contacts are still determined (rules 2022-06-28 … 11-11)
EXPOSURE = dt.date(2022, 7, 8)
IN_GRID_A1 = "高良涧街道临河社区幸福家园A3栋"
OUTSIDE = "江苏省南京市玄武区中山路1号"


@dataclass
class Built:
    case: Case
    entries: list[Any]
    contacts: list[Contact] = field(default_factory=list)


def index_person(world: World, name: str = INDEX_NAME) -> Person:
    person, _created = create_person(None, PersonSpec(name=name, household=world.b.household))
    return person


def build_case(world: World, *, classification: str = "confirmed") -> Built:
    cdc = world.users["cdc"]
    case = services.do_open_case(
        cdc,
        index_person(world),
        services.CaseSpec(classification=classification, onset_date=ONSET, institution="洪泽区人民医院"),
    )
    entries = [
        services.do_add_entry(
            cdc,
            case,
            services.EntrySpec(
                date=EXPOSURE,
                start_time=dt.time(9),
                end_time=dt.time(11),
                place="人民超市",
                address=IN_GRID_A1,
            ),
        ),
        services.do_add_entry(
            cdc,
            case,
            services.EntrySpec(
                date=EXPOSURE + dt.timedelta(days=1),
                start_time=dt.time(18),
                end_time=dt.time(20),
                place="家宴",
                activity="聚餐",
            ),
        ),
    ]
    contacts = services.do_add_contacts(
        cdc,
        case,
        [
            services.ContactSpec(
                name=world.a.persons[1].name,
                id_number=world.a.plain_ids[1],
                relation="family",
                exposure_mode="meal",
                last_exposure=EXPOSURE + dt.timedelta(days=1),
                entry_id=entries[1].pk,
            ),
            services.ContactSpec(
                name="赵新民",
                phone="13900001111",
                address=IN_GRID_A1,
                relation="colleague",
                exposure_mode="room",
                last_exposure=EXPOSURE,
                entry_id=entries[0].pk,
            ),
            services.ContactSpec(
                name="钱远方",
                address=OUTSIDE,
                relation="other",
                exposure_mode="transport",
                last_exposure=EXPOSURE,
            ),
            services.ContactSpec(
                name=world.a.persons[0].name,
                id_number=world.a.plain_ids[0],
                relation="other",
                exposure_mode="visit",
                last_exposure=EXPOSURE,
            ),
        ],
    )
    return Built(case, entries, contacts)
