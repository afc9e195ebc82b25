"""``hongyixing manage create_admin LOGIN [--name NAME]``: the first administrator of an installation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create an administrator with a temporary password, to be changed at the first sign-in "
        "(then the authenticator is bound)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the login name")
        parser.add_argument("--name", default="", help="the name shown in the product")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        from hongyixing.accounts.admin_services import do_create_administrator

        try:
            user, password = do_create_administrator(username, name)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(f"Administrator {user.username} created.")
        self.stdout.write(f"Temporary password (shown once): {password}")
        self.stdout.write("Sign in with it: choose your own password, then bind an authenticator app.")
