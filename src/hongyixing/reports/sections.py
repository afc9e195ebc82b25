"""What a daily report shows (domain.md §7), as data: each line names its metric and the list behind it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hongyixing.control.choices import MeasureType


@dataclass(frozen=True)
class Line:
    metric: str  # a metric name, or "sum:" + metrics joined by "+"
    label: Promise | str
    link: str = ""  # URL name of the list behind the figure (with a query string)


MEASURE_LINES = [
    Line(f"active:{value}", label, f"/control/?state=active&type={value}")
    for value, label in MeasureType.choices
]

SECTIONS: list[tuple[Promise, list[Line]]] = [
    (
        _("Verification tasks"),
        [
            Line("tasks_received", _("Received"), "/verification/desk/"),
            Line("tasks_on_time", _("Done on time"), "/verification/desk/"),
            Line("tasks_late", _("Done late"), "/verification/desk/"),
            Line("tasks_open", _("Still open at the cut-off"), "/verification/desk/"),
            Line("tasks_overdue", _("Overdue"), "/verification/supervision/"),
            Line("tasks_forwarded", _("Forwarded"), "/verification/desk/"),
            Line("arrivals", _("Arrival registrations"), "/verification/desk/"),
        ],
    ),
    (
        _("People under measures"),
        [
            *MEASURE_LINES,
            Line("contacts", _("Close contacts under measure"), "/control/?state=active"),
            Line(
                "sum:opened:central_isolation+opened:home_isolation+opened:home_monitoring+opened:health_monitoring",
                _("Newly under measure"),
                "/control/?state=active",
            ),
            Line("released", _("Released"), "/control/?state=released"),
            Line("ending_tomorrow", _("Ending tomorrow"), "/control/?state=active"),
        ],
    ),
    (
        _("Health checks"),
        [
            Line("checks", _("Checks recorded"), "/control/today/"),
            Line("unchecked", _("Under measure without a check today"), "/control/alerts/"),
            Line("abnormal", _("Abnormal checks"), "/control/alerts/"),
            Line("fever_transfers", _("Transfers to the fever clinic"), "/control/transfers/?all=1"),
            Line("open_loops", _("Transfers not handed over at the cut-off"), "/control/transfers/"),
        ],
    ),
    (
        _("Nucleic-acid tests"),
        [
            Line("sampled", _("Sampled"), "/control/tests/"),
            Line("pending", _("Waiting for a result"), "/control/tests/"),
            Line("negative", _("Negative"), "/control/tests/"),
            Line("positive", _("Positive"), "/control/alerts/"),
            Line("samples_overdue", _("Overdue samples"), "/control/tests/"),
        ],
    ),
    (
        _("Cases and contacts"),
        [
            Line("cases_confirmed", _("Confirmed cases"), "/cases/?classification=confirmed"),
            Line("cases_suspected", _("Suspected cases"), "/cases/?classification=suspected"),
            Line("cases_asymptomatic", _("Asymptomatic infections"), "/cases/?classification=asymptomatic"),
            Line("cases_imported", _("Imported from abroad"), "/cases/?source=abroad"),
            Line("contacts_new_close", _("New close contacts"), "/cases/contacts/?category=close"),
            Line("contacts_managed", _("Contacts under management"), "/cases/contacts/?state=managed"),
            Line("contacts_untraced", _("Contacts not yet traced"), "/cases/contacts/?state=found"),
        ],
    ),
    (
        _("Inbound from abroad"),
        [Line("inbound_new", _("Newly registered"), "/control/inbound/")],
    ),
    (
        _("Directives"),
        [
            Line("directives_received", _("Assignments received"), "/command/assignments/"),
            Line("directives_due", _("Due in the window"), "/command/assignments/"),
            Line("directives_overdue", _("Overdue at the cut-off"), "/command/supervision/"),
        ],
    ),
]

# The metrics whose zero makes a "zero report" (nothing happened in the window).
FLOW_METRICS = (
    "tasks_received",
    "arrivals",
    "abnormal",
    "fever_transfers",
    "positive",
    "cases_confirmed",
    "cases_suspected",
    "cases_asymptomatic",
    "inbound_new",
    "sum:opened",
)

# 零确诊、零疑似、零境外输入, and where each number comes from.
# Each counts case records as the CDC classified them in the window, never tests or self-reports.
HEADLINE = [
    ("cases_confirmed", _("Confirmed"), _("cases the CDC classified as confirmed in the window")),
    ("cases_suspected", _("Suspected"), _("cases the CDC classified as suspected in the window")),
    (
        "cases_imported",
        _("Imported"),
        _("cases imported from abroad classified confirmed or asymptomatic in the window"),
    ),
]
# Where each headline figure's list is.
HEADLINE_LINKS = {
    "cases_confirmed": "/cases/?classification=confirmed",
    "cases_suspected": "/cases/?classification=suspected",
    "cases_imported": "/cases/?source=abroad",
}


def value(figures: dict[str, int], metric: str) -> int:
    if metric.startswith("sum:"):
        parts = metric[4:].split("+")
        if len(parts) == 1:  # a prefix: every metric starting with it
            return sum(v for k, v in figures.items() if k.startswith(parts[0] + ":"))
        return sum(figures.get(p, 0) for p in parts)
    return figures.get(metric, 0)


def active_total(figures: dict[str, int]) -> int:
    return value(figures, "sum:active")
