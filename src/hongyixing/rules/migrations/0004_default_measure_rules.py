"""The documented policy history (domain.md §6) as effective-dated rows; editable data from here on.

Test days follow the national protocols of each period (9th edition 2022-06-28: close contacts 7 d
centralised, tests on days 1, 2, 3, 5, 7, then 3 d home monitoring tested on day 3; 10th edition
2022-11-11: 5 d centralised tested on days 1, 2, 3, 5, then 3 d at home tested on days 1 and 3;
secondary contacts no longer determined)."""

import datetime as dt

from django.db import migrations

D = dt.date
# (type, category, name, days, tests, follow-on type, follow-on days, follow-on tests, from, to)
DEFAULTS = [
    ("home_isolation", "general", "居家隔离医学观察", 14, [7, 14], "", 0, [], D(2020, 1, 1), D(2022, 6, 28)),
    ("home_isolation", "general", "居家隔离", 7, [1, 4, 7], "", 0, [], D(2022, 6, 28), None),
    ("home_monitoring", "general", "居家健康监测", 14, [7, 14], "", 0, [], D(2021, 1, 1), D(2022, 6, 28)),
    ("home_monitoring", "general", "居家健康监测", 7, [3, 7], "", 0, [], D(2022, 6, 28), None),
    ("health_monitoring", "general", "健康监测", 7, [], "", 0, [], D(2020, 1, 1), None),
    (
        "central_isolation",
        "general",
        "集中隔离医学观察",
        14,
        [1, 7, 14],
        "",
        0,
        [],
        D(2020, 3, 1),
        D(2022, 6, 28),
    ),
    (
        "central_isolation",
        "general",
        "集中隔离",
        7,
        [1, 2, 3, 5, 7],
        "home_monitoring",
        3,
        [3],
        D(2022, 6, 28),
        None,
    ),
    (
        "central_isolation",
        "close_contact",
        "密接集中隔离",
        14,
        [1, 4, 7, 14],
        "home_monitoring",
        7,
        [7],
        D(2021, 5, 1),
        D(2022, 6, 28),
    ),
    (
        "central_isolation",
        "close_contact",
        "密接集中隔离（7+3）",
        7,
        [1, 2, 3, 5, 7],
        "home_monitoring",
        3,
        [3],
        D(2022, 6, 28),
        D(2022, 11, 11),
    ),
    (
        "central_isolation",
        "close_contact",
        "密接集中隔离（5+3）",
        5,
        [1, 2, 3, 5],
        "home_isolation",
        3,
        [1, 3],
        D(2022, 11, 11),
        None,
    ),
    (
        "central_isolation",
        "inbound",
        "入境集中隔离（7+3）",
        7,
        [1, 2, 3, 5, 7],
        "home_monitoring",
        3,
        [3],
        D(2022, 6, 28),
        D(2022, 11, 11),
    ),
    (
        "central_isolation",
        "inbound",
        "入境集中隔离（5+3）",
        5,
        [1, 2, 3, 5],
        "home_isolation",
        3,
        [1, 3],
        D(2022, 11, 11),
        None,
    ),
    (
        "central_isolation",
        "secondary_contact",
        "次密接集中隔离",
        7,
        [1, 7],
        "",
        0,
        [],
        D(2021, 5, 1),
        D(2022, 6, 28),
    ),
    (
        "home_isolation",
        "secondary_contact",
        "次密接居家隔离",
        7,
        [1, 4, 7],
        "",
        0,
        [],
        D(2022, 6, 28),
        D(2022, 11, 11),
    ),
]


def create(apps, schema_editor):
    rule = apps.get_model("rules", "MeasureRule")
    for kind, category, name, days, tests, follow, follow_days, follow_tests, start, end in DEFAULTS:
        rule.objects.get_or_create(
            measure_type=kind,
            category=category,
            valid_from=start,
            defaults={
                "name": name,
                "period_days": days,
                "test_days": tests,
                "follow_on_type": follow,
                "follow_on_days": follow_days,
                "follow_on_test_days": follow_tests,
                "valid_to": end,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_measure_rule")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
