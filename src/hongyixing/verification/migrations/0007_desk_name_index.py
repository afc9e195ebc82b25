# The desk sorted by name: the open tasks in (name, id) order, so the page reads its rows from the
# index instead of joining and sorting every open (or overdue) task.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0006_desk_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="verificationtask",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        (
                            "new",
                            "waiting",
                            "dispatched",
                            "accepted",
                            "in_progress",
                            "submitted",
                            "confirmed",
                            "returned",
                        ),
                    )
                ),
                fields=["name", "id"],
                name="verification_task_name_idx",
            ),
        ),
    ]
