"""Field work without signal, in a real browser: headless Chromium, the real server, the network cut.

A grid worker opens their pages with signal; the network then goes away (the browser reaches the
server only through a loopback relay that the test switches off, so the browser sees exactly what a
phone without signal sees: connections refused). Offline, the pages still open with the last data, and
a verification feedback, a household's temperatures and a screening visit are entered; the top bar says
three are waiting. When the relay is back, each arrives exactly once and nothing is left waiting.

Every wait polls for a condition with a generous upper bound (never a fixed sleep), so a busy machine
makes the test slower, not red.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from hongyixing.command import services as command_services
from hongyixing.command.models import Visit
from hongyixing.control import services as control_services
from hongyixing.control.choices import MeasureType
from hongyixing.control.models import HealthCheck
from hongyixing.verification.models import Feedback
from tests.browser import browser_fixture, sign_in, wait_for  # noqa: F401 (the fixture)
from tests.command.builders import CHECKLIST
from tests.personas import DISTRICT, World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Answers every question of a visit form the way a worker would (the checklist is campaign data).
FILL_EVERY_QUESTION = """
var form = arguments[0];
form.querySelectorAll("select").forEach(function (s) {
  if (s.options.length > 1 && !s.value) { s.selectedIndex = 1; }
});
form.querySelectorAll("input[type=number], input[inputmode=decimal]").forEach(function (i) {
  i.value = "3";
});
form.querySelectorAll("input[type=text], textarea").forEach(function (i) {
  if (!i.value) { i.value = "无异常"; }
});
var radios = {};
form.querySelectorAll("input[type=radio]").forEach(function (r) {
  if (!radios[r.name]) { radios[r.name] = r; }
});
Object.keys(radios).forEach(function (name) {
  if (!form.querySelector("input[type=radio][name='" + name + "']:checked")) { radios[name].checked = true; }
});
"""


class Relay:
    """A loopback TCP relay to the live server that can be cut and restored on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """No signal: refuse new connections and drop the ones open."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread on Linux
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update({client, upstream})
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)


@pytest.fixture
def relay(live_server: Any) -> Iterator[Relay]:
    port = int(live_server.url.rsplit(":", 1)[1])
    relay = Relay(port)
    relay.start()
    yield relay
    relay.stop()


_wait = wait_for


def _waiting_count(driver: Any) -> int:
    value = driver.execute_script(
        "var s = document.getElementById('offline-status'); return s ? s.getAttribute('data-count') : null;"
    )
    return int(value or 0)


def _flushed(driver: Any) -> bool:
    return bool(
        driver.execute_script(
            "return document.getElementById('offline-status').getAttribute('data-flushed');"
        )
    )


def _controlled(driver: Any) -> bool:
    return bool(
        driver.execute_script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller);")
    )


def test_feedback_check_and_visit_entered_offline_arrive_once_each(
    world: World, live_server: Any, relay: Relay, browser: Any
) -> None:
    from hongyixing.areas.models import AdminUnit

    worker = world.users["grid_a1"]
    task = world.a.task
    control_services.do_open_measure(
        world.users["district"],
        world.a.persons[1],
        control_services.MeasureSpec(type=MeasureType.HOME_ISOLATION),
    )
    today = timezone.localdate()
    campaign = command_services.do_create_campaign(
        world.users["district"],
        AdminUnit.objects.get(path=DISTRICT),
        "全区地毯式排查",
        today,
        today + dt.timedelta(days=3),
        CHECKLIST,
    )
    base = f"http://127.0.0.1:{relay.port}"
    sign_in(browser, base, worker)

    # With signal: open the pages once; the service worker takes control and keeps copies.
    task_page = f"{base}/verification/tasks/{task.pk}/"
    today_page = f"{base}/control/today/"
    visit_page = f"{base}/command/screening/{campaign.pk}/households/{world.a.household.pk}/"
    browser.get(task_page)
    _wait(
        browser,
        lambda d: d.execute_script("return navigator.serviceWorker.ready.then(function () { return true; })"),
        "service worker ready",
    )
    browser.get(task_page)
    _wait(browser, _controlled, "the page is controlled by the service worker")
    for page in (today_page, visit_page, task_page):
        browser.get(page)
        _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete", "page loaded")

    relay.stop()  # no signal from here on

    # The task page opens from the device's copy; the feedback goes into the queue.
    browser.get(task_page)
    form = _wait(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, "form[data-offline]"), "feedback form offline"
    )
    form.find_element(By.CSS_SELECTOR, "select[name=contact_method] option[value=visit]").click()
    form.find_element(By.CSS_SELECTOR, "select[name=disposition] option[value=ALREADY_KNOWN]").click()
    form.find_element(By.NAME, "temperature").send_keys("36.6")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser, lambda d: _waiting_count(d) == 1, "one submission waiting")

    browser.get(today_page)
    checks = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "form[data-offline]"), "checks offline")
    checks.find_element(By.CSS_SELECTOR, "input[name^=t]").send_keys("36.8")
    checks.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser, lambda d: _waiting_count(d) == 2, "two submissions waiting")

    browser.get(visit_page)
    visit = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "form[data-offline]"), "visit offline")
    browser.execute_script(FILL_EVERY_QUESTION, visit)
    visit.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser, lambda d: _waiting_count(d) == 3, "three submissions waiting")
    status = browser.find_element(By.ID, "offline-status").text
    assert "3" in status, status

    assert Feedback.objects.count() == 0
    assert HealthCheck.objects.count() == 0
    assert Visit.objects.count() == 0

    relay.start()  # signal again: the next page sends what waited
    browser.get(f"{base}/verification/my/")
    _wait(browser, lambda d: _flushed(d) and _waiting_count(d) == 0, "the queue was sent")
    assert browser.find_element(By.ID, "offline-box").get_attribute("hidden") is not None, (
        "something was refused"
    )

    assert Feedback.objects.filter(task=task).count() == 1
    assert HealthCheck.objects.filter(measure__person=world.a.persons[1]).count() == 1
    assert Visit.objects.filter(campaign=campaign, household=world.a.household).count() == 1

    # A submission the server refuses (a number question answered with words) is never dropped
    # silently: it stays on the device with the server's reason until the worker discards it.
    relay.stop()
    browser.get(visit_page)
    visit = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "form[data-offline]"), "visit offline")
    browser.execute_script(FILL_EVERY_QUESTION, visit)
    browser.execute_script("arguments[0].querySelector('input[inputmode=decimal]').value = '三个';", visit)
    visit.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser, lambda d: _waiting_count(d) == 1, "the second visit waits")
    relay.start()
    browser.get(f"{base}/verification/my/")
    _wait(browser, lambda d: _flushed(d) and _waiting_count(d) == 0, "the queue was tried")
    box = browser.find_element(By.ID, "offline-box")
    assert box.get_attribute("hidden") is None
    browser.find_element(By.ID, "offline-status").click()
    panel = browser.find_element(By.ID, "offline-panel").text
    assert "未被接收" in panel and "家中常住人数" in panel, panel
    assert Visit.objects.filter(campaign=campaign).count() == 1
