"""``hongyixing manage seed_demo``: fill an empty database with the demo district."""

from __future__ import annotations

import time
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.accounts.models import User
from hongyixing.areas.models import Grid
from hongyixing.demo import generator, staff
from hongyixing.demo.guard import require_demo_mode
from hongyixing.people.models import Person


class Command(BaseCommand):
    help = "Seed the demo district: real Hongze divisions, generated people and staff (same seed, same data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=generator.DEFAULT_PERSONS)
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when persons already exist",
        )

    def handle(self, *args: Any, persons: int, seed: int, if_empty: bool, **options: Any) -> None:
        require_demo_mode()
        if persons < 1:
            raise CommandError("--persons must be at least 1")
        if Person.objects.exists():
            if not if_empty:
                raise CommandError(
                    "The database already holds persons; seed a fresh database (or pass --if-empty to skip)."
                )
            self.stdout.write("The database already holds persons: nothing seeded.")
            self._print_logins(None)
            return
        if Grid.objects.exists() or User.objects.filter(username__in=["admin", "district"]).exists():
            raise CommandError(
                "The database has grids or demo users but no persons (an interrupted seed?): "
                "seed a fresh database."
            )
        started = time.perf_counter()
        counts = generator.seed_district(
            persons, seed, out=cast(TextIO, self.stdout) if options["verbosity"] > 1 else None
        )
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded the demo district in {elapsed:.1f} s: {summary}."))
        self._print_logins(staff.logins_path().read_text(encoding="utf-8"))

    def _print_logins(self, text: str | None) -> None:
        path = staff.logins_path()
        if text is None:
            text = path.read_text(encoding="utf-8") if path.exists() else None
        if text is None and User.objects.exists():
            path = staff.write_logins()
            text = path.read_text(encoding="utf-8")
        if text is None:
            self.stdout.write("No demo logins found.")
            return
        self.stdout.write(staff.personas_text(text))
        self.stdout.write(f"(all staff accounts: {path})")
