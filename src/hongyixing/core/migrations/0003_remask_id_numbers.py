"""Stored ID masks move from four-plus-four to four-plus-two visible characters (ADR 0005).

The masks are rewritten from the stored masks themselves, so no full number is unsealed.
"""

from django.db import migrations


def remask(apps, schema_editor):
    from hongyixing.core.masking import remask_id_mask

    for label in ("people.Person", "verification.PushRow"):
        model = apps.get_model(label)
        changed = []
        for row in model.objects.exclude(document_masked="").only("pk", "document_masked").iterator():
            new = remask_id_mask(row.document_masked)
            if new != row.document_masked:
                row.document_masked = new
                changed.append(row)
            if len(changed) >= 2000:
                model.objects.bulk_update(changed, ["document_masked"])
                changed = []
        if changed:
            model.objects.bulk_update(changed, ["document_masked"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ratelimithit"),
        ("people", "0002_name_pattern_index"),
        ("verification", "0002_default_sources"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
