"""Notifications: in-app rows always; other channels (SMS gateway, WeCom / DingTalk group robots)
are pluggable and log-only by default. Channels run after commit and never fail the work."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("hongyixing.notify")


class LogChannel:
    """The default: the message goes to the log (with the request id), nowhere else."""

    name = "log"

    def send(self, recipients: Sequence[str], message: str) -> None:
        log.info("notify %d recipient(s): %s", len(recipients), message)


class GroupRobotChannel:
    """WeCom and DingTalk group robots both take {"msgtype": "text", "text": {"content": …}}."""

    name = "robot"

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, recipients: Sequence[str], message: str) -> None:
        body = json.dumps({"msgtype": "text", "text": {"content": message}}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (an operator-configured https robot URL)
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            response.read()


def channels() -> list[Any]:
    configured = getattr(
        settings, "NOTIFY_CHANNELS", [{"class": "hongyixing.verification.notify.LogChannel"}]
    )
    built = []
    for entry in configured:
        options = {k: v for k, v in entry.items() if k != "class"}
        built.append(import_string(entry["class"])(**options))
    return built


def broadcast(recipients: Sequence[str], message: str) -> list[str]:
    """Send through every channel; return the names of those that worked."""
    delivered = []
    for channel in channels():
        try:
            channel.send(recipients, message)
        except Exception:  # a robot being down must not stop the escalation
            log.exception("channel %s failed", getattr(channel, "name", channel))
        else:
            delivered.append(getattr(channel, "name", type(channel).__name__))
    return delivered
