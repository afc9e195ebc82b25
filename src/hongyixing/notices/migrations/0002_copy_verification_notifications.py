"""Copy the notifications that verification used to own; a task's notice keeps its once-only key."""

from django.db import migrations


def copy(apps, schema_editor):
    Old = apps.get_model("verification", "Notification")
    New = apps.get_model("notices", "Notification")
    batch = []
    for old in Old.objects.order_by("id").iterator(chunk_size=2000):
        batch.append(
            New(
                recipient_id=old.recipient_id,
                created_at=old.created_at,
                kind=old.kind,
                message=old.message,
                link=f"/verification/tasks/{old.task_id}/" if old.task_id else "",
                key=f"task:{old.task_id}" if old.task_id else "",
                read_at=old.read_at,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    New.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_notifications_and_deliveries"),
        ("verification", "0003_task_escalated_at"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
