"""Reading reports: one unit's daily report (totals, per-child breakdown, filings), and the dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.models import AdminUnit
from hongyixing.areas.queries import visible_roots
from hongyixing.command import queries as command_queries
from hongyixing.control import queries as control_queries
from hongyixing.reports import metrics, sections
from hongyixing.reports.models import ClosedDay, DailyReport, DailyStat, ReportState
from hongyixing.verification.models import PushSource

CHILD_LEVEL = {
    UnitLevel.CITY: UnitLevel.DISTRICT,
    UnitLevel.DISTRICT: UnitLevel.TOWN,
    UnitLevel.TOWN: UnitLevel.VILLAGE,
}


# A day whose window is still open is counted from the records at most once a minute per process (the
# dashboard and the live report read the same figures); a day past its cut-off is never cached, so a
# filed report always counts afresh.
LIVE_SECONDS = 60


def figures_for(day: dt.date, unit_path: str = "") -> metrics.Figures:
    """Stored figures of a closed day, else counted now from the records."""
    if ClosedDay.objects.filter(day=day).exists():
        stored: metrics.Figures = {}
        rows = DailyStat.objects.filter(day=day)
        if unit_path:
            rows = rows.filter(village_path__startswith=unit_path[:12])
        for village, metric, value in rows.values_list("village_path", "metric", "value"):
            stored.setdefault(village, {})[metric] = value
        return stored
    if metrics.window(day)[1] <= timezone.now():
        return metrics.compute(day, unit_path)
    key = f"reports:live:{day.isoformat()}:{unit_path}"
    figures: metrics.Figures | None = cache.get(key)
    if figures is None:
        figures = metrics.compute(day, unit_path, check_day=timezone.localdate())
        cache.set(key, figures, LIVE_SECONDS)
    return figures


@dataclass
class Report:
    unit: AdminUnit
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    totals: dict[str, int]
    children: list[tuple[AdminUnit, dict[str, int]]]
    sites: list[dict[str, Any]] = field(default_factory=list)
    filed: list[DailyReport] = field(default_factory=list)
    missing: list[AdminUnit] = field(default_factory=list)
    signed: list[DailyReport] = field(default_factory=list)

    @property
    def sections(self) -> list[dict[str, Any]]:
        return [
            {
                "title": title,
                "lines": [
                    {
                        "label": line.label,
                        "value": sections.value(self.totals, line.metric),
                        "link": line.link,
                        "children": [sections.value(f, line.metric) for _u, f in self.children],
                    }
                    for line in lines
                ],
            }
            for title, lines in sections.SECTIONS
        ]

    @property
    def headline(self) -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "value": sections.value(self.totals, metric),
                "source": source,
                "link": sections.HEADLINE_LINKS.get(metric, ""),
            }
            for metric, label, source in sections.HEADLINE
        ]

    @property
    def sources(self) -> list[tuple[str, int]]:
        """(the push source's name, tasks): the figures keep the source's code, a reader sees its name."""
        counts = sorted(
            ((k.split(":", 1)[1], v) for k, v in self.totals.items() if k.startswith("tasks_by_source:")),
            key=lambda kv: -kv[1],
        )
        names = dict(PushSource.objects.filter(code__in=[c for c, _n in counts]).values_list("code", "name"))
        return [(names.get(code) or _("Other source"), n) for code, n in counts]

    @property
    def is_zero(self) -> bool:
        return all(sections.value(self.totals, m) == 0 for m in sections.FLOW_METRICS)

    def snapshot(self) -> dict[str, Any]:
        return {
            "window": [self.start.isoformat(), self.end.isoformat()],
            "totals": self.totals,
            "children": [{"path": u.path, "name": u.name, "figures": f} for u, f in self.children],
            "sites": [
                {
                    "name": s["site"].name,
                    "capacity": s["site"].capacity,
                    "rooms": s["rooms"],
                    "occupied": s["occupied"],
                    "free": s["free"],
                }
                for s in self.sites
            ],
            "missing": [u.name for u in self.missing],
        }

    def summary_text(self) -> str:
        h = {m: sections.value(self.totals, m) for m, _l, _s in sections.HEADLINE}
        return _(
            "%(unit)s daily report %(day)s: confirmed %(confirmed)d, suspected %(suspected)d, imported "
            "%(imported)d; under measures %(active)d; verification tasks received %(received)d, overdue "
            "%(overdue)d."
        ) % {
            "unit": self.unit.name,
            "day": self.day.isoformat(),
            "confirmed": h["cases_confirmed"],
            "suspected": h["cases_suspected"],
            "imported": h["cases_imported"],
            "active": sections.active_total(self.totals),
            "received": self.totals.get("tasks_received", 0),
            "overdue": self.totals.get("tasks_overdue", 0),
        }


def child_units(unit: AdminUnit) -> list[AdminUnit]:
    level = CHILD_LEVEL.get(UnitLevel(unit.level))
    if level is None:
        return []
    return list(
        AdminUnit.objects.filter(level=level, path__startswith=unit.path, valid_to__isnull=True).order_by(
            "path"
        )
    )


def build_report(user: Any, unit: AdminUnit, day: dt.date) -> Report:
    start, end = metrics.window(day)
    figures = figures_for(day, unit.path if len(unit.path) > 6 else "")
    children = child_units(unit)
    by_child = metrics.by_child(figures, [c.path for c in children])
    report = Report(
        unit=unit,
        day=day,
        start=start,
        end=end,
        totals=metrics.total(figures, unit.path[:12]),
        children=[(c, by_child[c.path]) for c in children],
        sites=[
            s
            for s in control_queries.sites(user)
            if s["site"].unit_path.startswith(unit.path[:9]) or len(unit.path) <= 6
        ],
    )
    if unit.level in (UnitLevel.DISTRICT, UnitLevel.CITY):
        towns = [c for c in children if c.level == UnitLevel.TOWN]
        filed = {
            r.unit_id: r
            for r in DailyReport.objects.filter(
                day=day, state=ReportState.SIGNED, unit__in=towns
            ).select_related("unit")
        }
        report.filed = list(filed.values())
        report.missing = [t for t in towns if t.pk not in filed]
    report.signed = list(DailyReport.objects.filter(unit=unit, day=day).order_by("-version"))
    return report


@dataclass
class Trend:
    label: str
    metric: str
    points: list[tuple[dt.date, int]]

    @property
    def polyline(self) -> str:
        """SVG points on a 280×60 box (drawn server-side: no chart library, no script)."""
        if not self.points:
            return ""
        top = max(v for _d, v in self.points) or 1
        step = 280 / max(1, len(self.points) - 1)
        return " ".join(f"{i * step:.0f},{60 - v / top * 56:.0f}" for i, (_d, v) in enumerate(self.points))

    @property
    def last(self) -> int:
        return self.points[-1][1] if self.points else 0


TREND_METRICS = [
    ("sum:active", "People under measures"),
    ("sum:opened", "Newly under measure"),
    ("abnormal", "Abnormal checks"),
    ("tasks_received", "Verification tasks received"),
    ("tasks_overdue", "Overdue verification tasks"),
]


def reporting_day(now: dt.datetime | None = None) -> dt.date:
    """The day whose window is open now: after the cut-off, figures count for tomorrow's report."""
    local = timezone.localtime(now or timezone.now())
    return local.date() + dt.timedelta(days=1) if local.time() > settings.REPORT_CUTOFF else local.date()


def dashboard(user: Any, days: int = 14) -> dict[str, Any]:
    roots, _grids = visible_roots(user)
    if not roots:  # a grid's worker has no unit to sum: their page is "my people today"
        return {
            "root": None,
            "cards": [],
            "trends": [],
            "towns": [],
            "sites": [],
            "loops": [],
            "now": timezone.localtime(),
        }
    root = min(roots, key=lambda u: len(u.path))
    path = root.path
    today = reporting_day()
    live = figures_for(today, path if len(path) > 6 else "")
    yesterday = figures_for(today - dt.timedelta(days=1), path)
    totals, before = metrics.total(live, path[:12]), metrics.total(yesterday, path[:12])
    closed = set(
        ClosedDay.objects.filter(day__gte=today - dt.timedelta(days=days)).values_list("day", flat=True)
    )
    history: dict[dt.date, dict[str, int]] = {}
    stats = DailyStat.objects.filter(day__in=closed)
    if len(path) > 6:
        stats = stats.filter(village_path__startswith=path[:12])
    # Summed by the database: one row per day and metric, not one per village.
    for row in stats.values("day", "metric").annotate(total=Sum("value")).order_by():
        history.setdefault(row["day"], {})[row["metric"]] = row["total"]
    series_days = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    trends = []
    for metric, label in TREND_METRICS:
        points = []
        for day in series_days:
            figures = totals if day == today else history.get(day)
            if figures is not None:
                points.append((day, sections.value(figures, metric)))
        trends.append(Trend(_(label), metric, points))
    headline = [
        (_("People under measures"), "sum:active", "/control/?state=active"),
        (_("Newly under measure"), "sum:opened", "/control/?state=active"),
        (_("Abnormal checks"), "abnormal", "/control/alerts/"),
        (_("Under measure without a check today"), "unchecked", "/control/alerts/"),
        (_("Verification tasks received"), "tasks_received", "/verification/desk/"),
        (_("Overdue verification tasks"), "tasks_overdue", "/verification/supervision/"),
        (_("Confirmed cases"), "cases_confirmed", "/cases/?classification=confirmed"),
        (_("Positive"), "positive", "/control/alerts/"),
        (_("Transfers not closed"), "unclosed_transfers", "/control/transfers/"),
        (_("Overdue assignments"), "directives_overdue", "/command/supervision/"),
    ]
    cards = [
        {
            "label": label,
            "value": sections.value(totals, metric),
            "delta": sections.value(totals, metric) - sections.value(before, metric),
            "link": link,
        }
        for label, metric, link in headline
    ]
    towns = []
    children = child_units(root)
    for unit, figures in zip(
        children, metrics.by_child(live, [c.path for c in children]).values(), strict=True
    ):
        pressure = (
            figures.get("tasks_overdue", 0)
            + figures.get("unchecked", 0)
            + 5 * (figures.get("abnormal", 0) + figures.get("open_loops", 0) + figures.get("positive", 0))
        )
        level = "ok" if pressure == 0 else "warn" if pressure < 10 else "bad"
        towns.append(
            {
                "unit": unit,
                "pressure": pressure,
                "level": level,
                "active": sections.active_total(figures),
                "overdue": figures.get("tasks_overdue", 0),
                "unchecked": figures.get("unchecked", 0),
                "abnormal": figures.get("abnormal", 0),
            }
        )
    return {
        "root": root,
        "day": today,
        "cards": cards,
        "trends": trends,
        "towns": towns,
        "sites": control_queries.sites(user),
        "loops": control_queries.open_loops(user)[:10],
        "on_duty": list(command_queries.on_duty(user)[:6]),
        "now": timezone.localtime(),
    }
