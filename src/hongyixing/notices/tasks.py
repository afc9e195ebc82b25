"""The worker's jobs of notices: thin faces over services."""

from __future__ import annotations

from django_tasks import task

from hongyixing.notices.services import do_attempt, do_send


@task()
def send_notice(kind: str, message: str, user_ids: list[int]) -> list[int]:
    return do_send(kind, message, user_ids)


@task()
def retry_delivery(delivery_id: int) -> str:
    return do_attempt(delivery_id)
