from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.areas.models import AdminUnit, Grid


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    title = models.CharField(_("post"), max_length=60, blank=True)
    # TOTP secret, sealed like other secrets at rest; empty until the user enrols.
    totp_ciphertext = models.TextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)
    # Set by an administrator's password reset (and for users they create): the next sign-in must
    # choose a new password before anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # A one-time code an administrator issues so that a user can bind a second factor; only its digest.
    enrolment_code_digest = models.CharField(max_length=64, blank=True)
    enrolment_code_expires = models.DateTimeField(null=True, blank=True)

    audit_fields = (
        "username",
        "display_name",
        "title",
        "is_active",
        "is_superuser",
        "totp_confirmed_at",
        "must_change_password",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None


class Grant(models.Model):
    """A role on a unit (cascading to its subtree) or on one grid."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_fields = ("user_id", "role", "unit_id", "grid_id")

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(grid__isnull=False),
                name="accounts_grant_has_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.unit or self.grid}"


class LoginAttempt(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    time = models.DateTimeField(db_index=True)
    succeeded = models.BooleanField()

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [models.Index(fields=["username", "time"], name="accounts_attempt_user_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.time:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"


class ApiToken(models.Model):
    """A revocable API credential; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_fields = ("user_id", "name", "prefix", "revoked_at")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
