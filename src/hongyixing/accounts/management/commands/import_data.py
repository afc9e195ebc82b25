from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hongyixing.exchange.importer import KINDS, run_import


class Command(BaseCommand):
    help = "Import master data (units, grids, residents, staff) from an xlsx, xls or csv file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and show the changes, write nothing"
        )
        parser.add_argument("--report", help="write the per-row report (xlsx) to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        from hongyixing.accounts.admin_services import import_context

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        context = import_context(None)
        assert context is not None
        report = run_import(
            options["kind"], path.read_bytes(), path.name, context, dry_run=options["dry_run"]
        )
        if options["report"] and report.rows:
            Path(options["report"]).write_bytes(report.report_xlsx())
        for line in report.error_lines():
            self.stderr.write(line)
        if report.has_errors:
            raise CommandError(f"{len(report.error_lines())} error(s); nothing was imported")
        for implied in report.implied:
            self.stdout.write(f"to confirm: {implied.text}")
        counts = report.counts
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{report.kind}: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged rows {verb} imported; "
            f"{len(report.skipped)} lines skipped (titles, blanks, footers)."
        )
        if options["dry_run"]:
            for row in report.rows:
                if row.status != "unchanged":
                    detail = f" ({', '.join(row.changes)})" if row.changes else ""
                    self.stdout.write(f"  row {row.row_number}: {row.status}{detail} {row.key}")
