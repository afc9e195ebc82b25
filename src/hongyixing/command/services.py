"""Every write of the command centre: groups and duty, directives and their assignments (with the
escalation clock), screening campaigns and visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.models import Grant
from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command.choices import (
    CLOCK_STATES,
    COMMAND_ROLES,
    AssignmentState,
    FieldKind,
    GroupKind,
    MemberRole,
    NoteKind,
    VisitOutcome,
)
from hongyixing.command.models import (
    Assignment,
    AssignmentNote,
    Campaign,
    Directive,
    DirectiveAttachment,
    DutyShift,
    GroupMember,
    Visit,
    WorkingGroup,
)
from hongyixing.core import audit, deadlines
from hongyixing.core.bulk import insert_returning_ids
from hongyixing.core.crypto import seal, unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.masking import mask_phone
from hongyixing.core.models import PiiAccessKind
from hongyixing.core.scope import scope_for
from hongyixing.notices.services import Notice, notify, notify_each
from hongyixing.people import phones
from hongyixing.people.models import Person
from hongyixing.verification.models import PushSource
from hongyixing.verification.services import do_create_task_for_person

SCREENING_SOURCE = "carpet-screening"
MAX_ATTACHMENT_BYTES = 20 * 2**20


def may_change(user: Any, path: str) -> bool:
    """Whether the user may run the command of this unit (groups, duty, directives, campaigns)."""
    return scope_for(user, "change").covers_path(path)


def _require_change(user: Any, path: str) -> None:
    if not may_change(user, path):
        raise DomainError("not_allowed", _("You cannot do this for this unit."))


def _seal_phone(raw: str) -> tuple[str, str]:
    if not raw.strip():
        return "", ""
    try:
        number = phones.normalise(raw)
    except phones.PhoneError as error:
        raise DomainError(error.code, error.message) from error
    return seal(number), mask_phone(number)


# --- Fields of a checklist or of a directive's feedback form -----------------------------------


def normalise_fields(items: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """``[{"key", "label", "kind"}]`` with keys made unique (q1, q2 … when missing)."""
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        label = str(item.get("label", "")).strip()[:100]
        if not label:
            continue
        kind = str(item.get("kind") or FieldKind.YES_NO)
        if kind not in FieldKind.values:
            raise DomainError("fields.bad_kind", _("Unknown question kind: %(kind)s") % {"kind": kind})
        key = str(item.get("key") or f"q{n}").strip()[:30] or f"q{n}"
        if key in seen:
            key = f"q{n}"
        if key in seen:
            raise DomainError("fields.duplicate_key", _("Two questions have the same key."))
        seen.add(key)
        result.append({"key": key, "label": label, "kind": kind})
    return result


_YES = {"yes", "true", "1", "y", "on", "是"}
_NO = {"no", "false", "0", "n", "off", "否"}


def clean_answers(fields: Sequence[dict[str, str]], raw: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """Answers keyed like the fields, typed by kind; unknown keys are dropped."""
    answers: dict[str, Any] = {}
    for spec in fields:
        value = raw.get(spec["key"])
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise DomainError("answers.missing", _("Answer this: %(label)s") % {"label": spec["label"]})
            continue
        if spec["kind"] == FieldKind.YES_NO:
            text = str(value).strip().lower()
            if isinstance(value, bool):
                answers[spec["key"]] = value
            elif text in _YES or text in _NO:
                answers[spec["key"]] = text in _YES
            else:
                raise DomainError(
                    "answers.bad_yesno", _("Answer yes or no: %(label)s") % {"label": spec["label"]}
                )
        elif spec["kind"] == FieldKind.NUMBER:
            try:
                number = float(str(value).strip())
            except ValueError as error:
                raise DomainError(
                    "answers.bad_number", _("A number is needed: %(label)s") % {"label": spec["label"]}
                ) from error
            if number != number or abs(number) > 1e12:  # NaN or absurd
                raise DomainError(
                    "answers.bad_number", _("A number is needed: %(label)s") % {"label": spec["label"]}
                )
            answers[spec["key"]] = int(number) if number.is_integer() else number
        else:
            answers[spec["key"]] = str(value).strip()[:500]
    return answers


# --- Working groups and members ----------------------------------------------------------------

# 一办八组 (domain.md §7): the office and the eight groups, with the unit that usually leads each.
DEFAULT_GROUPS = (
    ("office", "办公室", GroupKind.OFFICE, "区委办、区政府办", "综合协调、信息汇总、督查督办"),
    (
        "epidemic",
        "疫情防控(流调)组",
        GroupKind.GROUP,
        "区卫健委、区疾控中心",
        "流行病学调查、密接追踪、核酸检测",
    ),
    ("medical", "医疗救治组", GroupKind.GROUP, "区卫健委", "发热门诊、定点救治、医疗资源调度"),
    ("community", "社区网格组", GroupKind.GROUP, "区委组织部、区民政局", "网格化管理、地毯式排查、居家管控"),
    ("transport", "交通卡口与转运组", GroupKind.GROUP, "区交通运输局、公安分局", "卡口查验、闭环转运"),
    ("foreign", "涉外防控组", GroupKind.GROUP, "区外办、区公安分局", "境外来洪人员排查、专人对接"),
    (
        "supplies",
        "物资与市场保障组",
        GroupKind.GROUP,
        "区发改委、区商务局、区市场监管局",
        "防疫物资、生活必需品保供稳价",
    ),
    ("publicity", "宣传舆情组", GroupKind.GROUP, "区委宣传部", "信息发布、舆情监测与引导"),
    ("resumption", "复工复产组", GroupKind.GROUP, "区工信局、区发改委", "企业复工复产、返岗人员、政策兑现"),
)


@transaction.atomic
def do_ensure_default_groups(actor: Any, unit: AdminUnit) -> int:
    """Create the office and the eight groups of a unit's command where missing; safe to run again."""
    existing = set(WorkingGroup.objects.filter(unit=unit).values_list("code", flat=True))
    created = 0
    for position, (code, name, kind, lead_unit, duties) in enumerate(DEFAULT_GROUPS):
        if code in existing:
            continue
        group = WorkingGroup.objects.create(
            unit=unit,
            unit_path=unit.path,
            code=code,
            name=name,
            kind=kind,
            position=position,
            lead_unit=lead_unit,
            duties=duties,
        )
        audit.log_create(actor, group)
        created += 1
    return created


