"""The subsidy rules in force when the district published its support policy (editable data)."""

import datetime as dt

from django.db import migrations

START = dt.date(2020, 2, 1)
RULES = [
    # kind, name, bands, per_person, charter_share, charter_cap, steps
    (
        "transport",
        "返岗交通补贴(按距离)",
        [{"max_km": 300, "amount": 100}, {"max_km": 1000, "amount": 300}, {"amount": 500}],
        0,
        0,
        0,
        ["hr", "finance"],
    ),
    ("charter", "包车返岗补贴", [], 0, "0.5", 5000, ["hr", "finance"]),
    ("hiring", "企业招工奖励", [], 1000, 0, 0, ["hr", "finance"]),
    ("referral", "介绍就业奖励", [], 500, 0, 0, ["hr"]),
    ("loan", "复工贷担保", [], 0, 0, 0, ["financial_office"]),
]


def seed(apps, schema_editor):
    SubsidyRule = apps.get_model("enterprises", "SubsidyRule")
    for kind, name, bands, per_person, share, cap, steps in RULES:
        SubsidyRule.objects.create(
            kind=kind,
            name=name,
            bands=bands,
            per_person=per_person,
            charter_share=share,
            charter_cap=cap,
            steps=steps,
            valid_from=START,
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_enterprises_filings_staff_claims")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
