from django.db import migrations

SOURCES = [
    ("province-big-data", "省大数据中心", "big_data"),
    ("police", "公安", "police"),
    ("telecom", "通信运营商", "telecom"),
    ("rail-air", "铁路/民航", "transport"),
    ("city-task-force", "市指挥部", "task_force"),
    ("checkpoint", "卡口", "checkpoint"),
    ("employer", "用工企业", "employer"),
    ("self-registration", "自主登记", "self_registration"),
]


def create(apps, schema_editor):
    source = apps.get_model("verification", "PushSource")
    for code, name, kind in SOURCES:
        source.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("verification", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
