"""``hongyixing manage totp_code <username>``: the current second-factor code of a demo account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.accounts.models import User
from hongyixing.accounts.services import current_totp_code
from hongyixing.demo.guard import require_demo_mode


class Command(BaseCommand):
    help = "Print the current TOTP code of a user enrolled in two-factor login (for the demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        require_demo_mode()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.totp_ciphertext:
            raise CommandError(f"{username} has not enrolled a second factor.")
        self.stdout.write(current_totp_code(user))
