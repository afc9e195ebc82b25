"""Responsible persons and grid workers become users (ADR 0013).

A recorded name is matched to an active user whose display name equals it and whose grants cover the
place (a grant on it or above it, on a unit or grid inside it, or on the grid itself), when exactly
one user fits; the matched row's name is cleared. Unmatched names stay as the fallback display.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _covers(grant, path, grid_id):
    """Whether a grant (unit path, grid id, grid's village path) ties its user to the place."""
    unit_path, grant_grid, grid_path = grant
    if unit_path is not None and (path.startswith(unit_path) or unit_path.startswith(path)):
        return True
    return grant_grid is not None and (grant_grid == grid_id or (grid_path or "").startswith(path))


def match_names(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    grant_model = apps.get_model("accounts", "Grant")
    unit_model = apps.get_model("areas", "AdminUnit")
    grid_model = apps.get_model("areas", "Grid")
    by_name = {}
    for pk, name in (
        user_model.objects.filter(is_active=True).exclude(display_name="").values_list("pk", "display_name")
    ):
        by_name.setdefault("".join(name.split()), []).append(pk)
    grants = {}
    for user_id, unit_path, grid_id, grid_path in grant_model.objects.values_list(
        "user_id", "unit__path", "grid_id", "grid__unit_path"
    ):
        grants.setdefault(user_id, []).append((unit_path, grid_id, grid_path))

    def match(name, path, grid_id):
        fits = [
            pk
            for pk in by_name.get("".join(name.split()), [])
            if any(_covers(grant, path, grid_id) for grant in grants.get(pk, []))
        ]
        return fits[0] if len(fits) == 1 else None

    units = []
    for unit in unit_model.objects.filter(responsible__isnull=True).exclude(responsible_name=""):
        found = match(unit.responsible_name, unit.path, unit.grid_id)
        if found is not None:
            unit.responsible_id, unit.responsible_name = found, ""
            units.append(unit)
    unit_model.objects.bulk_update(units, ["responsible", "responsible_name"], batch_size=500)
    grids = []
    for grid in grid_model.objects.filter(worker__isnull=True).exclude(responsible_name=""):
        found = match(grid.responsible_name, grid.unit_path, grid.pk)
        if found is not None:
            grid.worker_id, grid.responsible_name = found, ""
            grids.append(grid)
    grid_model.objects.bulk_update(grids, ["worker", "responsible_name"], batch_size=500)


def restore_names(apps, schema_editor):
    unit_model = apps.get_model("areas", "AdminUnit")
    grid_model = apps.get_model("areas", "Grid")
    for unit in unit_model.objects.filter(responsible__isnull=False).select_related("responsible"):
        unit.responsible_name = (unit.responsible.display_name or unit.responsible.username)[:50]
        unit.save(update_fields=["responsible_name"])
    for grid in grid_model.objects.filter(worker__isnull=False).select_related("worker"):
        grid.responsible_name = (grid.worker.display_name or grid.worker.username)[:50]
        grid.save(update_fields=["responsible_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_remembered_header_mappings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0002_password_change_and_enrolment_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="adminunit",
            name="responsible",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible person",
            ),
        ),
        migrations.AddField(
            model_name="grid",
            name="worker",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="grid worker",
            ),
        ),
        migrations.RunPython(match_names, restore_names),
    ]
