"""Shared by every command-centre service: the error, who may run a unit's command, sealed
phones, checklist and feedback fields, and who hears of an assignment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from hongyixing.accounts.models import Grant
from hongyixing.command.choices import (
    FieldKind,
)
from hongyixing.command.models import (
    Assignment,
    GroupMember,
)
from hongyixing.core import phones
from hongyixing.core.crypto import seal
from hongyixing.core.errors import DomainError
from hongyixing.core.masking import mask_phone
from hongyixing.core.scope import scope_for
from hongyixing.notices.services import Notice

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


def _notices(users: Iterable[int], kind: str, message: str) -> list[Notice]:
    return [Notice(uid, kind, message) for uid in sorted(set(users))]
