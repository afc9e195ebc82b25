"""The indicators the district's economic dispatch tracks (经济运行调度)."""

from django.db import migrations

INDICATORS = [
    ("gdp", "地区生产总值", "亿元", "quarterly", True),
    ("industrial_output", "规上工业增加值", "亿元", "monthly", True),
    ("industrial_investment", "工业投资", "亿元", "monthly", True),
    ("fixed_asset_investment", "固定资产投资", "亿元", "monthly", True),
    ("retail_sales", "社会消费品零售总额", "亿元", "monthly", True),
    ("foreign_trade", "外贸进出口总额", "亿美元", "monthly", True),
    ("new_jobs", "城镇新增就业", "人", "monthly", True),
    ("job_posts", "提供就业岗位", "个", "monthly", True),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("projects", "Indicator")
    for code, name, unit, frequency, cumulative in INDICATORS:
        Indicator.objects.create(code=code, name=name, unit=unit, frequency=frequency, cumulative=cumulative)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_projects_and_indicators")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
