"""Documented practice (domain.md §1): 24 h to verify by default; 2 h for close contacts (containment
within 3 h); 12 h for spatio-temporal companions and inbound travellers. Editable data from here on."""

import datetime as dt

from django.db import migrations

DEFAULTS = [
    ("general", "一般协查", 24 * 60),
    ("health_code", "健康码异常", 24 * 60),
    ("itinerary", "行程轨迹协查", 24 * 60),
    ("arrival", "返乡/来洪登记", 24 * 60),
    ("close_contact", "密切接触者", 2 * 60),
    ("companion", "时空伴随", 12 * 60),
    ("inbound", "入境人员", 12 * 60),
]


def create(apps, schema_editor):
    rule = apps.get_model("rules", "VerificationRule")
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for category, name, minutes in DEFAULTS:
        rule.objects.get_or_create(
            category=category, valid_from=start, defaults={"name": name, "deadline_minutes": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