def check_ensure_default_groups(actor: Any, unit: AdminUnit) -> int:
    _require_change(actor, unit.path)
    return do_ensure_default_groups(actor, unit)


GROUP_FIELDS = {"name", "lead_unit", "duties", "position"}


@transaction.atomic
def do_update_group(actor: Any, group: WorkingGroup, expected_version: int, **changes: Any) -> WorkingGroup:
    _require_change(actor, group.unit_path)
    unknown = set(changes) - GROUP_FIELDS
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    if "name" in changes and not str(changes["name"]).strip():
        raise DomainError("group.no_name", _("A group needs a name."))
    before = audit.snapshot(group)
    updated = WorkingGroup.objects.filter(pk=group.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise DomainError("group.stale", _("Someone else changed this group; reload and try again."))
    group.refresh_from_db()
    audit.log_update(actor, group, before)
    return group


@transaction.atomic
def do_add_member(
    actor: Any, group: WorkingGroup, user: Any, role: str, *, post: str = "", phone: str = ""
) -> GroupMember:
    _require_change(actor, group.unit_path)
    if role not in MemberRole.values:
        raise DomainError("member.bad_role", _("Choose a role in the group."))
    if GroupMember.objects.filter(group=group, user=user).exists():
        raise DomainError("member.exists", _("This user is already in the group."))
    ciphertext, masked = _seal_phone(phone)
    member = GroupMember.objects.create(
        group=group, user=user, role=role, post=post[:100], phone_ciphertext=ciphertext, phone_masked=masked
    )
    audit.log_create(actor, member)
    audit.emit("group.member_added", group, actor, data={"user": user.pk, "role": role})
    return member


@transaction.atomic
def do_remove_member(actor: Any, member: GroupMember) -> None:
    group = member.group
    _require_change(actor, group.unit_path)
    audit.log_delete(actor, member)
    audit.emit("group.member_removed", group, actor, data={"user": member.user_id})
    member.delete()


# --- Duty roster ---------------------------------------------------------------------------------


@transaction.atomic
def do_add_shift(
    actor: Any,
    unit: AdminUnit,
    officer: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    group: WorkingGroup | None = None,
    post: str = "",
    phone: str = "",
) -> DutyShift:
    _require_change(actor, unit.path)
    if group is not None and group.unit_id != unit.pk:
        raise DomainError("duty.bad_group", _("The group belongs to another unit."))
    if ends_at <= starts_at:
        raise DomainError("duty.bad_times", _("A shift must end after it starts."))
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise DomainError("duty.too_long", _("A shift lasts at most 24 hours."))
    ciphertext, masked = _seal_phone(phone)
    shift = DutyShift.objects.create(
        unit=unit,
        unit_path=unit.path,
        group=group,
        starts_at=starts_at,
        ends_at=ends_at,
        officer=officer,
        post=post[:60],
        phone_ciphertext=ciphertext,
        phone_masked=masked,
    )
    audit.log_create(actor, shift)
    return shift


@transaction.atomic
def do_remove_shift(actor: Any, shift: DutyShift) -> None:
    _require_change(actor, shift.unit_path)
    audit.log_delete(actor, shift)
    shift.delete()


def duty_phone(actor: Any, shift: DutyShift) -> str:
    """The duty phone in full, for calling: needs the reveal permission there, and is logged."""
    if not scope_for(actor, "reveal").covers_path(shift.unit_path):
        raise Http404
    if not shift.phone_ciphertext:
        return ""
    audit.log_pii_access(
        actor,
        PiiAccessKind.REVEAL,
        "duty_phone",
        _("Calling the duty officer, shift %(id)d") % {"id": shift.pk},
        detail={"shift": shift.pk, "officer": shift.officer_id},
    )
    return unseal(shift.phone_ciphertext)


# --- Directives ------------------------------------------------------------------------------------


def default_prefix(unit: AdminUnit) -> str:
    """洪泽区 → 洪指 (洪指〔2026〕12号); a town uses the first two characters of its name."""
    return (unit.name[:1] if unit.level in ("city", "district") else unit.name[:2]) + "指"


def directive_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕{sequence}号"


@dataclass
class DirectiveInput:
    title: str
    content: str
    deadline: dt.datetime
    units: Sequence[AdminUnit] = ()
    groups: Sequence[WorkingGroup] = ()
    group: WorkingGroup | None = None
    feedback_text: bool = True
    feedback_file: bool = False
    feedback_fields: Sequence[dict[str, Any]] = ()
    attachments: Sequence[Any] = ()
    prefix: str = ""


def _assignee_users(assignments: Sequence[Assignment]) -> dict[int, set[int]]:
    """Assignment id → the users who act for its target: desk officers of the unit, or group members."""
    unit_ids = {a.unit_id for a in assignments if a.unit_id}
    group_ids = {a.group_id for a in assignments if a.group_id}
    by_unit: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in Grant.objects.filter(
        unit_id__in=unit_ids, role__in=("town_officer", "village_cadre", "district_office")
    ).values_list("user_id", "unit_id"):
        by_unit[unit_id].add(user_id)
    by_group: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id in GroupMember.objects.filter(group_id__in=group_ids).values_list(
        "user_id", "group_id"
    ):
        by_group[group_id].add(user_id)
    return {
        a.pk: set(by_unit.get(a.unit_id or 0, set()) if a.unit_id else by_group.get(a.group_id or 0, set()))
        for a in assignments
    }


def _command_users(directives: Iterable[Directive]) -> dict[int, set[int]]:
    """Directive id → the issuing command: its office (district-office grants above the issuing unit),
    its commanders, and the issuer."""
    directives = list(directives)
    office = list(Grant.objects.filter(role="district_office").values_list("user_id", "unit__path"))
    commanders: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in GroupMember.objects.filter(
        role__in=COMMAND_ROLES, group__unit_id__in={d.unit_id for d in directives}
    ).values_list("user_id", "group__unit_id"):
        commanders[unit_id].add(user_id)
    return {
        d.pk: {uid for uid, path in office if path and d.unit_path.startswith(path)}
        | commanders.get(d.unit_id, set())
        | {d.issuer_id}
        for d in directives
    }


def _notices(users: Iterable[int], kind: str, message: str) -> list[Notice]:
    return [Notice(uid, kind, message) for uid in sorted(set(users))]


def _next_sequence(prefix: str, year: int) -> int:
    current = Directive.objects.filter(prefix=prefix, year=year).aggregate(n=Max("sequence"))["n"]
    return (current or 0) + 1


def _local_year(moment: dt.datetime) -> int:
    return timezone.localtime(moment).year


def check_issue_directive(
    actor: Any, unit: AdminUnit, data: DirectiveInput, now: dt.datetime | None = None
) -> Directive:
    """Validate, then issue; a clash on the number (two issuers at the same moment) takes the next one."""
    now = now or timezone.now()
    _require_change(actor, unit.path)
    if not data.title.strip() or not data.content.strip():
        raise DomainError("directive.incomplete", _("A directive needs a title and content."))
    if data.deadline <= now:
        raise DomainError("directive.deadline_past", _("The deadline must be in the future."))
    if not data.units and not data.groups:
        raise DomainError("directive.no_target", _("Choose at least one unit or group."))
    for target in data.units:
        if not (target.path.startswith(unit.path) and target.path != unit.path):
            raise DomainError("directive.bad_target", _("A directive goes to units under the issuer."))
    for group in [*data.groups, *([data.group] if data.group else [])]:
        if group.unit_id != unit.pk:
            raise DomainError("directive.bad_group", _("The group belongs to another command."))
    for upload in data.attachments:
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise DomainError("directive.file_too_large", _("An attachment is larger than 20 MB."))
    fields = normalise_fields(data.feedback_fields)
    for attempt in range(5):
        try:
            return do_issue_directive(actor, unit, data, fields, now)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def do_issue_directive(
    actor: Any, unit: AdminUnit, data: DirectiveInput, fields: list[dict[str, str]], now: dt.datetime
) -> Directive:
    prefix = (data.prefix or default_prefix(unit))[:12]
    year = _local_year(now)
    sequence = _next_sequence(prefix, year)
    directive = Directive.objects.create(
        unit=unit,
        unit_path=unit.path,
        group=data.group,
        issuer=actor,
        prefix=prefix,
        year=year,
        sequence=sequence,
        number=directive_number(prefix, year, sequence),
        title=data.title.strip()[:200],
        content=data.content.strip(),
        issued_at=now,
        deadline=data.deadline,
        feedback_text=data.feedback_text,
        feedback_file=data.feedback_file,
        feedback_fields=fields,
    )
    audit.log_create(actor, directive)
    for upload in data.attachments:
        attachment = DirectiveAttachment.objects.create(
            directive=directive,
            file=upload,
            name=str(getattr(upload, "name", "file"))[:200],
            size=upload.size,
            uploaded_by=actor,
            uploaded_at=now,
        )
        audit.log_create(actor, attachment)
    clock = deadlines.clock_times(now, data.deadline)
    assignments = [
        Assignment(
            directive=directive, unit=target, unit_path=target.path, target_name=target.name[:100], **clock
        )
        for target in sorted(data.units, key=lambda u: u.path)
    ] + [
        Assignment(directive=directive, group=g, unit_path=unit.path, target_name=g.name[:100], **clock)
        for g in sorted(data.groups, key=lambda g: g.position)
    ]
    Assignment.objects.bulk_create(assignments)
    created = list(Assignment.objects.filter(directive=directive).order_by("id"))
    audit.log_bulk_create(actor, created)
    audit.emit(
        "directive.issued", directive, actor, data={"number": directive.number, "targets": len(created)}
    )
    audit.emit_bulk("assignment.issued", created, actor)
    text = _("New directive %(number)s: %(title)s (due %(deadline)s)") % {
        "number": directive.number,
        "title": directive.title,
        "deadline": timezone.localtime(directive.deadline).strftime("%m-%d %H:%M"),
    }
    recipients = _assignee_users(created)
    notices = [n for a in created for n in _notices(recipients[a.pk], "directive.issued", text)]
    notify_each(notices, summary=text, now=now)
    return directive


# The assignment's life cycle: (states it may leave from, state it reaches, whose step it is).
TRANSITIONS: dict[str, tuple[set[str], str, str]] = {
    "acknowledge": ({AssignmentState.ISSUED}, AssignmentState.ACKNOWLEDGED, "target"),
    "progress": (
        {AssignmentState.ACKNOWLEDGED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED},
        AssignmentState.IN_PROGRESS,
        "target",
    ),
    "complete": (
        {AssignmentState.ACKNOWLEDGED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED},
        AssignmentState.COMPLETED,
        "target",
    ),
    "accept": ({AssignmentState.COMPLETED}, AssignmentState.ACCEPTED, "issuer"),
    "return": ({AssignmentState.COMPLETED}, AssignmentState.RETURNED, "issuer"),
}
NOTE_KIND = {
    "progress": NoteKind.PROGRESS,
    "complete": NoteKind.COMPLETION,
    "return": NoteKind.RETURN,
    "accept": NoteKind.ACCEPTANCE,
}


def is_issuer_side(user: Any, assignment: Assignment) -> bool:
    directive: Any = assignment.directive
    return may_change(user, directive.unit_path)


def is_target_side(user: Any, assignment: Assignment) -> bool:
    """The target unit's own officers (not the issuer above them), or the target group's members."""
    if assignment.group_id is not None:
        return GroupMember.objects.filter(group_id=assignment.group_id, user_id=user.pk).exists()
    return may_change(user, assignment.unit_path) and not is_issuer_side(user, assignment)


def allowed_actions(user: Any, assignment: Assignment) -> list[str]:
    sides = set()
    if is_target_side(user, assignment):
        sides.add("target")
    if is_issuer_side(user, assignment):
        sides.add("issuer")
    return [
        a for a, (sources, _t, side) in TRANSITIONS.items() if assignment.state in sources and side in sides
    ]


@dataclass
class Report:
    """What comes with a step: a note, figures/answers, an evidence file, a client id for retries."""

    text: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    file: Any = None
    client_id: str = ""


def check_act(
    actor: Any,
    assignment: Assignment,
    action: str,
    report: Report | None = None,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[Assignment, bool]:
    """Validate the step and take it. Returns ``(assignment, created)``; a retried report with the same
    client id is recognised and returns ``created=False`` without a second note."""
    report = report or Report()
    if report.client_id:
        existing = AssignmentNote.objects.filter(client_id=report.client_id).first()
        if existing is not None:
            if existing.assignment_id != assignment.pk:
                raise DomainError(
                    "note.client_id_reused", _("This submission id belongs to another assignment.")
                )
            assignment.refresh_from_db()
            return assignment, False
    if action not in TRANSITIONS:
        raise DomainError("assignment.bad_action", _("Unknown step."))
    if action not in allowed_actions(actor, assignment):
        if assignment.state not in TRANSITIONS[action][0]:
            raise DomainError(
                "assignment.bad_transition",
                _("This cannot be done in the assignment's state: %(state)s")
                % {"state": assignment.get_state_display()},
            )
        raise DomainError("assignment.not_allowed", _("You cannot do this with this assignment."))
    try:
        return do_act(actor, assignment, action, report, expected_version=expected_version, now=now), True
    except IntegrityError:
        existing = (
            AssignmentNote.objects.filter(client_id=report.client_id).first() if report.client_id else None
        )
        if existing is None:
            raise
        assignment.refresh_from_db()
        return assignment, False


@transaction.atomic
def do_act(
    actor: Any,
    assignment: Assignment,
    action: str,
    report: Report,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    locked = (
        Assignment.objects.select_for_update().select_related("directive").filter(pk=assignment.pk).first()
    )
    if locked is None:
        raise Http404
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(
            "assignment.stale", _("Someone else changed this assignment; reload and try again.")
        )
    sources, target, _side = TRANSITIONS[action]
    if locked.state not in sources:
        raise DomainError(
            "assignment.bad_transition",
            _("This cannot be done in the assignment's state: %(state)s")
            % {"state": locked.get_state_display()},
        )
    directive = locked.directive
    figures: dict[str, Any] = {}
    text = report.text.strip()
    if action == "progress" and not text:
        raise DomainError("assignment.no_text", _("Write what has been done."))
    if action == "return" and not text:
        raise DomainError("assignment.no_reason", _("Say why it goes back."))
    if action == "complete":
        if directive.feedback_text and not text:
            raise DomainError("assignment.no_text", _("The directive asks for a written report."))
        if directive.feedback_file and not report.file:
            raise DomainError("assignment.no_file", _("The directive asks for a file."))
        figures = clean_answers(directive.feedback_fields, report.figures, required=True)
    elif action == "progress":
        figures = clean_answers(directive.feedback_fields, report.figures, required=False)
    before = audit.snapshot(locked)
    locked.state = target
    if action == "acknowledge":
        locked.acknowledged_at, locked.acknowledged_by = now, actor
    elif action == "complete":
        locked.completed_at = now
    elif action == "accept":
        locked.accepted_at, locked.accepted_by = now, actor
    elif action == "return":
        locked.completed_at = None
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    if action in NOTE_KIND:
        note = AssignmentNote.objects.create(
            assignment=locked,
            kind=NOTE_KIND[action],
            client_id=report.client_id or None,
            author=actor,
            created_at=now,
            text=text,
            figures=figures,
            file=report.file,
        )
        audit.log_create(actor, note)
    audit.emit(f"assignment.{action}", locked, actor, data={"number": directive.number})
    _notify_step(locked, directive, action, now)
    return locked


@transaction.atomic
def do_extend_deadline(
    actor: Any, assignment: Assignment, deadline: dt.datetime, reason: str, now: dt.datetime | None = None
) -> Assignment:
    """The issuer grants one unit more time (延期): the clock restarts towards the new deadline."""
    now = now or timezone.now()
    locked = (
        Assignment.objects.select_for_update().select_related("directive").filter(pk=assignment.pk).first()
    )
    if locked is None:
        raise Http404
    if not is_issuer_side(actor, locked):
        raise DomainError("assignment.not_allowed", _("You cannot do this with this assignment."))
    if locked.state not in CLOCK_STATES:
        raise DomainError(
            "assignment.bad_transition",
            _("This cannot be done in the assignment's state: %(state)s")
            % {"state": locked.get_state_display()},
        )
    if deadline <= max(now, locked.deadline) or not reason.strip():
        raise DomainError("assignment.bad_extension", _("Give a later deadline and the reason."))
    before = audit.snapshot(locked)
    for name, value in deadlines.clock_times(now, deadline).items():
        setattr(locked, name, value)
    locked.escalation = 0
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit(
        "assignment.extended",
        locked,
        actor,
        data={"deadline": deadline.isoformat(), "reason": reason.strip()[:300]},
    )
    return locked


def _notify_step(assignment: Assignment, directive: Directive, action: str, now: dt.datetime) -> None:
    values = {"number": directive.number, "target": assignment.target_name}
    if action == "complete":
        users: set[int] = {directive.issuer_id}
        text = _("%(target)s reports directive %(number)s complete: please accept or return it") % values
    elif action == "return":
        users = _assignee_users([assignment])[assignment.pk]
        text = _("Directive %(number)s was returned to %(target)s for rework") % values
    elif action == "accept":
        users = _assignee_users([assignment])[assignment.pk]
        text = _("Directive %(number)s: the work of %(target)s was accepted") % values
    else:
        return
    notify(users, f"directive.{action}", text, now=now)


# --- Escalation (提醒, 催办, 督办) ------------------------------------------------------------------

# (level, the assignment's time field, notification kind, who hears of it), highest first so that an
# assignment found long overdue (a stopped worker) is raised straight to its level, once.
LEVELS = deadlines.ladder(
    half="directive.half",
    late="directive.late",
    overdue="directive.overdue",
    supervision="directive.supervision",
)
AUDIENCE = {
    "directive.half": "target",
    "directive.late": "target",
    "directive.overdue": "target+issuer",
    "directive.supervision": "command",
}


def _escalation_messages() -> dict[str, str]:
    return {
        "directive.half": _(
            "Half of the time is used: directive %(number)s for %(target)s is due %(deadline)s"
        ),
        "directive.late": _(
            "80%% of the time is used: directive %(number)s for %(target)s is due %(deadline)s"
        ),
        "directive.overdue": _(
            "Urged (催办): %(target)s has not completed directive %(number)s, due %(deadline)s"
        ),
        "directive.supervision": _(
            "Supervised (督办): %(target)s is long overdue on directive %(number)s (due %(deadline)s)"
        ),
    }


@transaction.atomic
def do_escalate_directives(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise every open assignment whose time has come to its level and notify once per level.

    Idempotent and safe with two workers: ``core.deadlines.escalate`` moves each level with one
    UPDATE over rows it has locked, and only the run that moved a row sends its notices."""
    now = now or timezone.now()
    messages = _escalation_messages()
    counts: dict[str, int] = {}
    open_assignments = Assignment.objects.filter(state__in=CLOCK_STATES).select_related("directive")
    for moved in deadlines.escalate(open_assignments, LEVELS, now, limit=2000):
        kind, raised = moved.level.kind, moved.rows
        audience = AUDIENCE[kind]
        targets = _assignee_users(raised) if "target" in audience else {}
        command = _command_users(a.directive for a in raised) if audience == "command" else {}
        notices: list[Notice] = []
        for a in raised:
            directive: Any = a.directive
            users: set[int] = set(targets.get(a.pk, set()))
            if "issuer" in audience:
                users.add(directive.issuer_id)
            users |= command.get(directive.pk, set())
            text = messages[kind] % {
                "number": directive.number,
                "target": a.target_name,
                "deadline": timezone.localtime(a.deadline).strftime("%m-%d %H:%M"),
            }
            notices += _notices(users, kind, text)
        audit.emit_bulk(f"assignment.{kind.split('.', 1)[1]}", raised)
        summary = _("%(count)d directive assignments: %(level)s") % {
            "count": len(raised),
            "level": _escalation_level_names()[kind],
        }
        notify_each(notices, summary=summary, now=now)
        counts[kind] = len(raised)
    return counts


def _escalation_level_names() -> dict[str, str]:
    return {
        "directive.half": "50%",
        "directive.late": "80%",
        "directive.overdue": _("urged"),
        "directive.supervision": _("supervised"),
    }


# --- Carpet screening --------------------------------------------------------------------------------


@transaction.atomic
def do_create_campaign(
    actor: Any,
    unit: AdminUnit,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    checklist: Iterable[dict[str, Any]],
    now: dt.datetime | None = None,
) -> Campaign:
    _require_change(actor, unit.path)
    if not title.strip():
        raise DomainError("campaign.no_title", _("A campaign needs a title."))
    if ends_on < starts_on:
        raise DomainError("campaign.bad_dates", _("A campaign must end on or after its first day."))
    campaign = Campaign.objects.create(
        unit=unit,
        unit_path=unit.path,
        title=title.strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=normalise_fields(checklist),
        created_by=actor,
        created_at=now or timezone.now(),
    )
    audit.log_create(actor, campaign)
    audit.emit("campaign.created", campaign, actor)
    return campaign


def campaign_is_open(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    today = timezone.localtime(now or timezone.now()).date()
    return campaign.closed_at is None and campaign.starts_on <= today <= campaign.ends_on


@dataclass
class VisitInput:
    client_id: str
    outcome: str
    answers: dict[str, Any] = field(default_factory=dict)
    findings: str = ""
    person_id: int | None = None
    raise_task: bool = False


def submit_visit(
    actor: Any, campaign: Campaign, household: Household, data: VisitInput, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Idempotent by ``client_id``: a retry after a lost answer returns the stored visit."""
    if not data.client_id or len(data.client_id) > 64:
        raise DomainError("visit.bad_client_id", _("The submission id is missing or too long."))
    existing = Visit.objects.filter(client_id=data.client_id).first()
    if existing is not None:
        if existing.campaign_id != campaign.pk or existing.household_id != household.pk:
            raise DomainError("visit.client_id_reused", _("This submission id belongs to another household."))
        return existing, False
    try:
        return do_submit_visit(actor, campaign, household, data, now), True
    except IntegrityError:
        existing = Visit.objects.filter(client_id=data.client_id).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def do_submit_visit(
    actor: Any, campaign: Campaign, household: Household, data: VisitInput, now: dt.datetime | None = None
) -> Visit:
    now = now or timezone.now()
    if not household.unit_path.startswith(campaign.unit_path):
        raise DomainError("visit.outside_campaign", _("This household is outside the campaign."))
    if not Household.objects.restrict(actor, "change").filter(pk=household.pk).exists():
        raise Http404
    if not campaign_is_open(campaign, now):
        raise DomainError("visit.campaign_closed", _("The campaign is not running today."))
    if data.outcome not in VisitOutcome.values:
        raise DomainError("visit.bad_outcome", _("Choose what happened at the door."))
    answers = (
        clean_answers(campaign.checklist, data.answers, required=False)
        if data.outcome == VisitOutcome.VISITED
        else {}
    )
    person = None
    if data.person_id is not None:
        person = Person.objects.filter(pk=data.person_id, household_id=household.pk).first()
        if person is None:
            raise DomainError("visit.bad_person", _("This person does not live in this household."))
    if data.raise_task and (person is None or not data.findings.strip()):
        raise DomainError(
            "visit.finding_incomplete", _("To raise a verification task, name the person and the finding.")
        )
    visit = Visit.objects.create(
        campaign=campaign,
        household=household,
        unit_path=household.unit_path,
        grid_id=household.grid_id,
        outcome=data.outcome,
        answers=answers,
        findings=data.findings.strip()[:500],
        client_id=data.client_id,
        visited_by=actor,
        visited_at=now,
        person=person,
    )
    audit.log_create(actor, visit)
    audit.emit("household.visited", visit, actor, data={"campaign": campaign.pk, "outcome": data.outcome})
    if data.raise_task:
        do_raise_task(actor, visit, now=now)
    return visit


@transaction.atomic
def do_bulk_record_visits(actor: Any, campaign: Campaign, visits: list[Visit]) -> list[Visit]:
    """Many visits at once (an offline phone's backlog, the demo): one insert, audited in bulk.
    Visits whose ``client_id`` is already stored are skipped, so a resent backlog is harmless."""
    known: set[str] = set()
    ids = [v.client_id for v in visits]
    for start in range(0, len(ids), 500):
        known |= set(
            Visit.objects.filter(client_id__in=ids[start : start + 500]).values_list("client_id", flat=True)
        )
    fresh = [v for v in visits if v.client_id not in known]
    for v in fresh:
        if not v.unit_path.startswith(campaign.unit_path):
            raise DomainError("visit.outside_campaign", _("This household is outside the campaign."))
        v.campaign = campaign
    created = insert_returning_ids(Visit, fresh)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("household.visited", created, actor)
    return created


@transaction.atomic
def do_raise_task(
    actor: Any, visit: Visit, person: Person | None = None, now: dt.datetime | None = None
) -> Any:
    """A finding becomes a verification task for the person, in their grid (one open task per person)."""
    locked = Visit.objects.select_for_update().restrict(actor, "change").filter(pk=visit.pk).first()
    if locked is None:
        raise Http404
    if locked.task_id is not None:
        return locked.task
    person = person or locked.person
    if person is None or person.household_id != locked.household_id:
        raise DomainError("visit.bad_person", _("Name a person of this household."))
    if not locked.findings:
        raise DomainError("visit.no_finding", _("Write down the finding first."))
    source = PushSource.objects.get(code=SCREENING_SOURCE)
    campaign: Any = locked.campaign
    reason = _("Carpet screening %(campaign)s: %(finding)s") % {
        "campaign": campaign.title,
        "finding": locked.findings,
    }
    task, _created = do_create_task_for_person(actor, person, source, reason=reason, now=now)
    before = audit.snapshot(locked)
    locked.person, locked.task = person, task
    locked.save(update_fields=["person", "task"])
    audit.log_update(actor, locked, before)
    audit.emit("visit.task_raised", locked, actor, data={"task": task.pk})
    return task


@transaction.atomic
def do_open_measure_from_finding(actor: Any, visit: Visit, person: Person | None, measure_type: str) -> Any:
    """A finding becomes a control measure for the person in one step (the team and the test days
    follow as for any measure); a second click returns the measure already opened."""
    from hongyixing.control import services as control

    locked = Visit.objects.select_for_update().restrict(actor, "change").filter(pk=visit.pk).first()
    if locked is None:
        raise Http404
    if locked.measure_id is not None:
        return locked.measure
    person = person or locked.person
    if person is None or person.household_id != locked.household_id:
        raise DomainError("visit.bad_person", _("Name a person of this household."))
    if not locked.findings:
        raise DomainError("visit.no_finding", _("Write down the finding first."))
    campaign: Any = locked.campaign
    spec = control.MeasureSpec(
        type=measure_type,
        reason=_("Carpet screening %(campaign)s: %(finding)s")
        % {"campaign": campaign.title, "finding": locked.findings},
    )
    try:
        measure = control.do_open_measure(actor, person, spec)
    except control.ControlError as error:
        raise DomainError(error.code, error.message) from error
    before = audit.snapshot(locked)
    locked.person, locked.measure = person, measure
    locked.save(update_fields=["person", "measure"])
    audit.log_update(actor, locked, before)
    audit.emit("visit.measure_opened", locked, actor, data={"measure": measure.pk})
    return measure
