"""The notifications verification used to own are copied into notices, keys and links included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Accounts stays at its latest (the user table keeps its later columns while verification steps back).
BEFORE = [
    ("notices", "0001_notifications_and_deliveries"),
    ("verification", "0003_task_escalated_at"),
    ("accounts", "0002_password_change_and_enrolment_code"),
]
AFTER = [
    ("notices", "0002_copy_verification_notifications"),
    ("verification", "0004_notifications_move_to_notices"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_notifications_are_copied() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    User = old_apps.get_model("accounts", "User")
    Old = old_apps.get_model("verification", "Notification")
    user = User.objects.create(username="old-reader")
    at = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    Old.objects.create(recipient_id=user.pk, created_at=at, kind="directive.late", message="催办")
    Old.objects.create(
        recipient_id=user.pk, created_at=at, kind="control.abnormal_check", message="体温", read_at=at
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    New = executor.loader.project_state(AFTER).apps.get_model("notices", "Notification")
    copied = {n.kind: n for n in New.objects.filter(recipient_id=user.pk)}
    assert set(copied) == {"directive.late", "control.abnormal_check"}
    assert copied["directive.late"].message == "催办" and copied["directive.late"].key == ""
    assert copied["control.abnormal_check"].read_at == at
    # Leave the schema as every other test expects it: all apps at their latest migration.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
