from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hongyixing.demo.files import write_demo_files


class Command(BaseCommand):
    help = "Write the demo district as import files (units, grids, residents, staff) into a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True)
        parser.add_argument("--persons", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=2020)

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["out"])
        counts = write_demo_files(folder, seed=options["seed"], persons=options["persons"])
        for kind, rows in counts.items():
            self.stdout.write(f"{kind}: {rows} rows")
        self.stdout.write(
            f"Import them in this order: hongyixing import units|grids|residents|staff {folder}/<file>"
        )
