"""Write a push list for the demo: `hongyixing manage demo_push_list --rows 10000 --out var/push.xlsx`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hongyixing.demo.generator import DEFAULT_PERSONS, DEFAULT_SEED
from hongyixing.demo.guard import require_demo_mode
from hongyixing.demo.pushlist import HEADERS, push_rows, residents
from hongyixing.exchange.writers import write_xlsx


class Command(BaseCommand):
    help = "Write a realistic push list (xlsx) naming people of the seeded demo district and outsiders."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--out", default="var/push-list.xlsx")
        parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS, help="as given to seed_demo")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="as given to seed_demo")
        parser.add_argument("--list-seed", type=int, default=1)

    def handle(
        self, *args: Any, rows: int, out: str, persons: int, seed: int, list_seed: int, **options: Any
    ) -> None:
        require_demo_mode()
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        pool = residents(persons, seed)
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = write_xlsx(
            path,
            HEADERS,
            (cells for cells, _truth in push_rows(pool, rows, list_seed)),
            sheet_name="协查名单",
        )
        self.stdout.write(f"Wrote {written} rows to {path}.")
