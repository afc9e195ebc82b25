"""Transmission chains drawn on the server as SVG: no script, works offline, prints.

Two views of the same nodes (like Go.Data's): *hierarchy* puts each generation in a column and
every node on its own row in depth-first order, so a child sits just below its parent and hundreds
of nodes stay legible by scrolling down; *timeline* keeps the rows and moves each case to its onset
date. Layout is O(n): one depth-first walk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import gettext as _

from hongyixing.cases.queries import Node

ROW = 18
COLUMN = 170
DAY = 26
MARGIN = 30
RADIUS = 6
FILL = {
    "confirmed": "#c0392b",
    "asymptomatic": "#e67e22",
    "suspected": "#f1c40f",
    "proposed": "#95a5a6",
    "excluded": "#bdc3c7",
    "contact": "#2980b9",
}


@dataclass
class Placed:
    node: Node
    x: float
    y: float


def ordered(nodes: list[Node]) -> list[Node]:
    """Depth-first order from the roots, children in the order given (generation, id)."""
    children: dict[str | None, list[Node]] = defaultdict(list)
    for n in nodes:
        children[n.parent].append(n)
    walk: list[Node] = []
    stack = list(reversed(children[None]))
    while stack:
        n = stack.pop()
        walk.append(n)
        stack.extend(reversed(children.get(n.id, [])))
    return walk


def layout(nodes: list[Node], view: str = "hierarchy") -> list[Placed]:
    walk = ordered(nodes)
    if view == "timeline":
        dates = [n.onset for n in walk if n.onset is not None]
        first = min(dates) if dates else dt.date.today()
        onset_of: dict[str, dt.date] = {}
        placed = []
        for row, n in enumerate(walk):
            # A contact without onset sits one day after its index case.
            day = n.onset or (onset_of.get(n.parent or "", first) + dt.timedelta(days=1))
            onset_of[n.id] = day
            placed.append(Placed(n, MARGIN + (day - first).days * DAY, MARGIN + row * ROW))
        return placed
    return [Placed(n, MARGIN + (n.generation - 1) * COLUMN, MARGIN + row * ROW) for row, n in enumerate(walk)]


def svg(nodes: list[Node], view: str = "hierarchy", link: str = "/people/{person}/") -> str:
    """The chain as one SVG element; every node links to the person's page."""
    placed = layout(nodes, view)
    if not placed:
        return ""
    where = {p.node.id: p for p in placed}
    width = int(max(p.x for p in placed) + COLUMN + MARGIN)
    height = int(max(p.y for p in placed) + MARGIN)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(_("Transmission chain"))}">',
        '<g stroke="#7f8c8d" stroke-width="1" fill="none">',
    ]
    for p in placed:
        parent = where.get(p.node.parent or "")
        if parent is not None:
            # An elbow: along the parent's row, then down to the child (reads as an outline).
            parts.append(f'<path d="M{parent.x:.0f},{parent.y:.0f} V{p.y:.0f} H{p.x:.0f}"/>')
    parts.append("</g>")
    if view == "timeline":
        parts.extend(_date_axis(placed))
    for p in placed:
        n = p.node
        fill = FILL.get(n.kind, "#7f8c8d")
        title = escape(f"{n.label} · {n.onset.isoformat() if n.onset else ''}")
        parts.append(
            f'<a href="{escape(link.format(person=n.person_id))}"><title>{title}</title>'
            f'<circle cx="{p.x:.0f}" cy="{p.y:.0f}" r="{RADIUS}" fill="{fill}"/>'
            f'<text x="{p.x + RADIUS + 3:.0f}" y="{p.y + 4:.0f}" font-size="11">{escape(n.label)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _date_axis(placed: list[Placed]) -> list[str]:
    dated = [p for p in placed if p.node.onset is not None]
    if not dated:
        return []
    first = min(p.node.onset for p in dated if p.node.onset)
    last = max(p.node.onset for p in dated if p.node.onset)
    out = []
    for offset in range(0, (last - first).days + 2):
        day = first + dt.timedelta(days=offset)
        x = MARGIN + offset * DAY
        out.append(f'<text x="{x}" y="12" font-size="9" fill="#555">{day.strftime("%m-%d")}</text>')
    return out


def rows(nodes: list[Node]) -> list[list[object]]:
    """The chain as table rows for the export, in the drawing's order."""
    labels = {n.id: n.label for n in nodes}
    return [
        [
            n.generation,
            n.label,
            str(kind_labels().get(n.kind, n.kind)),
            n.onset.isoformat() if n.onset else "",
            labels.get(n.parent or "", ""),
        ]
        for n in ordered(nodes)
    ]


def kind_labels() -> dict[str, str]:  # noqa: N802 - a table, computed per request for the language
    from hongyixing.cases.choices import Classification

    return {**{c.value: str(c.label) for c in Classification}, "contact": _("Contact")}
