from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.core import backup as backups


class Command(BaseCommand):
    help = "Backup the database and the media files (to / from a folder)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        try:
            manifest = backups.backup(folder)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup of the {manifest['database']} database: {folder}")
        self.stdout.write(f"The data key is not in the backup: it is in {manifest['data_key_location']}.")
