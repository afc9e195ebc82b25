"""From an uploaded file to a batch: the file-level checks, column mapping, then ``services.do_intake``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hongyixing.core import audit
from hongyixing.exchange.columns import apply_mapping, resolve_mapping
from hongyixing.exchange.errors import MappingError
from hongyixing.exchange.tabular import read_table
from hongyixing.verification.models import PushSource
from hongyixing.verification.services import IntakeResult, do_intake


def intake_file(
    actor: Any,
    source: PushSource,
    data: bytes,
    filename: str,
    *,
    category: str,
    title: str = "",
    mapping: dict[str, str | None] | None = None,
) -> IntakeResult:
    """Raises ``exchange.errors.FileRefused`` or ``MappingError``, with nothing written, for a
    file-level problem; row-level problems never stop the list."""
    table = read_table(data, filename)
    explicit = mapping
    if explicit is None and source.column_mapping:
        # The sender's saved layout, as long as its columns are still in this file.
        saved = source.column_mapping
        if all(header in table.headers for header in saved.values() if header):
            explicit = saved
    try:
        columns = resolve_mapping(table.headers, explicit)
    except MappingError:
        if mapping is not None:
            raise
        columns = resolve_mapping(table.headers, None)
    rows = apply_mapping(table, columns)
    as_headers = {name: table.headers[index] for name, index in columns.items()}
    with transaction.atomic():
        result = do_intake(
            actor,
            source,
            rows,
            title=title or filename,
            category=category,
            headers=table.headers,
            mapping=as_headers,
            file_name=filename,
            fingerprint=table.fingerprint,
            skipped=[{"row_number": s.row_number, "reason": str(s.reason)} for s in table.skipped],
        )
        if not result.duplicate:
            _remember_mapping(actor, source, as_headers)
    return result


def _remember_mapping(actor: Any, source: PushSource, mapping: dict[str, str]) -> None:
    if source.column_mapping == mapping:
        return
    before = audit.snapshot(source)
    source.column_mapping = mapping
    source.save(update_fields=["column_mapping"])
    audit.log_update(actor, source, before)
