"""Name-prefix search on PostgreSQL: ``LIKE '王建%'`` uses a B-tree only with a pattern operator class
(unless the database collation is exactly "C"). SQLite searches by range and needs nothing more."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS people_person_name_pattern_idx "
    "ON people_person (name varchar_pattern_ops, id)"
)
DROP = "DROP INDEX IF EXISTS people_person_name_pattern_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
