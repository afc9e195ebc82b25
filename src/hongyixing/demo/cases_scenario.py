"""The demo's cases: a positive test the CDC confirms as a case, a two-day itinerary, eight contacts
turned into tasks and measures in one step each, and one close contact who turns positive — their two
secondary contacts are upgraded, so the chain page shows three generations.

The story is dated July 2022, when secondary contacts were still determined (the rules end that
category on 2022-11-11); the classifications are recorded today, so today's report counts them.
Every write goes through the services of cases, control and verification; deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from hongyixing.accounts.models import User
from hongyixing.areas.models import Household
from hongyixing.cases import services
from hongyixing.cases.models import Case
from hongyixing.control import services as control_services
from hongyixing.control.models import Sample
from hongyixing.people.models import Person

ONSET = dt.date(2022, 7, 10)
DAY_1, DAY_2 = dt.date(2022, 7, 8), dt.date(2022, 7, 9)
OUTSIDE_ADDRESS = "江苏省南京市玄武区中山路18号"


def _positive(cdc: User, person: Person, barcode: str, sampled: dt.datetime) -> Sample:
    sample = control_services.do_request_test(cdc, person, "流调采样")
    control_services.do_record_sampling(
        cdc, sample, barcode, cdc.display_name, "区疾控采样点", sampled_at=sampled
    )
    return control_services.do_record_result(cdc, sample, "positive", "洪泽区人民医院检验科")


def _confirm(cdc: User, sample: Sample, onset: dt.date) -> Case:
    case = services.do_propose_from_sample(cdc, sample)
    case = services.do_update_case(
        cdc,
        case,
        case.version,
        onset_date=onset,
        institution="洪泽区人民医院",
        severity="mild",
        source="local",
    )
    return services.do_classify(cdc, case, "confirmed", on=onset, note="实验室检测阳性，临床诊断")


def seed_cases(seed: int) -> dict[str, int]:
    rng = random.Random(seed + 1414)
    cdc = User.objects.get(username="cdc1")
    free = list(
        Person.objects.filter(grid__isnull=False, case__isnull=True)
        .exclude(measures__state="active")
        .order_by("id")
        .values_list("id", flat=True)[:400]
    )
    chosen = rng.sample(free, 7)
    people = Person.objects.in_bulk(chosen)
    index, residents, secondary = (
        people[chosen[0]],
        [people[i] for i in chosen[1:5]],
        [people[i] for i in chosen[5:7]],
    )
    addresses = list(
        Household.objects.filter(grid__isnull=False).order_by("id").values_list("address", flat=True)[:50]
    )
    sampled = timezone.make_aware(dt.datetime.combine(ONSET, dt.time(9)))
    case = _confirm(cdc, _positive(cdc, index, f"HZ{rng.getrandbits(40):012d}", sampled), ONSET)

    market, dinner, bus = (
        services.do_add_entry(
            cdc,
            case,
            services.EntrySpec(
                date=day,
                start_time=dt.time(start),
                end_time=dt.time(end),
                place=place,
                address=address,
                activity=activity,
                companions=companions,
            ),
        )
        for day, start, end, place, address, activity, companions in (
            (DAY_1, 9, 11, "洪泽农贸市场", rng.choice(addresses), "买菜", "无"),
            (DAY_1, 18, 21, "湖滨酒家", rng.choice(addresses), "家庭聚餐", "家人4人"),
            (DAY_2, 7, 8, "区内公交3路", "", "乘车上班", "无"),
        )
    )
    known = [
        services.ContactSpec(
            person_id=p.pk, relation=rel, exposure_mode=mode, last_exposure=day, entry_id=entry.pk
        )
        for p, rel, mode, day, entry in zip(
            residents,
            ("family", "family", "colleague", "other"),
            ("meal", "meal", "room", "transport"),
            (DAY_1, DAY_1, DAY_2, DAY_2),
            (dinner, dinner, bus, bus),
            strict=True,
        )
    ]
    new = [
        services.ContactSpec(
            name=name,
            phone=phone,
            address=address,
            relation="other",
            exposure_mode=mode,
            last_exposure=DAY_1,
            entry_id=market.pk if mode == "other" else None,
        )
        for name, phone, address, mode in (
            ("陈晓东", "13952300101", rng.choice(addresses), "other"),
            ("刘海燕", "13952300102", rng.choice(addresses), "other"),
            ("黄志强", "13952300103", rng.choice(addresses), "other"),
            ("马丽", "13952300104", OUTSIDE_ADDRESS, "transport"),
        )
    ]
    contacts = services.do_add_contacts(cdc, case, known + new)
    close, general = contacts[:5], contacts[5:]
    services.do_judge_contacts(cdc, case, [k.pk for k in close], "close", "measure")
    services.do_judge_contacts(cdc, case, [k.pk for k in general], "general", "task")

    # The first family member's own contacts (次密接), then that family member turns positive.
    via = close[0]
    seconds = services.do_add_contacts(
        cdc,
        case,
        [
            services.ContactSpec(
                person_id=p.pk, relation="colleague", exposure_mode="room", last_exposure=DAY_2, via_id=via.pk
            )
            for p in secondary
        ],
    )
    services.do_judge_contacts(cdc, case, [k.pk for k in seconds], "secondary", "measure")
    later = timezone.make_aware(dt.datetime.combine(DAY_2 + dt.timedelta(days=3), dt.time(10)))
    second = _confirm(
        cdc, _positive(cdc, via.person, f"HZ{rng.getrandbits(40):012d}", later), DAY_2 + dt.timedelta(days=3)
    )
    return {"cases": 2, "contacts": len(contacts) + len(seconds), "generations": second.generation + 1}
