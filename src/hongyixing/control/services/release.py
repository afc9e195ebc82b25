"""Release: what blocks it, the team's proposal and the community's confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.control import schedule
from hongyixing.control.choices import (
    MeasureSource,
    MeasureState,
    SampleStatus,
    TransferReason,
)
from hongyixing.control.models import (
    Measure,
    Stay,
)
from hongyixing.control.services.common import (
    CONFIRM_ROLES,
    _editable,
    _locked_measure,
    _require,
    _roles,
    _save,
    can_see,
    next_number,
    today,
)
from hongyixing.control.services.measures import (
    MeasureSpec,
    _close,
    _open,
)
from hongyixing.control.services.transfers import (
    TransferSpec,
    _create_transfer,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError


def release_blockers(measure: Measure, on: dt.date | None = None) -> list[str]:
    """Why the measure cannot be released yet (empty when it can)."""
    on = on or today()
    blockers = []
    if measure.state != MeasureState.ACTIVE:
        blockers.append(_("The measure is not active."))
    if on < measure.end_date:
        blockers.append(_("The period ends on %(day)s.") % {"day": measure.end_date.isoformat()})
    statuses = list(measure.samples.exclude(status=SampleStatus.CANCELLED).values_list("status", flat=True))
    if any(s == SampleStatus.POSITIVE for s in statuses):
        blockers.append(_("A test is positive."))
    waiting = sum(1 for s in statuses if s in (SampleStatus.SCHEDULED, SampleStatus.SAMPLED))
    if waiting:
        blockers.append(_("%(count)d test(s) without a negative result.") % {"count": waiting})
    return blockers


@transaction.atomic
def do_propose_release(actor: Any, measure: Measure) -> Measure:
    locked, before = _editable(actor, measure)
    blockers = release_blockers(locked)
    if blockers:
        raise DomainError("release.not_ready", " ".join(blockers))
    locked.release_proposed_at = timezone.now()
    locked.release_proposed_by = actor
    _save(actor, locked, before, "measure.release_proposed")
    return locked


@transaction.atomic
def do_confirm_release(actor: Any, measure: Measure) -> Measure:
    """The community confirms: the notice gets its number, the person goes home (a point-to-point
    transfer from a site), and the follow-on measure opens where the rule says so."""
    _require(can_see(actor, measure))
    if not (actor.is_superuser or (_roles(actor) & CONFIRM_ROLES and measure.in_scope(actor, "change"))):
        raise DomainError(
            "release.not_allowed", _("The community (village cadre or town) confirms a release.")
        )
    locked = _locked_measure(measure)
    if locked.release_proposed_at is None:
        raise DomainError("release.not_proposed", _("The team has not proposed a release."))
    blockers = release_blockers(locked)
    if blockers:
        raise DomainError("release.not_ready", " ".join(blockers))
    before = audit.snapshot(locked)
    year = timezone.localdate().year
    locked.release_number = f"洪解〔{year}〕{next_number('release', year)}号"
    locked.release_confirmed_at = timezone.now()
    locked.release_confirmed_by = actor
    stay = (
        Stay.objects.filter(measure=locked, checked_out_at__isnull=True).select_related("room__site").first()
    )
    _close(actor, locked, MeasureState.RELEASED, _("Released"))
    _save(actor, locked, before, "measure.released", {"number": locked.release_number})
    if stay is not None:
        _create_transfer(
            actor,
            TransferSpec(
                reason=TransferReason.TO_HOME,
                from_place=stay.room.site.name,
                to_place=locked.person.current_address or locked.person.domicile_address or "—",
                scheduled_at=timezone.now() + dt.timedelta(hours=2),
            ),
            [(locked.person, locked)],
            unit_path=locked.unit_path,
            grid_id=locked.grid_id,
        )
    rule = locked.rule
    if rule.follow_on_type and not locked.follow_on:
        _open(
            actor,
            locked.person,
            MeasureSpec(
                type=rule.follow_on_type,
                source=MeasureSource.FOLLOW_ON,
                category=locked.category,
                reason=_("Follows %(measure)s") % {"measure": locked.release_number},
                start=max(schedule.follow_on_start(locked.end_date), today()),
            ),
            previous=locked,
        )
    return locked
