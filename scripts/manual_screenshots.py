"""Take the user manual's screenshots (docs/manual/img/) from the demo district.

Usage: .venv/bin/python scripts/manual_screenshots.py [--persons 285000] [--out docs/manual/img] [--only ROLE]

Builds the demo district (``seed_demo``, at make demo's size by default: only then do villages have
several grids, so a province list leaves rows waiting at a village for its cadre; about three minutes)
into a temporary directory of its own (its own SQLite file,
never the developer's var/), serves it with gunicorn on a free loopback port, signs each role's demo
account in with headless Chromium (Debian's ``chromium``, ``chromium-driver`` and ``chromium-l10n`` for
the browser's own words in Chinese, such as a file field's 选择文件; nothing is downloaded)
and saves each page at the desk size (1366×768) and the phone size (390×844) as
``<role>-<page>-desk.png`` / ``<role>-<page>-phone.png``. The pages of each role are listed in
``SHOTS``; the manual (docs/manual/*.md) embeds them by these names.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"desk": (1366, 768), "phone": (390, 844)}
PATIENCE = 60  # seconds for the server to answer and for a page to load


def _first(model: Any, **filters: Any) -> Any:
    found = model.objects.filter(**filters).order_by("id").first()
    if found is None:
        raise SystemExit(f"the demo has no {model.__name__} matching {filters}")
    return found.pk


def _grid_task() -> str:
    from hongyixing.verification.models import VerificationTask

    return f"/verification/tasks/{_first(VerificationTask, grid__code='320813001001-01')}/"


def _door_list() -> str:
    from hongyixing.areas.models import Grid

    return f"/people/grids/{_first(Grid, code='320813001001-01')}/doors/"


def _households() -> str:
    from hongyixing.command.models import Campaign

    return f"/command/screening/{_first(Campaign)}/households/"


def _visit() -> str:
    from hongyixing.areas.models import Household

    return _households() + f"{_first(Household, grid__code='320813001001-01')}/"


def _register() -> str:
    from hongyixing.people.models import Person

    return f"/people/{_first(Person, household__grid__code='320813001001-01')}/register/"


def _site() -> str:
    from hongyixing.control.models import Site

    return f"/control/sites/{_first(Site)}/"


def _case() -> str:
    from hongyixing.cases.models import Case

    return f"/cases/{_first(Case)}/"


def _chain() -> str:
    from hongyixing.cases.models import Case

    return f"/cases/{_first(Case)}/chain/"


def _enterprise() -> str:
    from hongyixing.enterprises.models import Enterprise

    return f"/enterprises/{_first(Enterprise, contacts__user__username='enterprise1')}/"


def _staff() -> str:
    return _enterprise() + "staff/"


# role (the manual's page) → (demo account, [(page name, url or a function finding it)]).
Page = tuple[str, "str | Callable[[], str]"]
SHOTS: dict[str, tuple[str, list[Page]]] = {
    "grid-worker": (
        "grid_320813001001-01",
        [
            ("home", "/"),
            ("tasks", "/verification/my/"),
            ("task", _grid_task),
            ("today", "/control/today/"),
            ("screening", "/command/screening/"),
            ("households", _households),
            ("visit", _visit),
            ("doors", _door_list),
        ],
    ),
    "village-cadre": (
        "village_320813001001",
        [
            ("home", "/"),
            ("desk", "/verification/desk/"),
            ("register", _register),
            ("assignments", "/command/assignments/"),
        ],
    ),
    "town": (
        "town_320813001",
        [
            ("home", "/"),
            ("desk", "/verification/desk/"),
            ("daily", "/dashboard/daily/"),
            ("imports", "/imports/"),
            ("users", "/accounts/users/"),
        ],
    ),
    "district": (
        "district",
        [
            ("home", "/"),
            ("batches", "/verification/"),
            ("dashboard", "/dashboard/"),
            ("directives", "/command/directives/"),
            ("supervision", "/command/supervision/"),
            ("daily", "/dashboard/daily/"),
            ("imports", "/imports/"),
            ("users", "/accounts/users/"),
            ("rules", "/rules/"),
            ("measures", "/control/"),
        ],
    ),
    "cdc": (
        "cdc1",
        [
            ("home", "/"),
            ("tests", "/control/tests/"),
            ("cases", "/cases/"),
            ("case", _case),
            ("contacts", "/cases/contacts/"),
            ("chain", _chain),
        ],
    ),
    "site": (
        "site1",
        [("home", "/"), ("sites", "/control/sites/"), ("site", _site), ("transfers", "/control/transfers/")],
    ),
    "enterprise": (
        "enterprise1",
        [
            ("home", "/"),
            ("enterprise", _enterprise),
            ("staff", _staff),
            ("filings", "/enterprises/filings/"),
            ("claims", "/enterprises/claims/"),
        ],
    ),
    "help": ("grid_320813001001-01", [("index", "/accounts/help/"), ("page", "/accounts/help/grid-worker/")]),
}


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "hongyixing.cli", "manage", *args], env=env, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(env: dict[str, str], port: int) -> Iterator[str]:
    command = [
        sys.executable,
        "-m",
        "hongyixing.cli",
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 (our loopback)
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the demo server did not start") from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=PATIENCE)


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise SystemExit("needs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    # The browser's own words (a file field's 选择文件) in Chinese, as on a Chinese desktop; LANGUAGE
    # only: a zh_CN LANG would also change the fonts fontconfig picks (a CJK face without bold).
    service = Service(executable_path=driver_path, env={**os.environ, "LANGUAGE": "zh_CN:zh"})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(PATIENCE)
    return driver


def _session_cookie(username: str) -> dict[str, str]:
    """A signed-in session of the demo account, second factor passed (the login itself is tested)."""
    from django.conf import settings
    from django.test import Client

    from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
    from hongyixing.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.session
    session[SESSION_SECOND_FACTOR] = True
    session.save()
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": str(client.cookies[name].value), "path": "/"}


def _shoot(driver: Any, base: str, url: str, path: Path, size: tuple[int, int]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.get(base + url)
    WebDriverWait(driver, PATIENCE, poll_frequency=0.2).until(
        lambda d: (
            d.execute_script("return document.readyState") == "complete"
            and d.find_elements("css selector", "main")
        )
    )
    driver.save_screenshot(str(path))


def _receive_push_list(persons: int, rows: int = 400) -> None:
    """A province list as lists really come (mostly village + street, no group or building), so the
    desks show rows waiting at a village for the cadre to assign."""
    import io

    from hongyixing.accounts.models import User
    from hongyixing.core.context import request_context
    from hongyixing.demo.generator import DEFAULT_SEED
    from hongyixing.demo.pushlist import HEADERS, push_rows, residents
    from hongyixing.exchange.writers import write_xlsx
    from hongyixing.verification.intake import intake_file
    from hongyixing.verification.models import PushSource

    buffer = io.BytesIO()
    made = [cells for cells, _truth in push_rows(residents(persons, DEFAULT_SEED), rows, seed=3)]
    # Newcomers the register does not know yet, written with the community and a street only: nothing
    # places them in one grid, so they wait on 临河社区's desk (the cadre's) to be assigned.
    for number, (name, street) in enumerate(
        [("覃思远", "人民路18号"), ("宓雨桐", "东七街27号"), ("冼浩然", "幸福路102号")], start=len(made) + 1
    ):
        address = f"洪泽区高良涧街道临河社区{street}"
        made.append([str(number), name, "", "", address, "外省返洪", "省大数据", ""])
    write_xlsx(buffer, HEADERS, made, sheet_name="协查名单")
    with request_context():
        intake_file(
            User.objects.get(username="district"),
            PushSource.objects.get(code="province-big-data"),
            buffer.getvalue(),
            "省大数据协查名单.xlsx",
            category="itinerary",
            title="省大数据推送",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # make demo's size: only there do villages have several grids
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "manual" / "img")
    parser.add_argument("--only", choices=sorted(SHOTS), action="append")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="hongyixing-manual-"))
    env = {
        **os.environ,
        "HONGYIXING_HOME": str(home),
        "HONGYIXING_DEMO": "1",
        "DATABASE_URL": f"sqlite:///{home / 'manual.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    try:
        _manage(env, "migrate", "--no-input", "-v", "0")
        _manage(env, "seed_demo", "--persons", str(args.persons))
        os.environ.update(env)
        sys.path.insert(0, str(ROOT / "src"))
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
        django.setup()
        _receive_push_list(args.persons)
        args.out.mkdir(parents=True, exist_ok=True)
        with _server(env, _free_port()) as base:
            driver = _browser()
            try:
                for role, (username, pages) in SHOTS.items():
                    if args.only and role not in args.only:
                        continue
                    driver.delete_all_cookies()
                    driver.get(base + "/offline/")
                    driver.add_cookie(_session_cookie(username))
                    for page, where in pages:
                        url = where if isinstance(where, str) else where()
                        for size_name, size in SIZES.items():
                            target = args.out / f"{role}-{page}-{size_name}.png"
                            _shoot(driver, base, url, target, size)
                            print(f"{target.name}  {url}", flush=True)
            finally:
                driver.quit()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
