"""The ``hongyixing`` command: serve, worker, demo and manage (Django's management commands)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    import django

    django.setup()


def manage(args: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hongyixing manage", *args])
    return 0


def _server_command(bind: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "hongyixing.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
    ]


def serve(bind: str, workers: int) -> int:
    manage(["check", "--fail-level", "ERROR"])
    manage(["collectstatic", "--no-input", "-v", "0"])
    os.execv(sys.executable, _server_command(bind, workers))  # noqa: S606 (replace this process)
    return 0  # not reached


def _run_together(commands: list[list[str]]) -> int:
    """Run the server and the worker side by side; Ctrl-C (or either dying) stops both."""
    children = [subprocess.Popen(command) for command in commands]
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            for child in children:
                try:
                    code = child.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    continue
                if not stopping:
                    print(f"hongyixing: a child process exited with {code}; stopping.", file=sys.stderr)
                    stop()
                for other in children:
                    try:
                        other.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        other.kill()
                return 0 if stopping else (code or 1)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def demo(bind: str, persons: int, seed: int, workers: int) -> int:
    os.environ["HONGYIXING_DEMO"] = "1"  # before settings load; the server and the worker inherit it
    manage(["check", "--fail-level", "ERROR"])
    manage(["migrate", "--no-input", "-v", "0"])
    manage(["collectstatic", "--no-input", "-v", "0"])
    manage(["seed_demo", "--persons", str(persons), "--seed", str(seed), "--if-empty"])
    print(
        f"\nHongyixing is starting at http://{bind}/  (Ctrl-C stops the server and the worker)\n", flush=True
    )
    return _run_together(
        [
            _server_command(bind, workers),
            [sys.executable, "-m", "hongyixing.cli", "manage", "worker"],
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return manage(argv[1:])
    parser = argparse.ArgumentParser(prog="hongyixing", description="洪宜行 epidemic tracking platform")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the web application with gunicorn")
    p_serve.add_argument("--bind", default=os.environ.get("HONGYIXING_BIND", "127.0.0.1:8000"))
    p_serve.add_argument("--workers", type=int, default=int(os.environ.get("HONGYIXING_WEB_WORKERS", "2")))
    sub.add_parser("worker", help="run background jobs and the recurring-job scheduler")
    p_demo = sub.add_parser("demo", help="migrate, seed the demo district if empty, serve with the worker")
    p_demo.add_argument("--bind", default="127.0.0.1:8000")
    p_demo.add_argument("--persons", type=int, default=285_000)
    p_demo.add_argument("--seed", type=int, default=2020)
    p_demo.add_argument("--workers", type=int, default=2)
    p_import = sub.add_parser("import", help="import units, grids, residents or staff from a spreadsheet")
    p_import.add_argument("kind", choices=["units", "grids", "residents", "staff"])
    p_import.add_argument("file")
    p_import.add_argument("--dry-run", action="store_true", help="check and show the changes, write nothing")
    p_import.add_argument("--report", help="write the per-row report (xlsx) to this file")
    for name, text in (
        ("backup", "back up the database and media into a new folder"),
        ("restore", "restore a backup folder"),
    ):
        sub.add_parser(name, help=text).add_argument("folder")
    sub.add_parser("manage", help="Django management commands (hongyixing manage help)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.bind, args.workers)
    if args.command == "worker":
        return manage(["worker"])
    if args.command == "demo":
        return demo(args.bind, args.persons, args.seed, args.workers)
    if args.command in ("backup", "restore"):
        return manage([args.command, args.folder])
    if args.command == "import":
        extra = ["--dry-run"] if args.dry_run else []
        extra += ["--report", args.report] if args.report else []
        return manage(["import_data", args.kind, args.file, *extra])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
