"""The demo district written as import files loads through the importer, and loads again as unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from hongyixing.accounts.models import User
from hongyixing.areas.models import Grid
from hongyixing.areas.services import do_load_divisions
from hongyixing.demo.files import write_demo_files
from hongyixing.exchange.importer import UNCHANGED, ImportContext, run_import
from hongyixing.people.models import Person


@pytest.mark.django_db
def test_demo_files_import_cleanly_and_idempotently(tmp_path: Path) -> None:
    counts = write_demo_files(tmp_path, seed=7, persons=150)
    do_load_divisions(None)
    context = ImportContext(None, (), everything=True)
    names = {
        "units": "units.xlsx",
        "grids": "grids.xlsx",
        "residents": "residents.csv",
        "staff": "staff.xlsx",
    }
    for kind, name in names.items():
        report = run_import(kind, (tmp_path / name).read_bytes(), name, context, dry_run=False)
        assert report.applied, (kind, report.error_lines()[:3])
    assert Person.objects.count() == counts["residents"] == 150
    assert Grid.objects.count() == counts["grids"]
    assert User.objects.count() == counts["staff"]
    assert not Person.objects.filter(grid__isnull=True).exists()
    again = run_import(
        "residents", (tmp_path / "residents.csv").read_bytes(), "residents.csv", context, dry_run=True
    )
    assert {row.status for row in again.rows} == {UNCHANGED}
