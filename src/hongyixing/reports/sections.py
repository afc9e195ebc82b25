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
    "inbound_new",
    "sum:opened",
)

# 零确诊、零疑似、零境外输入, and where each number comes from.
HEADLINE = [
    ("positive", _("Confirmed"), _("positive nucleic-acid results received in the window")),
    (
        "abnormal",
        _("Suspected"),
        _("abnormal checks (fever or listed symptoms) in the window, each sent to the fever clinic"),
    ),
    ("positive_imported", _("Imported"), _("positive results of people registered as inbound from abroad")),
]


def value(figures: dict[str, int], metric: str) -> int:
    if metric.startswith("sum:"):
        parts = metric[4:].split("+")
        if len(parts) == 1:  # a prefix: every metric starting with it
            return sum(v for k, v in figures.items() if k.startswith(parts[0] + ":"))
        return sum(figures.get(p, 0) for p in parts)
    return figures.get(metric, 0)


def active_total(figures: dict[str, int]) -> int:
    return value(figures, "sum:active")
