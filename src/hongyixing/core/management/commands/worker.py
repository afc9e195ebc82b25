"""The background worker: runs queued tasks and enqueues the recurring jobs declared in code."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.management.commands.db_worker import Worker

from hongyixing.core.jobs import RECURRING, run_scheduler


class Command(BaseCommand):
    help = "Run background tasks and the recurring-job scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls.")
        parser.add_argument("--no-scheduler", action="store_true", help="Only run queued tasks.")

    def handle(self, *args: Any, interval: float, no_scheduler: bool, **options: Any) -> None:
        autodiscover_modules("tasks")
        stop = threading.Event()
        if not no_scheduler:
            threading.Thread(target=run_scheduler, args=(stop,), name="scheduler", daemon=True).start()
            self.stdout.write(f"Scheduler: {len(RECURRING)} recurring jobs ({', '.join(sorted(RECURRING))})")
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"hongyixing-{uuid.uuid4().hex[:8]}",
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
