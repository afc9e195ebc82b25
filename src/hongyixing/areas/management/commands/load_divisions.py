from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.areas.services import do_load_divisions


class Command(BaseCommand):
    help = (
        "Load (or refresh) the admin divisions of public record: the shipped file, or FILE in the same "
        "format (code,name,level,parent_code) for another county."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="a divisions CSV in the shipped format")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"]) if options.get("file") else None
        if path is not None and not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            created = do_load_divisions(None, path)
        except (KeyError, ValueError) as error:
            raise CommandError(f"the divisions file cannot be read: {error}") from error
        self.stdout.write(f"{created} units created; the divisions are up to date.")
