"""The economic half of the double-victory dashboard and the daily report (复工复产, 项目, 指标).

Read from the enterprises and projects apps' queries; each figure links to the list behind it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class EconomyCard:
    label: str
    value: str
    link: str
    detail: str = ""


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


def economy_cards(user: Any) -> list[EconomyCard]:
    from hongyixing.enterprises.queries import economic_figures
    from hongyixing.projects.queries import behind_count, project_counts

    figures = economic_figures(user)
    e, s, c = figures["enterprises"], figures["staff"], figures["claims"]
    ents, claims = reverse("enterprises:list"), reverse("enterprises:claims")
    projects = project_counts(user)
    behind, indicators = behind_count(user)
    return [
        EconomyCard(_("Enterprises resumed"), f"{e['resumed']}/{e['total']}", f"{ents}?resumed=1"),
        EconomyCard(
            _("Above-scale enterprises resumed"),
            f"{e['above_resumed']}/{e['above_total']}",
            f"{ents}?resumed=1&above=1",
        ),
        EconomyCard(
            _("Filings waiting for review"),
            str(figures["filings"]["submitted"]),
            reverse("enterprises:filings"),
        ),
        EconomyCard(_("Returning staff listed"), str(s["total"]), ents),
        EconomyCard(_("Returning staff under measures"), str(s["controlled"]), reverse("control:measures")),
        EconomyCard(_("Subsidy claims received"), str(c["received"]), claims, _yuan(c["received_amount"])),
        EconomyCard(
            _("Subsidy claims approved"),
            str(c["approved"]),
            f"{claims}?state=approved",
            _yuan(c["approved_amount"]),
        ),
        EconomyCard(
            _("Subsidy claims paid"), str(c["paid"]), f"{claims}?state=paid", _yuan(c["paid_amount"])
        ),
        EconomyCard(
            _("Enterprise problems open"), str(figures["open_problems"]), reverse("enterprises:problems")
        ),
        EconomyCard(
            _("Major projects started"),
            f"{projects['started']}/{projects['total']}",
            reverse("projects:list"),
        ),
        EconomyCard(_("Projects on schedule"), str(projects["on_schedule"]), reverse("projects:list")),
        EconomyCard(
            _("Indicators behind target"),
            f"{behind}/{indicators}",
            reverse("projects:indicators") + "?behind=1",
        ),
    ]
