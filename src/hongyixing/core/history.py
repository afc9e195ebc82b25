"""How the history of a person reads (全流程记录): plain words for events and field changes.

Domain events are named ``subject.action`` (``task.dispatched``, ``measure.released``). Each app says
what its subjects are called in its own ``history.py`` (``SUBJECTS = {"task": (group, label)}``, found
the first time a history is read, like the admin's autodiscovery); the actions share one vocabulary
below. A name nobody registered still reads as words ("其他：记录"), never as the code.
Change-log rows read as "<model's name> 新建 / 修改 / 删除" with each field's own label and its values
shown as a person would write them: choices by their label, times in local time, nothing for empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

_SUBJECTS: dict[str, tuple[Any, Any]] = {}


def _verb(text: str) -> Any:
    # The same English words are column headings elsewhere ("created" = 创建时间): verbs of a history
    # have their own context in the catalogue.
    return pgettext_lazy("history", text)


# What happened, for every subject: the last part of an event's name.
ACTIONS: dict[str, Any] = {
    "created": _verb("created"),
    "received": _verb("received"),
    "exported": _verb("exported"),
    "dispatched": _verb("dispatched to the grid"),
    "assigned": _verb("assigned"),
    "accepted": _verb("accepted"),
    "accept": _verb("accepted"),
    "returned": _verb("returned for rework"),
    "return": _verb("returned for rework"),
    "forwarded": _verb("forwarded"),
    "forward": _verb("forwarded"),
    "submitted": _verb("submitted"),
    "feedback": _verb("feedback submitted"),
    "closed": _verb("closed"),
    "close": _verb("closed"),
    "reopened": _verb("reopened"),
    "reopen": _verb("reopened"),
    "cancelled": _verb("cancelled"),
    "cancel": _verb("cancelled"),
    "warned_50": _verb("half of the time used"),
    "warned_80": _verb("80% of the time used"),
    "warned": _verb("deadline warning"),
    "overdue": _verb("overdue, escalated"),
    "escalated": _verb("escalated"),
    "supervised": _verb("put under supervision"),
    "requested": _verb("requested"),
    "opened": _verb("opened"),
    "extended": _verb("extended"),
    "ended": _verb("ended"),
    "ended_early": _verb("ended early"),
    "converted": _verb("converted"),
    "released": _verb("released"),
    "release_proposed": _verb("release proposed"),
    "transferred_out": _verb("transferred out"),
    "abnormal": _verb("abnormal result"),
    "raised": _verb("raised"),
    "handled": _verb("handled"),
    "result": _verb("result recorded"),
    "sampled": _verb("sampled"),
    "picked_up": _verb("picked up"),
    "handed_over": _verb("handed over"),
    "checked_in": _verb("checked in"),
    "checked_out": _verb("checked out"),
    "visited": _verb("visited"),
    "revealed": _verb("full identifier viewed (logged)"),
    "measure_opened": _verb("control measure opened"),
    "task_raised": _verb("verification task raised"),
    "issued": _verb("issued"),
    "acknowledged": _verb("acknowledged"),
    "progress": _verb("progress reported"),
    "completed": _verb("reported done"),
    "signed": _verb("signed"),
    "classified": _verb("classified"),
    "confirmed": _verb("confirmed"),
    "excluded": _verb("excluded"),
    "upgraded": _verb("upgraded"),
    "linked": _verb("linked"),
    "moved": _verb("moved"),
    "died": _verb("died"),
    "granted": _verb("role granted"),
    "itinerary_added": _verb("itinerary added"),
    "updated": _verb("updated"),
    "found": _verb("found"),
    "judged": _verb("judged"),
    "registered": _verb("registered"),
    "staff_listed": _verb("staff listed"),
    "approved": _verb("approved"),
    "inspected": _verb("inspected"),
    "batch_created": _verb("payment batch made"),
    "paid": _verb("paid"),
    "reported": _verb("reported"),
    "solved": _verb("solved"),
    "milestone_reached": _verb("milestone reached"),
    "stage": _verb("stage changed"),
    "superseded": _verb("new version"),
}
CHANGE_ACTIONS: dict[str, Any] = {
    "create": _verb("created"),
    "update": _verb("changed"),
    "delete": _verb("deleted"),
}
OTHER = _("Other")
RECORDED = _verb("recorded")
NOT_SHOWN = _("(not shown)")


_discovered = False
# Labels of stored codes in fields that carry no choices: {object_type: {field: {code: label}}}.
_VALUE_LABELS: dict[str, dict[str, dict[str, Any]]] = {}


def register(subject: str, group: Any, label: Any | None = None) -> None:
    """``subject`` (the first part of event names) belongs to ``group`` and is called ``label``."""
    _SUBJECTS[subject] = (group, label if label is not None else group)


def _subjects() -> dict[str, tuple[Any, Any]]:
    global _discovered
    if not _discovered:
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.history")
            except ModuleNotFoundError as missing:
                if missing.name != f"{config.name}.history":
                    raise
                continue
            for subject, (group, label) in getattr(module, "SUBJECTS", {}).items():
                register(subject, group, label)
            for object_type, fields in getattr(module, "VALUE_LABELS", {}).items():
                _VALUE_LABELS.setdefault(object_type, {}).update(fields)
        _discovered = True
    return _SUBJECTS


@dataclass(frozen=True)
class Heading:
    group: str
    title: str


def event_heading(name: str) -> Heading:
    subject, _sep, action = name.partition(".")
    group, label = _subjects().get(subject, (OTHER, OTHER))
    verb = ACTIONS.get(action) or ACTIONS.get(action.rsplit("_", 1)[-1]) or RECORDED
    return Heading(str(group), f"{label}：{verb}")


def change_heading(object_type: str, action: str) -> Heading:
    model = _model(object_type)
    label = _model_label(model)
    subject = object_type.rsplit(".", 1)[-1]
    group = _subjects().get(subject, (label, label))[0]
    return Heading(str(group), f"{label}：{CHANGE_ACTIONS.get(action, RECORDED)}")


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def field_changes(object_type: str, changes: dict[str, Any]) -> list[FieldChange]:
    """Each changed field by its label, values as a person reads them (never raw codes or UTC)."""
    model = _model(object_type)
    # Values a history must not show whoever reads it (a birth date beside a masked ID number would
    # help rebuild it): the model names them; the row still says that the field changed.
    hidden = set(getattr(model, "history_hidden_fields", ()))
    _subjects()
    labels = _VALUE_LABELS.get(object_type, {})
    rows = []
    for name, values in (changes or {}).items():
        before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        field = _field(model, name)
        label = _field_label(field, name)
        if name in hidden:
            rows.append(FieldChange(label, str(NOT_SHOWN), str(NOT_SHOWN)))
            continue
        if name in labels:
            rows.append(FieldChange(label, _coded(labels[name], before), _coded(labels[name], after)))
            continue
        rows.append(FieldChange(label, readable(field, before), readable(field, after)))
    return rows


def _coded(labels: dict[str, Any], value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(labels.get(str(value), RECORDED))


def data_details(data: dict[str, Any]) -> list[FieldChange]:
    """An event's data: only plain values a person can read (ids and codes are left out)."""
    rows = []
    for key, value in (data or {}).items():
        if key not in _KNOWN_KEYS or isinstance(value, dict | list):
            continue
        rows.append(FieldChange(_humane_name(key), "", readable(None, value)))
    return rows


