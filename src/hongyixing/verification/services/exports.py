"""Exports of a pushed list: who may take full values out, and the record of every export."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.core.models import PiiAccessKind
from hongyixing.verification.models import PushBatch


def check_full_export(actor: Any, batch: PushBatch, reason: str) -> str:
    """Full ID numbers and phones leave only with the export and the reveal right and a reason."""
    from hongyixing.core.scope import scope_for

    reason = (reason or "").strip()
    if not (
        scope_for(actor, "export").covers_path(batch.unit_path)
        and scope_for(actor, "reveal").covers_path(batch.unit_path)
    ):
        raise DomainError("export.not_allowed", _("You may export this list with masked values only."))
    if len(reason) < 2:
        raise DomainError("export.reason", _("Give the reason for exporting full values."))
    return reason


def record_export(actor: Any, batch: PushBatch, rows: int, *, full: bool, reason: str = "") -> None:
    """A full export is logged like a reveal (who exported what, and why); a masked one as an event."""
    if full:
        audit.log_pii_access(
            actor,
            PiiAccessKind.EXPORT,
            "push_rows",
            reason,
            detail={"batch": batch.pk, "rows": rows},
        )
    audit.emit("batch.exported", batch, actor, data={"rows": rows, "full": full})
