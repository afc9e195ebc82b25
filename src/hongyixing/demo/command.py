"""The demo's command centre: the office and eight groups with their liaisons, today's duty roster,
a directive to three towns at three different stages, and a screening campaign half done.

Deterministic for a seed (times are relative to the moment of seeding); every write goes through
``command.services``; the campaign's visits go in through the bulk service (a few thousand rows)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from hongyixing.accounts.models import Grant, User
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command import services
from hongyixing.command.choices import VisitOutcome
from hongyixing.command.models import Visit, WorkingGroup
from hongyixing.core.scope import path_prefix_q
from hongyixing.demo.plan import DISTRICT_PATH
from hongyixing.people.models import Person

# The directive: 朱坝 accepted; 岔河 never answered (supervised); 高良涧 given more time, in progress.
SCENARIO_TOWNS = ("320813002", "320813103", "320813001")
SCREENED_TOWN = "320813001"
MAX_VISITS = 3000
CHECKLIST = [
    {"label": "近14天是否有外出或外地来人", "kind": "yesno"},
    {"label": "家中常住人数", "kind": "number"},
    {"label": "是否有发热、咳嗽等症状", "kind": "yesno"},
    {"label": "其他情况", "kind": "text"},
]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def seed_command(seed: int, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(f"command:{seed}")
    district = AdminUnit.objects.get(path=DISTRICT_PATH)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["district", *[f"wg{n}" for n in range(1, 9)]])
    }
    office = users["district"]
    services.do_ensure_default_groups(office, district)
    groups = list(WorkingGroup.objects.filter(unit=district).order_by("position"))
    services.do_add_member(office, groups[0], office, "leader", post=office.title, phone=_phone(rng))
    for n, group in enumerate(groups[1:], start=1):
        liaison = users.get(f"wg{n}")
        if liaison is not None:
            services.do_add_member(office, group, liaison, "liaison", post=liaison.title, phone=_phone(rng))
    shifts = _duty(rng, district, groups[0], office, now)
    _directive(district, office, now)
    visits = _campaign(rng, office, now)
    return {"groups": len(groups), "shifts": shifts, "directives": 1, "visits": visits}


def _duty(
    rng: random.Random, district: AdminUnit, office_group: WorkingGroup, office: Any, now: dt.datetime
) -> int:
    """24-hour shifts from 08:00, yesterday's and today's, for the office and every town."""
    local = timezone.localtime(now)
    start = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local < start:
        start -= dt.timedelta(days=1)
    towns = list(AdminUnit.objects.filter(level="town", parent=district).order_by("path"))
    officers = {u.username: u for u in User.objects.filter(username__in=[f"town_{t.path}" for t in towns])}
    count = 0
    for begin in (start - dt.timedelta(days=1), start):
        end = begin + dt.timedelta(days=1)
        services.do_add_shift(
            office, district, office, begin, end, group=office_group, post="带班领导", phone=_phone(rng)
        )
        count += 1
        for town in towns:
            officer = officers.get(f"town_{town.path}")
            if officer is not None:
                services.do_add_shift(office, town, officer, begin, end, post="值班员", phone=_phone(rng))
                count += 1
    return count


def _directive(district: AdminUnit, office: Any, now: dt.datetime) -> None:
    issued = now - dt.timedelta(hours=54)
    towns = [AdminUnit.objects.get(path=path) for path in SCENARIO_TOWNS]
    directive = services.check_issue_directive(
        office,
        district,
        services.DirectiveInput(
            title="关于对返洪人员开展全面排查的紧急通知",
            content=(
                "各镇（街道）：\n请于规定时限内，对辖区内近14天返洪人员逐户排查，"
                "落实居家健康监测措施，并报送排查户数、发现返洪人员数和排查台账。"
            ),
            deadline=issued + dt.timedelta(hours=40),
            units=towns,
            feedback_fields=[
                {"label": "排查户数", "kind": "number"},
                {"label": "发现返洪人员数", "kind": "number"},
            ],
        ),
        now=issued,
    )
    shares = {a.unit_path: a for a in directive.assignments.all()}
    officers = {
        u.username: u for u in User.objects.filter(username__in=[f"town_{p}" for p in SCENARIO_TOWNS])
    }
    done_town, late_town, busy_town = SCENARIO_TOWNS
    # One town acknowledged, completed and was accepted.
    town = officers[f"town_{done_town}"]
    share, _ = services.check_act(town, shares[done_town], "acknowledge", now=issued + dt.timedelta(hours=1))
    report = services.Report(
        text="已完成全部排查，台账已归档。", figures={"q1": 3126, "q2": 41}, client_id="demo-done"
    )
    share, _ = services.check_act(town, share, "complete", report, now=issued + dt.timedelta(hours=20))
    services.check_act(
        office, share, "accept", services.Report(text="同意"), now=issued + dt.timedelta(hours=22)
    )
    # One town acknowledged and is working, with more time granted; another never answered.
    town = officers[f"town_{busy_town}"]
    share, _ = services.check_act(town, shares[busy_town], "acknowledge", now=issued + dt.timedelta(hours=2))
    share, _ = services.check_act(
        town,
        share,
        "progress",
        services.Report(text="已完成12个村中的7个。", figures={"q1": 1804}, client_id="demo-progress"),
        now=issued + dt.timedelta(hours=30),
    )
    services.do_extend_deadline(
        office,
        share,
        now + dt.timedelta(hours=20),
        "该镇村组分散，同意延期",
        now=issued + dt.timedelta(hours=36),
    )
    services.check_act(
        town,
        share,
        "progress",
        services.Report(text="又完成3个村。", figures={"q1": 2410}, client_id="demo-progress-2"),
        now=now - dt.timedelta(hours=2),
    )
    services.do_escalate_directives(now)


def _campaign(rng: random.Random, office: Any, now: dt.datetime) -> int:
    """A town-wide campaign since yesterday: each grid at its own pace, a few findings."""
    town = AdminUnit.objects.get(path=SCREENED_TOWN)
    today = timezone.localtime(now).date()
    campaign = services.do_create_campaign(
        office,
        town,
        f"{town.name}返洪人员地毯式排查",
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=2),
        CHECKLIST,
        now=now,
    )
    by_grid: dict[int, list[tuple[int, str]]] = {}
    rows = Household.objects.filter(path_prefix_q("unit_path", town.path)).order_by("grid_id", "id")
    for household_id, grid_id, unit_path in rows.values_list("id", "grid_id", "unit_path"):
        by_grid.setdefault(grid_id, []).append((household_id, unit_path))
    workers = {
        g.grid_id: g.user
        for g in Grant.objects.filter(role="grid_worker", grid_id__in=list(by_grid)).select_related("user")
    }
    visits: list[Visit] = []
    budget = MAX_VISITS
    # Each grid at its own pace (15 % … 94 % of an even share of the budget), so every grid shows.
    even = max(2 * MAX_VISITS // max(len(by_grid), 1), 1)
    for n, (grid_id, households) in enumerate(sorted(by_grid.items())):
        share = 0.15 + ((n * 37) % 80) / 100
        take = min(int(min(len(households), even) * share), budget)
        budget -= take
        worker = workers.get(grid_id, office)
        for household_id, unit_path in households[:take]:
            roll = rng.random()
            outcome = (
                VisitOutcome.VISITED
                if roll < 0.9
                else VisitOutcome.NOBODY_HOME
                if roll < 0.96
                else VisitOutcome.REFUSED
            )
            visited = outcome == VisitOutcome.VISITED
            visits.append(
                Visit(
                    household_id=household_id,
                    unit_path=unit_path,
                    grid_id=grid_id,
                    outcome=outcome,
                    answers={"q1": rng.random() < 0.08, "q2": rng.randint(1, 6), "q3": False}
                    if visited
                    else {},
                    client_id=f"demo-{campaign.pk}-{household_id}",
                    visited_by=worker,
                    visited_at=now - dt.timedelta(minutes=rng.randrange(1, 24 * 60)),
                )
            )
    created = services.do_bulk_record_visits(office, campaign, visits)
    # Three findings; the first becomes a verification task in one step.
    found = [v for v in created if v.outcome == VisitOutcome.VISITED][:3]
    for n, visit in enumerate(found):
        person = Person.objects.filter(household_id=visit.household_id).order_by("id").first()
        if person is None:
            continue
        data = services.VisitInput(
            client_id=f"demo-finding-{n}",
            outcome=VisitOutcome.VISITED,
            findings="家中有人3天前自外省返回，未主动报备",
            person_id=person.pk,
            raise_task=n == 0,
        )
        worker = workers.get(visit.grid_id, office)
        services.submit_visit(worker, campaign, Household.objects.get(pk=visit.household_id), data, now=now)
    return len(created) + len(found)
