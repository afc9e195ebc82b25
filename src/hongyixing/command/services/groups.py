"""Working groups (一办八组), their members and the duty roster."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from hongyixing.accounts.queries import is_staff_for_unit
from hongyixing.areas.models import AdminUnit
from hongyixing.command.choices import (
    COMMAND_STAFF_ROLES,
    GroupKind,
    MemberRole,
)
from hongyixing.command.models import (
    DutyShift,
    GroupMember,
    WorkingGroup,
)
from hongyixing.command.services.common import (
    _require_change,
    _seal_phone,
)
from hongyixing.core import audit
from hongyixing.core.crypto import unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.models import PiiAccessKind
from hongyixing.core.scope import scope_for

# --- Working groups and members ----------------------------------------------------------------


def require_command_staff(unit_path: str, user: Any, code: str) -> None:
    """A group member or duty officer is staff with a grant tied to the unit (never an arbitrary
    account, never an enterprise contact): the same list the forms offer."""
    if not is_staff_for_unit(user, unit_path, COMMAND_STAFF_ROLES):
        raise DomainError(code, _("This user is not on the staff of this unit."))


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
    require_command_staff(group.unit_path, user, "member.not_staff")
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
    require_command_staff(unit.path, officer, "duty.not_staff")
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
