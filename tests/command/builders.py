"""Command-centre objects on top of the shared cast, made through services: the default groups, a
directive from the district to town A and town B, a screening campaign and a duty shift per town."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hongyixing.areas.models import AdminUnit
from hongyixing.command import services
from hongyixing.command.models import Assignment, Campaign, Directive, DutyShift, WorkingGroup
from tests.personas import DISTRICT, World

CHECKLIST = [
    {"label": "近14天是否有外出", "kind": "yesno"},
    {"label": "家中常住人数", "kind": "number"},
    {"label": "备注", "kind": "text"},
]
DUTY_PHONES = {"a": "13911112222", "b": "13933334444"}


@dataclass
class CommandWorld:
    district: AdminUnit
    directive: Directive
    assignments: dict[str, Assignment]
    campaigns: dict[str, Campaign]
    shifts: dict[str, DutyShift]
    groups: dict[str, WorkingGroup] = field(default_factory=dict)


def issue(
    world: World, *, now: dt.datetime | None = None, hours: float = 24, **overrides: object
) -> Directive:
    now = now or timezone.now()
    district = AdminUnit.objects.get(path=DISTRICT)
    values: dict[str, object] = {
        "title": "关于开展返乡人员全面排查的通知",
        "content": "请各镇街于规定时间内完成排查并报送结果。",
        "deadline": now + dt.timedelta(hours=hours),
        "units": [world.a.town, world.b.town],
        "feedback_fields": [{"label": "排查户数", "kind": "number"}],
    }
    values.update(overrides)
    return services.check_issue_directive(
        world.users["district"],
        district,
        services.DirectiveInput(**values),
        now=now,  # type: ignore[arg-type]
    )


def build_command(world: World, *, attachment: bool = False) -> CommandWorld:
    existing = getattr(world, "command", None)
    if existing is not None:
        return existing
    district = AdminUnit.objects.get(path=DISTRICT)
    office = world.users["district"]
    services.do_ensure_default_groups(office, district)
    files = [SimpleUploadedFile("排查方案.txt", "附件内容".encode())] if attachment else []
    directive = issue(world, attachments=files)
    assignments = {a.unit_path: a for a in directive.assignments.all()}
    today = timezone.localdate()
    now = timezone.now()
    campaigns = {}
    shifts = {}
    for key in ("a", "b"):
        place = getattr(world, key)
        campaigns[key] = services.do_create_campaign(
            office, place.town, f"{place.town.name}地毯式排查", today, today + dt.timedelta(days=2), CHECKLIST
        )
        shifts[key] = services.do_add_shift(
            office,
            place.town,
            world.users[f"town_{key}"],
            now - dt.timedelta(hours=1),
            now + dt.timedelta(hours=23),
            post="值班员",
            phone=DUTY_PHONES[key],
        )
    built = CommandWorld(
        district=district,
        directive=directive,
        assignments={"a": assignments[world.a.town.path], "b": assignments[world.b.town.path]},
        campaigns=campaigns,
        shifts=shifts,
        groups={g.code: g for g in WorkingGroup.objects.filter(unit=district)},
    )
    world.command = built  # type: ignore[attr-defined]
    return built