def readable(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str):
        moment = parse_datetime(value) if "T" in value else None
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "Y-m-d H:i")
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            return date_format(day, "Y-m-d")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i")
    return str(value)


def _model_label(model: type[models.Model] | None) -> Any:
    """A model's name; one left to Django's default (an English ``str``, not a translation) is "Other"."""
    if model is None or isinstance(model._meta.verbose_name, str):
        return OTHER
    return model._meta.verbose_name


def _field_label(field: models.Field | None, name: str) -> str:
    """A field's label; a relation named by Django's default takes the related model's name."""
    if field is None:
        return _humane_name(name)
    if not isinstance(field.verbose_name, str):
        return str(field.verbose_name)
    related = field.related_model if isinstance(field.related_model, type) else None
    if related is not None and not isinstance(related._meta.verbose_name, str):
        return str(related._meta.verbose_name)
    return _humane_name(name)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return field if isinstance(field, models.Field) else None
    return None


# Event data shown on the timeline: free text a person wrote, by its label. Other keys (ids, codes)
# are what the field-level change rows already say in words, so they are not repeated raw.
_KNOWN_KEYS: dict[str, Any] = {
    "reason": _("Reason"),
    "note": _("Note"),
    "temperature": _("Temperature (°C)"),
    "days": _("Days"),
    "number": _("Number"),
    "destination": _("Destination"),
}


def _humane_name(key: str) -> str:
    return str(_KNOWN_KEYS.get(key, _("Detail")))


def events_of(subject: models.Model, limit: int = 50) -> models.QuerySet:
    """A subject's own timeline (a task's, an assignment's), newest first: read through the
    (subject type, subject id, time) index. Without it the page walked a city's every event by time
    (1.4 M at a million persons) to find a task's few."""
    from hongyixing.core.models import DomainEvent

    return (
        DomainEvent.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)
        .select_related("user")
        .order_by("-time")[:limit]
    )
