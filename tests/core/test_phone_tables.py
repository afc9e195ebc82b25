"""Tables on a phone (390 px): a list's cells say their column; a report's matrix keeps its headers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hongyixing.control import services as control_services
from hongyixing.control.choices import CheckSource, MeasureType
from tests.browser import browser_fixture, loaded, sign_in, wait_for  # noqa: F401 (the fixture)
from tests.personas import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CELLS_WITHOUT_LABEL = """
// Every shown cell under a named column says that name (a table with no header row, or a column with
// an empty header such as a row's buttons, reads on its own).
var missing = [];
document.querySelectorAll("table.list:not(.report)").forEach(function (table) {
  if (!table.tHead) { return; }
  var head = table.tHead.rows[table.tHead.rows.length - 1];
  var names = Array.prototype.map.call(head.cells, function (c) { return c.textContent.trim(); });
  Array.prototype.forEach.call(table.tBodies, function (body) {
    Array.prototype.forEach.call(body.rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (td, i) {
        var before = getComputedStyle(td, "::before").content;
        if (names[i] && td.offsetParent !== null && (!before || before === "none")) {
          missing.push(names[i] + ": " + td.textContent.trim());
        }
      });
    });
  });
});
return missing;
"""
REPORT_HEADERS_SHOWN = """
var heads = document.querySelectorAll("table.report thead");
if (!heads.length) { return null; }
return Array.prototype.every.call(heads, function (h) { return getComputedStyle(h).display !== "none"; });
"""


def test_list_cells_carry_their_column_and_report_headers_stay(
    world: World, live_server: Any, browser: Any
) -> None:
    measure = control_services.do_open_measure(
        world.users["district"],
        world.a.persons[0],
        control_services.MeasureSpec(type=MeasureType.HOME_ISOLATION),
    )
    control_services.do_record_checks(
        world.users["district"],
        [
            control_services.CheckInput(
                client_id=str(uuid.uuid4()), measure_id=measure.pk, temperature="36.5", slot="m"
            )
        ],
        CheckSource.TEAM,
    )
    base = live_server.url
    sign_in(browser, base, world.users["district"])

    browser.get(f"{base}/control/measures/{measure.pk}/")
    wait_for(browser, loaded, "measure page")
    wait_for(
        browser,
        lambda d: d.execute_script("return document.querySelector('td[data-label]') !== null"),
        "labels set",
    )
    assert browser.execute_script(CELLS_WITHOUT_LABEL) == []
    labels = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('table.list td[data-label]'),"
        " function (td) { return td.getAttribute('data-label'); });"
    )
    assert {"日期", "上午", "下午"} <= set(labels), labels

    browser.get(f"{base}/dashboard/daily/")
    wait_for(browser, loaded, "daily report")
    assert browser.execute_script(REPORT_HEADERS_SHOWN) is True
