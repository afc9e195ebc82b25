"""The batch goes back to its sender in the sender's own layout, with the feedback columns added."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit
from hongyixing.core.crypto import unseal
from hongyixing.core.downloads import content_disposition
from hongyixing.core.masking import mask_id_number, mask_phone
from hongyixing.exchange.writers import write_xlsx
from hongyixing.people import idnumbers
from hongyixing.verification.models import Feedback, PushBatch
from hongyixing.verification.services import check_full_export, record_export


def feedback_headers() -> list[str]:
    return [
        _("Status"),
        _("Result"),
        _("Town"),
        _("Grid"),
        _("Where they are now"),
        _("Arrival date"),
        _("Temperature (°C)"),
        _("Health-code colour"),
        _("Test status"),
        _("Notes"),
        _("Verified by"),
        _("Verified at"),
        _("Forwarded to"),
        _("Problem"),
    ]


_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")


def _masked_cell(value: str, kind: str | None) -> str:
    """A cell as a role without the reveal right may see it (ADR 0005)."""
    text = value.strip()
    if kind == "id_number" or (len(text) in (15, 18) and idnumbers.is_valid(text)):
        return mask_id_number(idnumbers.normalise(text))
    if kind == "phone" or _MOBILE.fullmatch(text.replace(" ", "").replace("-", "")):
        return mask_phone(text.replace(" ", "").replace("-", ""))
    if kind == "birth_date":
        return text[:4]  # the year only: the full date is digits 7–14 of the ID
    return value


def _mask_row(raw: list[str], kinds: list[str | None]) -> list[str]:
    return [_masked_cell(cell, kind) for cell, kind in zip(raw, kinds, strict=True)]


def batch_export_rows(batch: PushBatch, *, full: bool = False) -> list[list[str]]:
    rows = list(batch.rows.select_related("task__grid").order_by("row_number"))
    task_ids = {row.task_id for row in rows if row.task_id}
    latest: dict[int, Feedback] = {}
    for feedback in (
        Feedback.objects.filter(task_id__in=task_ids).select_related("submitted_by").order_by("submitted_at")
    ):
        latest[feedback.task_id] = feedback
    towns = dict(AdminUnit.objects.filter(level="town").values_list("path", "name"))
    width = len(batch.headers)
    by_header = {header: field for field, header in (batch.mapping or {}).items()}
    kinds = [by_header.get(header) for header in batch.headers]
    out = []
    for row in rows:
        raw = [str(cell) for cell in json.loads(unseal(row.raw_ciphertext))]
        raw = (raw + [""] * width)[:width]
        if not full:
            raw = _mask_row(raw, kinds)
        task = row.task
        fb = latest.get(task.pk) if task else None
        out.append(
            raw
            + [
                task.get_state_display() if task else row.get_status_display(),
                fb.get_disposition_display() if fb else "",
                towns.get((task.unit_path if task else row.unit_path)[:9], "")
                if (task or row.unit_path)
                else "",
                task.grid.name if task and task.grid else "",
                fb.current_location if fb else "",
                fb.arrival_date.isoformat() if fb and fb.arrival_date else "",
                str(fb.temperature) if fb and fb.temperature is not None else "",
                fb.get_code_colour_display() if fb else "",
                fb.get_test_status_display() if fb else "",
                fb.notes if fb else "",
                str(fb.submitted_by) if fb else "",
                timezone.localtime(fb.submitted_at).strftime("%Y-%m-%d %H:%M") if fb else "",
                task.forwarded_to if task else "",
                row.problem or "; ".join(row.warnings),
            ]
        )
    return out


def batch_export_response(actor: Any, batch: PushBatch, reason: str | None = None) -> HttpResponse:
    """Masked unless a reason is given and ``check_full_export`` allows full values."""
    full = reason is not None
    if full:
        reason = check_full_export(actor, batch, reason or "")
    rows = batch_export_rows(batch, full=full)
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        list(batch.headers) + feedback_headers(),
        rows,
        sheet_name=_("Feedback"),
        meta={
            _("Exported by"): str(actor),
            _("Exported at"): timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            _("Batch"): batch.title,
            _("Values"): _("full (reason: %(reason)s)") % {"reason": reason} if full else _("masked"),
        },
    )
    record_export(actor, batch, len(rows), full=full, reason=reason or "")
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    suffix = "full" if full else "masked"
    label = "完整" if full else "脱敏"
    response["Content-Disposition"] = content_disposition(
        f"协查反馈-{batch.pk}-{label}.xlsx", f"batch-{batch.pk}-feedback-{suffix}.xlsx"
    )
    return response
