"""The one way to tell people something: in-app rows now, the channels after commit, from the worker.

``notify`` / ``notify_each`` write the in-app notices in bulk inside the caller's transaction and, once
it commits, enqueue one job that sends the message through every configured channel. The request
thread never waits on a channel; a channel that fails is retried with backoff and its ``Delivery``
record says what happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hongyixing.notices.channels import ChannelError, by_name, configured
from hongyixing.notices.models import Delivery, DeliveryState, Notification, Recipient

log = logging.getLogger("hongyixing.notify")

# Seconds to wait before each further attempt of a failed channel send.
RETRY_DELAYS = (30, 120, 600, 1800)


@dataclass(frozen=True)
class Notice:
    """One in-app notice for one user (``notify_each`` takes many with their own words)."""

    user_id: int
    kind: str
    message: str
    link: str = ""
    key: str = ""


def notify(
    users: Iterable[Any],
    kind: str,
    message: str,
    link: str = "",
    key: str | None = None,
    *,
    channels: bool = True,
    now: dt.datetime | None = None,
) -> int:
    """Tell ``users`` (users or their ids) ``message``: in-app rows in bulk, the channels after commit.

    With a ``key`` each user hears of it once (a second call writes nothing). Returns the number of
    in-app notices asked for."""
    ids = sorted({getattr(u, "pk", u) for u in users})
    written = notify_each([Notice(uid, kind, message, link, key or "") for uid in ids], summary="", now=now)
    if channels:
        send_after_commit(kind, message, ids)
    return written


def notify_each(notices: Sequence[Notice], *, summary: str = "", now: dt.datetime | None = None) -> int:
    """Many notices with their own words in one INSERT; the channels get ``summary`` once (if any)."""
    now = now or timezone.now()
    rows = [
        Notification(
            recipient_id=n.user_id,
            created_at=now,
            kind=n.kind[:40],
            message=n.message[:300],
            link=n.link[:200],
            key=n.key[:80],
        )
        for n in notices
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    if summary:
        kinds = {n.kind for n in notices}
        send_after_commit(kinds.pop() if len(kinds) == 1 else "summary", summary, [])
    return len(rows)


def announce(kind: str, message: str) -> None:
    """A message for the channels only (a district summary): no in-app row."""
    send_after_commit(kind, message, [])


def send_after_commit(kind: str, message: str, user_ids: Sequence[int]) -> None:
    from hongyixing.notices.tasks import send_notice

    args = (kind, message[:500], list(user_ids))
    transaction.on_commit(lambda: send_notice.enqueue(*args))


def phones_of(user_ids: Sequence[int]) -> list[str]:
    return list(
        Recipient.objects.filter(user_id__in=list(user_ids))
        .exclude(sms_phone="")
        .values_list("sms_phone", flat=True)
    )


def do_send(kind: str, message: str, user_ids: Sequence[int]) -> list[int]:
    """The worker's side: one Delivery per configured channel, each attempted once now."""
    now = timezone.now()
    created = [
        Delivery.objects.create(
            channel=channel.name,
            kind=kind[:40],
            message=message[:500],
            recipients=list(user_ids),
            created_at=now,
        )
        for channel in configured()
    ]
    for delivery in created:
        do_attempt(delivery.pk)
    return [d.pk for d in created]


def do_attempt(delivery_id: int) -> str:
    """Send one delivery once; on failure record the error and enqueue the next attempt (backoff)."""
    from hongyixing.notices.tasks import retry_delivery

    delivery = Delivery.objects.get(pk=delivery_id)
    if delivery.state in (DeliveryState.SENT, DeliveryState.LOGGED, DeliveryState.FAILED):
        return delivery.state
    channel = by_name(delivery.channel)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        if channel is None:
            raise ChannelError(f"the channel {delivery.channel} is no longer configured")
        state = channel.send(delivery.message, phones_of(delivery.recipients)) or DeliveryState.SENT
    except Exception as error:  # any failure of a channel is recorded, never raised into the work
        delivery.last_error = f"{type(error).__name__}: {error}"[:500]
        attempts_allowed = getattr(settings, "NOTIFY_ATTEMPTS", len(RETRY_DELAYS) + 1)
        if delivery.attempts >= attempts_allowed or channel is None:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            log.warning("channel %s failed for good: %s", delivery.channel, delivery.last_error)
        else:
            delay = RETRY_DELAYS[min(delivery.attempts - 1, len(RETRY_DELAYS) - 1)]
            delivery.state = DeliveryState.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
            log.info("channel %s failed, retry in %ss: %s", delivery.channel, delay, delivery.last_error)
    else:
        delivery.state = state
        delivery.sent_at = now
        delivery.next_attempt_at = None
    delivery.save()
    if delivery.state == DeliveryState.RETRYING and delivery.next_attempt_at is not None:
        run_after = delivery.next_attempt_at
        transaction.on_commit(lambda: retry_delivery.using(run_after=run_after).enqueue(delivery.pk))
    return delivery.state


def unread(user: Any, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")[:limit]
    )
