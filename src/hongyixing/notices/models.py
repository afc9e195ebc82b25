"""In-app notifications, who can be reached on which channel, and a record of every channel send.

This app knows users (accounts) and nothing of the work: a notice carries a ``kind`` (``sla.half``,
``directive.overdue``, ``control.abnormal_check`` …), plain words, an optional link and an optional
``key`` that makes the same notice to the same person happen once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notice in a user's list."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=40)
    message = models.CharField(_("message"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    # Set when a notice must reach a person once only (e.g. "task 41: 80 % of the time used").
    key = models.CharField(_("key"), max_length=80, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notices_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], condition=~models.Q(key=""), name="notices_once"
            )
        ]

    def __str__(self) -> str:
        return self.message


class Recipient(models.Model):
    """How a user is reached outside the application (today: a work mobile for SMS)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sms_phone = models.CharField(_("mobile for SMS"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("notice recipient")
        verbose_name_plural = _("notice recipients")

    def __str__(self) -> str:
        return str(self.user)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    # The log channel only writes a line: it is never counted as delivered to anyone.
    LOGGED = "logged", _("logged only")
    RETRYING = "retrying", _("retrying")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One message through one channel: what the worker sent, how often it tried, what went wrong."""

    channel = models.CharField(_("channel"), max_length=20)
    kind = models.CharField(_("kind"), max_length=40)
    message = models.CharField(_("message"), max_length=500)
    recipients = models.JSONField(_("recipients"), default=list)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["state", "created_at"], name="notices_delivery_state_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.state}"
