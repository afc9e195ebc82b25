"""Headless Chromium for the tests that must see a page as a phone shows it.

Debian's ``chromium`` and ``chromium-driver`` (installed by ``.ci/run``; no browser is downloaded).
Without them a test module importing this is skipped on a developer's machine and fails in CI.
Every wait polls for a condition with a generous upper bound, never a fixed sleep, so a busy machine
makes a test slower, not red.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PATIENCE = 60  # seconds: the upper bound of every wait; the usual wait is well under a second
PHONE = (390, 844)

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium and chromium-driver (.ci/run installs them)")
    pytest.skip(
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402 (only once the browser is known to be there)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(name="browser")
def browser_fixture(settings: Any, tmp_path: Any) -> Iterator[webdriver.Chrome]:
    """A phone-sized headless Chromium with a profile of its own (import this to use ``browser``)."""
    settings.ALLOWED_HOSTS = ["*"]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER or ""), options=options)
    driver.set_page_load_timeout(PATIENCE)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Any, what: str) -> Any:
    return WebDriverWait(driver, PATIENCE, poll_frequency=0.2).until(condition, message=what)


def sign_in(driver: Any, base: str, user: Any) -> None:
    """Open the site once and hand the browser a signed-in session (second factor passed)."""
    from django.conf import settings as django_settings
    from django.test import Client

    from tests.personas import login

    client = login(Client(), user)
    driver.get(base + "/offline/")
    name = django_settings.SESSION_COOKIE_NAME
    driver.add_cookie({"name": name, "value": client.cookies[name].value, "path": "/"})


def loaded(driver: Any) -> bool:
    return bool(driver.execute_script("return document.readyState") == "complete")
