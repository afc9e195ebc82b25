"""Alerts: raising once per key, notifying, handling, and the recurring escalation sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant
from hongyixing.control import schedule
from hongyixing.control.choices import (
    AlertKind,
    AlertState,
    MeasureState,
    SampleStatus,
    Slot,
    TransferState,
)
from hongyixing.control.models import (
    Alert,
    HealthCheck,
    Measure,
    Sample,
    TeamMember,
    Transfer,
)
from hongyixing.control.services.common import (
    MEDICAL_ROLES,
    _require,
    _roles,
    can_manage,
    can_see,
)
from hongyixing.control.services.transfers import (
    can_run_transfers,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.notices.services import Notice, notify, notify_each
from hongyixing.people.models import Person


def _alert_recipients(alert: Alert) -> list[Any]:
    """The team of the measure; for transfers, positives and open loops also the command office and
    the working groups over the place."""
    users: dict[int, Any] = {}
    if alert.measure is not None:
        for member in alert.measure.team.select_related("user"):
            if member.user is not None:
                users[member.user.pk] = member.user
    if alert.kind in (AlertKind.POSITIVE_TEST, AlertKind.OPEN_LOOP, AlertKind.ABNORMAL_CHECK):
        path = alert.unit_path
        prefixes = [path[:n] for n in (4, 6, 9) if len(path) >= n]
        roles = [Role.DISTRICT_OFFICE, Role.WORKING_GROUP]
        if alert.kind == AlertKind.POSITIVE_TEST:
            roles.append(Role.CDC_STAFF)
        for grant in Grant.objects.filter(role__in=roles, unit__path__in=prefixes).select_related("user"):
            users[grant.user.pk] = grant.user
    return list(users.values())


def raise_alert(
    kind: str,
    key: str,
    message: str,
    *,
    measure: Measure | None = None,
    person: Person | None = None,
    transfer: Transfer | None = None,
    sample: Sample | None = None,
    unit_path: str = "",
    grid_id: int | None = None,
) -> Alert:
    """Raise once per key; notify in-app and through the configured channels after commit."""
    existing = Alert.objects.filter(key=key[:80]).first()
    if existing is not None:
        return existing
    place = measure or sample or transfer
    alert = Alert.objects.create(
        kind=kind,
        key=key[:80],
        measure=measure,
        person=person,
        transfer=transfer,
        sample=sample,
        unit_path=unit_path or (place.unit_path if place else ""),
        grid_id=grid_id if grid_id is not None else getattr(place, "grid_id", None),
        created_at=timezone.now(),
        message=message[:300],
    )
    audit.log_create(None, alert)
    audit.emit("alert.raised", alert, None, data={"kind": kind})
    _notify(alert)
    return alert


def _measure_link(measure_id: int | None) -> str:
    return reverse("control:measure", args=[measure_id]) if measure_id else ""


def _notify(alert: Alert) -> None:
    """The alert's people in-app; the channels hear of it from the worker after commit."""
    notify(
        _alert_recipients(alert),
        f"control.{alert.kind}",
        alert.message,
        link=_measure_link(alert.measure_id),
        now=alert.created_at,
    )


@transaction.atomic
def do_handle_alert(actor: Any, alert: Alert, state: str, note: str = "") -> Alert:
    _require(alert.in_scope(actor, "view") or (alert.measure is not None and can_see(actor, alert.measure)))
    may_act = (
        (alert.measure is not None and can_manage(actor, alert.measure))
        or (alert.transfer is not None and can_run_transfers(actor, alert.transfer.unit_path))
        or alert.in_scope(actor, "change")
        or bool(_roles(actor) & MEDICAL_ROLES)
    )
    if not may_act:
        raise DomainError("alert.not_allowed", _("You cannot handle this alert."))
    if state not in (AlertState.ACKNOWLEDGED, AlertState.CLOSED):
        raise DomainError("alert.bad_state", _("Choose acknowledge or close."))
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.state == AlertState.CLOSED:
        raise DomainError("alert.closed", _("This alert is already closed."))
    before = audit.snapshot(locked)
    locked.state = state
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    locked.note = note[:200]
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


@transaction.atomic
def do_handle_alerts(actor: Any, alerts: Any, state: str, note: str = "") -> tuple[int, int]:
    """The ticked alerts of a list acknowledged or closed in one transaction; each goes through
    :func:`do_handle_alert`'s own checks (in a savepoint), so one refused alert (closed meanwhile,
    not the actor's to handle) is counted and skipped without undoing the others. Returns
    (handled, refused)."""
    if state not in (AlertState.ACKNOWLEDGED, AlertState.CLOSED):
        raise DomainError("alert.bad_state", _("Choose acknowledge or close."))
    done = refused = 0
    for alert in alerts:
        try:
            do_handle_alert(actor, alert, state, note)
        except DomainError:
            refused += 1
        else:
            done += 1
    return done, refused


