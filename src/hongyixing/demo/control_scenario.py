"""The demo's control measures: two quarantine sites with rooms, people under home isolation, home
monitoring and centralised quarantine with a week of checks and tests, a fever reported through a
self-report link (alert + fever-clinic transfer), released measures (one with its 5+3 follow-on) and
an inbound traveller. Every write goes through ``control.services``; deterministic for a seed.

The week is written as it happened, not all at once: each write runs on the demo's replay clock at
the moment it would have been made (a measure opened on its first day, a check in its slot, a sample
on its due day), so the recording times the daily report counts by agree with the business dates —
closed days show their people and checks, and today's report counts today's window only."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.utils import timezone

from hongyixing.accounts.models import User
from hongyixing.control import services
from hongyixing.control.choices import CheckSource, MeasureType, RoomStatus, SampleStatus, SiteKind, Slot
from hongyixing.control.models import Measure, Room
from hongyixing.demo.clock import at
from hongyixing.demo.plan import DISTRICT_PATH
from hongyixing.people.models import Person

PEOPLE = 60


def _rooms(floors: int, per_floor: int) -> list[str]:
    return [f"{floor}{n:02d}" for floor in range(1, floors + 1) for n in range(1, per_floor + 1)]


# When the week's work was done, local time: a measure opens in the morning, checks in their slot.
OPENED_AT = dt.time(9, 0)
SLOT_AT = {Slot.MORNING: dt.time(8, 30), Slot.EVENING: dt.time(18, 30)}
SAMPLED_AT, RESULT_AT = dt.time(10, 0), dt.time(16, 0)

Checks = dict[tuple[dt.date, str, int, str], list[services.CheckInput]]


def _moment(day: dt.date, time: dt.time, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """That day and time (give or take twenty minutes), never later than now."""
    planned = timezone.make_aware(dt.datetime.combine(day, time)) + dt.timedelta(minutes=rng.randint(-20, 20))
    return min(planned, now - dt.timedelta(minutes=1))


def _history(
    actor: User,
    measure: Measure,
    rng: random.Random,
    source: str,
    today: dt.date,
    now: dt.datetime,
    into: Checks,
) -> None:
    """Twice-daily checks up to now (a few missed), kept by slot to be written in their slot's time."""
    day = measure.start_date
    while day <= today:
        for slot in (Slot.MORNING, Slot.EVENING):
            due_today = slot == Slot.MORNING and now.hour >= 10 or slot == Slot.EVENING and now.hour >= 20
            if (day < today or due_today) and rng.random() > 0.03:
                temperature = f"{rng.uniform(36.0, 37.1):.1f}"
                into.setdefault((day, slot, actor.pk, source), []).append(
                    services.CheckInput(
                        client_id=str(uuid.UUID(int=rng.getrandbits(128))),
                        measure_id=measure.pk,
                        temperature=temperature,
                        day=day,
                        slot=slot,
                    )
                )
        day += dt.timedelta(days=1)


def _record_checks(checks: Checks, actors: dict[int, User], now: dt.datetime, rng: random.Random) -> None:
    """Each slot's checks, oldest first, each at its slot's time."""
    for (day, slot, actor_id, source), items in sorted(
        checks.items(), key=lambda kv: (kv[0][0], kv[0][1] == "e")
    ):
        with at(_moment(day, SLOT_AT[Slot(slot)], now, rng)):
            services.do_record_checks(actors[actor_id], items, source)
    checks.clear()


def _test_past(cdc: User, measure: Measure, rng: random.Random, today: dt.date, now: dt.datetime) -> None:
    for sample in measure.samples.filter(status=SampleStatus.SCHEDULED, due_date__lt=today).order_by(
        "due_date"
    ):
        with at(_moment(sample.due_date, SAMPLED_AT, now, rng)):
            services.do_record_sampling(
                cdc, sample, f"HZ{rng.getrandbits(40):012d}", cdc.display_name, "社区采样点"
            )
        with at(_moment(sample.due_date, RESULT_AT, now, rng)):
            services.do_record_result(cdc, sample, SampleStatus.NEGATIVE, "洪泽区人民医院检验科")


