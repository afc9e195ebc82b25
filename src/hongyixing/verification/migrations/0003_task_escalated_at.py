from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0002_default_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="verificationtask",
            name="escalated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="escalated"),
        ),
    ]
