"""Done-when of the real push lists: 1,000 rows written the way senders write them (village or community
plus a street and number only, no ID, no phone) put ≥ 98 % of the in-district rows on a desk."""

from __future__ import annotations

import io

import pytest

from hongyixing.areas import services as areas
from hongyixing.areas.models import AdminUnit
from hongyixing.demo.generator import seed_district
from hongyixing.demo.pushlist import HEADERS, push_rows, residents
from hongyixing.exchange.writers import write_xlsx
from hongyixing.verification.choices import RowStatus, TaskState
from hongyixing.verification.intake import intake_file
from hongyixing.verification.models import PushRow, PushSource, VerificationTask

SEED, PERSONS = 7, 600


@pytest.mark.django_db
def test_village_and_street_rows_reach_a_village_or_grid_desk(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    seed_district(persons=PERSONS, seed=SEED)
    # A small registry has one grid per village; real villages have several (the case to be shown).
    for village in AdminUnit.objects.filter(level="village", grids__isnull=False).distinct():
        areas.do_create_grid(None, village, 99, f"{village.name}第99网格", "网格员")
    made = list(push_rows(residents(PERSONS, SEED), 1000, seed=3, address_kind="street", identified=False))
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADERS, [cells for cells, _ in made], sheet_name="协查名单")
    result = intake_file(
        None,
        PushSource.objects.get(code="province-big-data"),
        buffer.getvalue(),
        "名单.xlsx",
        category="general",
    )
    rows = {r.row_number: r for r in PushRow.objects.filter(batch=result.batch).select_related("task")}
    inside = [(rows[n], truth) for n, (_cells, truth) in enumerate(made, start=2) if not truth.outside]
    on_desk = [row for row, _truth in inside if row.task_id is not None]
    assert len(on_desk) / len(inside) >= 0.98, result.counts
    manual = [row for row, _truth in inside if row.status == RowStatus.MANUAL]
    assert len(manual) / len(inside) <= 0.02
    # Nearly all wait at the village of the address (a village has several grids), none at the town.
    waiting = VerificationTask.objects.filter(batch=result.batch, state=TaskState.WAITING)
    assert waiting.exists() and all(len(t.waits_at) == 12 for t in waiting)
    names = dict(AdminUnit.objects.filter(level="village").values_list("path", "name"))
    right = sum(
        truth.village_core in names.get(row.task.unit_path[:12], "") for row, truth in inside if row.task_id
    )
    assert right / len(on_desk) >= 0.97
