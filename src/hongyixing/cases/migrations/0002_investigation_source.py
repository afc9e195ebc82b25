"""The push source that contacts found by a flow investigation arrive from (a verification task each)."""

from django.db import migrations


def create(apps, schema_editor):
    source = apps.get_model("verification", "PushSource")
    source.objects.get_or_create(code="flow-investigation", defaults={"name": "流调", "kind": "task_force"})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases_contacts_itinerary"), ("verification", "0002_default_sources")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