def _missed_check_candidates(day: dt.date, slot: str, cutoff: dt.datetime) -> Any:
    """Running measures without a check for the slot. A measure recorded after the slot's cut-off
    (backdated to when the person was found) owes no check for it: nobody could have taken one."""
    checked = HealthCheck.objects.filter(measure=OuterRef("pk"), day=day, slot=slot)
    return (
        Measure.objects.filter(
            state=MeasureState.ACTIVE, start_date__lte=day, end_date__gte=day, opened_at__lte=cutoff
        )
        .exclude(Exists(checked))
        .select_related("person")
    )


def _known_keys(keyed: dict[str, Any]) -> set[str]:
    return set(Alert.objects.filter(key__in=list(keyed)).values_list("key", flat=True)) if keyed else set()


def _raise_missed_checks(
    fresh: list[tuple[str, Measure]], day: dt.date, slot_label: str, now: dt.datetime
) -> int:
    """After a cut-off many people can miss a check at once: their alerts, the team notices and the
    events are written in bulk, and the channels get one summary instead of a message per person."""
    if not fresh:
        return 0
    template = _("%(name)s has no %(slot)s check for %(day)s")
    alerts = [
        Alert(
            kind=AlertKind.MISSED_CHECK,
            key=key,
            measure_id=m.pk,
            person_id=m.person_id,
            unit_path=m.unit_path,
            grid_id=m.grid_id,
            created_at=now,
            message=(template % {"name": m.person.name, "slot": slot_label, "day": day.strftime("%m-%d")})[
                :300
            ],
        )
        for key, m in fresh
    ]
    Alert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=1000)
    stored = list(Alert.objects.filter(key__in=[key for key, _m in fresh], created_at=now))
    by_measure = {a.measure_id: a for a in stored}
    team = TeamMember.objects.filter(measure_id__in=list(by_measure), user__isnull=False)
    audit.log_bulk_create(None, stored)
    audit.emit_bulk("alert.raised", stored)
    summary = _("%(count)d people have no %(slot)s check for %(day)s") % {
        "count": len(stored),
        "slot": slot_label,
        "day": day.strftime("%m-%d"),
    }
    notify_each(
        [
            Notice(
                user_id,
                f"control.{AlertKind.MISSED_CHECK}",
                by_measure[measure_id].message,
                link=_measure_link(measure_id),
            )
            for measure_id, user_id in team.values_list("measure_id", "user_id")
        ],
        summary=summary,
        now=now,
    )
    return len(stored)


@transaction.atomic
def do_escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """The recurring sweep: missed checks after each cut-off, overdue samples, open transfer loops.
    Idempotent (alerts are keyed), so a second worker or a rerun raises nothing new."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    tz = timezone.get_current_timezone()
    counts = {"missed_check": 0, "overdue_sample": 0, "open_loop": 0}
    slots: list[tuple[dt.date, str, dt.datetime]] = []
    yesterday = local.date() - dt.timedelta(days=1)
    for day in (yesterday, local.date()):
        cutoffs = schedule.slot_cutoffs(day, settings.CHECK_MORNING_CUTOFF, settings.CHECK_EVENING_CUTOFF, tz)
        slots += [(day, slot, cutoff) for slot, cutoff in cutoffs.items() if cutoff <= local]
    labels = dict(Slot.choices)
    for day, slot, cutoff in slots:
        candidates = _missed_check_candidates(day, slot, cutoff)
        keys = {f"missed:{m.pk}:{day.isoformat()}:{slot}": m for m in candidates}
        known = _known_keys(keys)
        fresh = [(key, measure) for key, measure in keys.items() if key not in known]
        counts["missed_check"] += _raise_missed_checks(fresh, day, str(labels[slot]), now)
    # A sample due before its measure was recorded (a backdated start) was never missed by anyone.
    due = Sample.objects.filter(status=SampleStatus.SCHEDULED, due_date__lt=local.date())
    overdue = [
        s
        for s in due.select_related("person", "measure")
        if s.measure is None or s.due_date >= timezone.localtime(s.measure.opened_at).date()
    ]
    known = _known_keys({f"sample:{s.pk}": s for s in overdue})
    for sample in overdue:
        key = f"sample:{sample.pk}"
        if key not in known:
            raise_alert(
                AlertKind.OVERDUE_SAMPLE,
                key,
                _("%(name)s's test due %(day)s has not been sampled")
                % {"name": sample.person.name, "day": sample.due_date.strftime("%m-%d")},
                measure=sample.measure,
                person=sample.person,
                sample=sample,
            )
            counts["overdue_sample"] += 1
    limit = now - dt.timedelta(minutes=settings.TRANSFER_OPEN_LOOP_MINUTES)
    open_loops = list(Transfer.objects.filter(state=TransferState.PICKED_UP, picked_up_at__lt=limit))
    known = _known_keys({f"loop:{t.pk}": t for t in open_loops})
    for transfer in open_loops:
        key = f"loop:{transfer.pk}"
        if key not in known:
            raise_alert(
                AlertKind.OPEN_LOOP,
                key,
                _("Transfer %(number)s picked up at %(time)s has not been handed over")
                % {
                    "number": transfer.number,
                    "time": timezone.localtime(transfer.picked_up_at).strftime("%m-%d %H:%M"),
                },
                transfer=transfer,
            )
            counts["open_loop"] += 1
    return counts
