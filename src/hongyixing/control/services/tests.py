"""Lab tests: one-off requests, sampling, results entered or imported from a lab sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.control.choices import (
    AlertKind,
    SampleStatus,
)
from hongyixing.control.models import (
    Sample,
)
from hongyixing.control.services.alerts import (
    raise_alert,
)
from hongyixing.control.services.common import (
    MEDICAL_ROLES,
    _require,
    _roles,
    today,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.people.choices import DocumentType
from hongyixing.people.models import Person
from hongyixing.people.services import document_index


@transaction.atomic
def do_request_test(actor: Any, person: Person, reason: str = "") -> Sample:
    """A one-off test without a measure (the verification disposition "test ordered")."""
    sample = Sample.objects.create(
        person=person, unit_path=person.unit_path, grid_id=person.grid_id, due_date=today()
    )
    audit.log_create(actor, sample)
    audit.emit("test.requested", sample, actor, data={"reason": reason[:100]})
    return sample


def _sample_for_change(actor: Any, sample: Sample) -> Sample:
    allowed = sample.in_scope(actor, "change") or (
        bool(_roles(actor) & MEDICAL_ROLES) and sample.in_scope(actor, "view")
    )
    if not allowed and sample.measure is not None:
        allowed = sample.measure.team.filter(user=actor).exists()
    _require(allowed)
    return Sample.objects.select_for_update().get(pk=sample.pk)


@transaction.atomic
def do_record_sampling(
    actor: Any,
    sample: Sample,
    barcode: str,
    sampler_name: str,
    sample_site: str = "",
    pool_size: int = 1,
    sampled_at: dt.datetime | None = None,
) -> Sample:
    locked = _sample_for_change(actor, sample)
    if locked.status != SampleStatus.SCHEDULED:
        raise DomainError("sample.not_scheduled", _("This test has already been sampled."))
    barcode = barcode.strip()
    if not barcode:
        raise DomainError("sample.no_barcode", _("Scan or enter the tube barcode."))
    if not 1 <= pool_size <= 20:
        raise DomainError("sample.bad_pool", _("Pooling is 1 to 20 samples per tube."))
    if pool_size == 1 and Sample.objects.filter(barcode=barcode).exists():
        raise DomainError("sample.barcode_used", _("This barcode is already used by another sample."))
    before = audit.snapshot(locked)
    # Pooled tubes carry one barcode for n persons: only single tubes keep the barcode unique.
    locked.barcode = barcode[:40] if pool_size == 1 else f"{barcode[:30]}#{locked.pk}"
    locked.sampler_name = sampler_name.strip()[:60] or str(actor)
    locked.sampled_by = actor
    locked.sample_site = sample_site[:100]
    locked.pool_size = pool_size
    locked.sampled_at = sampled_at or timezone.now()
    locked.status = SampleStatus.SAMPLED
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


def _apply_result(
    actor: Any, sample: Sample, result: str, lab: str, source: str, at: dt.datetime | None
) -> None:
    before = audit.snapshot(sample)
    sample.status = result
    sample.lab = lab[:100]
    sample.result_source = source
    sample.result_at = at or timezone.now()
    sample.version += 1
    sample.save()
    audit.log_update(actor, sample, before)
    audit.emit("test.result", sample, actor, data={"result": result})
    if result == SampleStatus.POSITIVE:
        raise_alert(
            AlertKind.POSITIVE_TEST,
            f"positive:{sample.pk}",
            _("Positive test for %(name)s (tube %(barcode)s)")
            % {"name": sample.person.name, "barcode": sample.barcode or "—"},
            measure=sample.measure,
            person=sample.person,
            sample=sample,
        )


@transaction.atomic
def do_record_result(actor: Any, sample: Sample, result: str, lab: str = "") -> Sample:
    if result not in (SampleStatus.NEGATIVE, SampleStatus.POSITIVE):
        raise DomainError("sample.bad_result", _("A result is negative or positive."))
    locked = _sample_for_change(actor, sample)
    if locked.status != SampleStatus.SAMPLED:
        raise DomainError("sample.not_sampled", _("This test is not waiting for a result."))
    _apply_result(actor, locked, result, lab, "entered", None)
    return locked


RESULT_WORDS: dict[str, str] = {
    "阴性": SampleStatus.NEGATIVE,
    "negative": SampleStatus.NEGATIVE,
    "-": SampleStatus.NEGATIVE,
    "阳性": SampleStatus.POSITIVE,
    "positive": SampleStatus.POSITIVE,
    "+": SampleStatus.POSITIVE,
}


@dataclass
class ResultRow:
    row_number: int
    barcode: str
    id_number: str
    result: str
    lab: str = ""


@transaction.atomic
def do_import_results(actor: Any, rows: Sequence[ResultRow]) -> dict[str, Any]:
    """A lab's result sheet: each row finds its sample by tube barcode, or by ID number (the
    person's one sample waiting for a result). All rows are applied or none; errors name the row."""
    errors: list[dict[str, Any]] = []
    matched: list[tuple[Sample, str, str]] = []
    waiting = Sample.objects.filter(status=SampleStatus.SAMPLED)
    for row in rows:
        result = RESULT_WORDS.get(row.result.strip().lower())
        if result is None:
            errors.append({"row": row.row_number, "message": _("The result must be 阴性 or 阳性.")})
            continue
        found: list[Sample] = []
        barcode = row.barcode.strip()
        if barcode:
            found = list(waiting.filter(Q(barcode=barcode) | Q(barcode__startswith=f"{barcode}#")))
        elif row.id_number.strip():
            index = document_index(DocumentType.RESIDENT_ID, row.id_number)
            if index is None:
                errors.append({"row": row.row_number, "message": _("The ID number is not valid.")})
                continue
            found = list(waiting.filter(person__document_index=index))
            if len(found) > 1:
                errors.append(
                    {
                        "row": row.row_number,
                        "message": _("This person has several tests waiting; use the barcode."),
                    }
                )
                continue
        if not found:
            errors.append(
                {"row": row.row_number, "message": _("No sample waiting for a result matches this row.")}
            )
            continue
        for sample in found:
            if not (
                sample.in_scope(actor, "change")
                or sample.in_scope(actor, "view")
                and _roles(actor) & MEDICAL_ROLES
            ):
                errors.append(
                    {"row": row.row_number, "message": _("No sample waiting for a result matches this row.")}
                )
                break
            matched.append((sample, result, row.lab))
    if errors:
        raise DomainError(
            "results.invalid", _("Some rows could not be applied; nothing was saved."), errors=errors
        )
    for sample, result, lab in matched:
        _apply_result(
            actor, Sample.objects.select_for_update().get(pk=sample.pk), result, lab, "imported", None
        )
    positives = sum(1 for _s, result, _l in matched if result == SampleStatus.POSITIVE)
    return {"applied": len(matched), "positive": positives}
