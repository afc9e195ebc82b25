"""The push source that carpet-screening findings arrive from (a verification task per finding)."""

from django.db import migrations


def create(apps, schema_editor):
    source = apps.get_model("verification", "PushSource")
    source.objects.get_or_create(
        code="carpet-screening", defaults={"name": "地毯式排查", "kind": "task_force"}
    )


class Migration(migrations.Migration):
    dependencies = [("command", "0001_initial"), ("verification", "0002_default_sources")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
