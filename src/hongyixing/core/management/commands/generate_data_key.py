import base64
import secrets
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new data-encryption key for HONGYIXING_DATA_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="))
