from django.db import migrations


class Migration(migrations.Migration):
    """The notifications now live in the notices app (copied by notices 0002)."""

    dependencies = [
        ("verification", "0003_task_escalated_at"),
        ("notices", "0002_copy_verification_notifications"),
    ]

    operations = [
        migrations.DeleteModel(name="Notification"),
    ]
