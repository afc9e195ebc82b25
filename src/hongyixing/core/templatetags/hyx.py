from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return _("%(d)d d %(h)d h") % {"d": hours // 24, "h": hours % 24}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def time_left(deadline: dt.datetime | None, now: dt.datetime) -> str:
    if deadline is None:
        return ""
    delta = deadline - now
    if delta.total_seconds() < 0:
        return _("overdue by %(span)s") % {"span": _span(delta)}
    return _("%(span)s left") % {"span": _span(delta)}


@register.filter
def urgency(deadline: dt.datetime | None, now: dt.datetime) -> str:
    """A CSS class: overdue, soon (under 2 hours), or ok."""
    if deadline is None:
        return "ok"
    seconds = (deadline - now).total_seconds()
    return "overdue" if seconds < 0 else "soon" if seconds < 7200 else "ok"


@register.filter
def event_title(name: str) -> str:
    """An event name (``task.dispatched``) as a person reads it (核查任务：派发到网格)."""
    from hongyixing.core.history import event_heading

    return event_heading(name).title


@register.filter
def grouped(value: int | None) -> str:
    """A count with thousands separators (285,003): figures of a district are read at a glance.

    Not ``USE_THOUSAND_SEPARATOR``: that would also group the ids rendered into links."""
    if value is None:
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
