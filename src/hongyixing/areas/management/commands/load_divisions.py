from typing import Any

from django.core.management.base import BaseCommand

from hongyixing.areas.services import do_load_divisions


class Command(BaseCommand):
    help = "Load (or refresh) the admin divisions of public record shipped with the product."

    def handle(self, *args: Any, **options: Any) -> None:
        created = do_load_divisions(None)
        self.stdout.write(f"{created} units created; the divisions are up to date.")