def seed_control(seed: int) -> dict[str, int]:
    rng = random.Random(seed + 404)
    office = User.objects.get(username="district")
    manager = User.objects.get(username="site1")
    cdc = User.objects.get(username="cdc1")
    now = timezone.localtime()
    today = now.date()
    hotel = services.do_create_site(
        office,
        services.SiteSpec(
            name="湖滨宾馆集中隔离观察点",
            kind=SiteKind.HOTEL,
            address="洪泽区湖滨大道88号",
            capacity=40,
            manager_name=manager.display_name,
            manager=manager,
            medical_staff="区人民医院 医生2名、护士4名",
            unit_path=DISTRICT_PATH,
            rooms=_rooms(4, 10),
        ),
    )
    services.do_create_site(
        office,
        services.SiteSpec(
            name="洪泽区职业教育中心备用隔离点",
            kind=SiteKind.SCHOOL,
            address="洪泽区东七街1号",
            capacity=30,
            manager_name=manager.display_name,
            manager=manager,
            unit_path=DISTRICT_PATH,
            rooms=_rooms(3, 10),
        ),
    )
    ids = list(Person.objects.filter(grid__isnull=False).order_by("id").values_list("id", flat=True))
    chosen = sorted(rng.sample(ids, min(PEOPLE, len(ids))))
    persons = {p.pk: p for p in Person.objects.filter(pk__in=chosen)}
    people = [persons[i] for i in chosen]
    if len(people) < PEOPLE:  # a tiny demo has no room for the scenario
        return {"measures": 0, "opened": 0}
    rooms = list(Room.objects.filter(site=hotel).order_by("floor", "number"))
    opened = 0
    checks: Checks = {}
    actors = {office.pk: office, manager.pk: manager}

    def open_measure(
        person: Person, kind: str, start: dt.date, category: str = "general", room: Room | None = None
    ) -> Measure:
        nonlocal opened
        opened += 1
        reason = "返洪人员核查" if kind != MeasureType.CENTRAL_ISOLATION else "密切接触者"
        spec = services.MeasureSpec(type=kind, category=category, start=start, reason=reason)
        with at(_moment(start, OPENED_AT, now, rng)):
            measure = services.do_open_measure(office, person, spec)
            if room is not None:
                services.do_check_in(manager, measure, room)
        return measure

    measured: list[Measure] = []
    for person in people[:30]:
        measure = open_measure(
            person, MeasureType.HOME_ISOLATION, today - dt.timedelta(days=rng.randint(0, 6))
        )
        _history(office, measure, rng, CheckSource.TEAM, today, now, checks)
        measured.append(measure)
    for person in people[30:40]:
        measure = open_measure(
            person, MeasureType.HOME_MONITORING, today - dt.timedelta(days=rng.randint(0, 6))
        )
        _history(office, measure, rng, CheckSource.TEAM, today, now, checks)
        measured.append(measure)
    for person, room in zip(people[40:52], rooms, strict=False):
        start = today - dt.timedelta(days=rng.randint(0, 4))
        measure = open_measure(person, MeasureType.CENTRAL_ISOLATION, start, "close_contact", room)
        _history(manager, measure, rng, CheckSource.SITE, today, now, checks)
        measured.append(measure)
    services.do_set_room_status(manager, rooms[12], RoomStatus.CLEANING)
    services.do_set_room_status(manager, rooms[13], RoomStatus.SEALED)

    # A fever reported by the person through the self-report link; a health monitoring whose week
    # is over and a close contact's 5 days at the hotel, both released today (the contact's release
    # opens the 3 days at home and a point-to-point return).
    fever = open_measure(people[52], MeasureType.HOME_ISOLATION, today - dt.timedelta(days=2))
    _history(office, fever, rng, CheckSource.TEAM, today - dt.timedelta(days=1), now, checks)
    done = open_measure(people[53], MeasureType.HEALTH_MONITORING, today - dt.timedelta(days=7))
    _history(office, done, rng, CheckSource.TEAM, today - dt.timedelta(days=1), now, checks)
    contact = open_measure(
        people[54], MeasureType.CENTRAL_ISOLATION, today - dt.timedelta(days=5), "close_contact", rooms[14]
    )
    _history(manager, contact, rng, CheckSource.SITE, today - dt.timedelta(days=1), now, checks)
    _record_checks(checks, actors, now, rng)
    for measure in measured:
        _test_past(cdc, measure, rng, today, now)
    _test_past(cdc, contact, rng, today + dt.timedelta(days=1), now)

    services.do_record_checks(
        None,
        [
            services.CheckInput(
                client_id=str(uuid.UUID(int=rng.getrandbits(128))),
                measure_id=fever.pk,
                temperature="38.6",
                symptoms=["cough"],
            )
        ],
        CheckSource.SELF,
        self_measure=fever,
    )
    services.do_propose_release(office, done)
    services.do_confirm_release(office, done)
    services.do_propose_release(office, contact)
    services.do_confirm_release(office, contact)

    liaison = User.objects.filter(grants__grid=people[55].grid, grants__role="grid_worker").first() or office
    services.do_register_inbound(
        office,
        people[55],
        services.InboundSpec(
            entry_port="上海浦东国际机场",
            entry_date=today - dt.timedelta(days=6),
            liaison=liaison,
            local_measure=MeasureType.HOME_ISOLATION,
            flight="MU5052",
            countries_14d="日本",
            first_entry_place="上海市定点隔离酒店",
            first_entry_until=today - dt.timedelta(days=1),
        ),
    )
    services.do_escalate()
    return {"measures": Measure.objects.count(), "opened": opened}
