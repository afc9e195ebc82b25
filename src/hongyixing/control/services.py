"""Every write of control measures: measures and their teams, checks, tests, sites, transfers,
alerts and release. Each function is one transaction that writes its audit rows and events."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.models import Grant
from hongyixing.accounts.permissions import roles_of
from hongyixing.control import schedule
from hongyixing.control.choices import (
    SUITABILITY_ITEMS,
    TEAM_DUTIES,
    AlertKind,
    AlertState,
    CheckSource,
    MeasureCategory,
    MeasureSource,
    MeasureState,
    MeasureType,
    RoomStatus,
    SampleStatus,
    Slot,
    Symptom,
    TeamRole,
    TransferOutState,
    TransferReason,
    TransferState,
)
from hongyixing.control.models import (
    Alert,
    DocumentCounter,
    HealthCheck,
    InboundArrival,
    Measure,
    Room,
    Sample,
    SelfReportLink,
    Site,
    Stay,
    TeamMember,
    Transfer,
    TransferPerson,
)
from hongyixing.core import audit
from hongyixing.core.crypto import seal
from hongyixing.core.scope import scope_for
from hongyixing.people.choices import DocumentType
from hongyixing.people.models import Person
from hongyixing.people.services import document_index
from hongyixing.rules.services import measure_rule
from hongyixing.verification import notify
from hongyixing.verification.models import Notification

CENTRAL = MeasureType.CENTRAL_ISOLATION
HOME_TYPES = {MeasureType.HOME_ISOLATION, MeasureType.HOME_MONITORING, MeasureType.HEALTH_MONITORING}
# Who confirms a release for the community, and who runs transfers (the transfer group works from
# the district office's and the towns' accounts).
CONFIRM_ROLES = {Role.VILLAGE_CADRE, Role.TOWN_OFFICER, Role.DISTRICT_OFFICE}
TRANSFER_ROLES = {Role.DISTRICT_OFFICE, Role.TOWN_OFFICER, Role.WORKING_GROUP}
MEDICAL_ROLES = {Role.CDC_STAFF}
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


class ControlError(ValueError):
    def __init__(self, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors or []


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Permissions (on top of restrict(): the role a step needs)


def _roles(actor: Any) -> set[str]:
    return set() if actor is None else roles_of(actor)


def can_manage(actor: Any, measure: Measure) -> bool:
    """Change the measure: anyone with change scope on the person's place, CDC staff in scope, or a
    member of the person's team."""
    if actor is None:
        return False
    if actor.is_superuser or measure.in_scope(actor, "change"):
        return True
    if _roles(actor) & MEDICAL_ROLES and measure.in_scope(actor, "view"):
        return True
    return measure.team.filter(user=actor).exists()


def can_see(actor: Any, measure: Measure) -> bool:
    return measure.in_scope(actor, "view") or (actor is not None and measure.team.filter(user=actor).exists())


def _require(condition: bool) -> None:
    if not condition:
        raise Http404


def _locked_measure(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().get(pk=measure.pk)


def _check_version(measure: Measure, expected: int | None) -> None:
    if expected is not None and measure.version != expected:
        raise ControlError("measure.stale", _("Someone else changed this record; reload and try again."))


def next_number(kind: str, year: int) -> int:
    counter, _created = DocumentCounter.objects.select_for_update().get_or_create(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# ---------------------------------------------------------------------------------------------
# Opening measures


@dataclass
class MeasureSpec:
    type: str
    source: str = MeasureSource.MANUAL
    category: str = MeasureCategory.GENERAL
    reason: str = ""
    arrival: dt.date | None = None
    last_exposure: dt.date | None = None
    start: dt.date | None = None
    task: Any = None


@dataclass
class TeamSpec:
    role: str
    user: Any
    name: str
    duty: str = ""


def propose_team(person: Person) -> list[TeamSpec]:
    """The team of four from the person's grid and village: the grid's worker, the village's cadre,
    and the nearest community police and CDC staff whose unit covers the person's address."""
    path = person.unit_path
    prefixes = [path[:n] for n in (6, 9, 12, 15, 18) if len(path) >= n]
    grants = list(
        Grant.objects.filter(
            Q(grid_id=person.grid_id, role=Role.GRID_WORKER)
            | Q(unit__path__in=prefixes, role__in=[Role.VILLAGE_CADRE, Role.COMMUNITY_POLICE, Role.CDC_STAFF])
        )
        .filter(user__is_active=True)
        .select_related("user", "unit")
        .order_by("id")
    )

    def nearest(role: str, exact_village: bool = False) -> Any:
        found = [(g.unit.path, g.user) for g in grants if g.role == role and g.unit is not None]
        if exact_village:
            found = [(p, u) for p, u in found if p == path[:12]]
        found.sort(key=lambda pair: -len(pair[0]))
        return found[0][1] if found else None

    workers = [g.user for g in grants if g.role == Role.GRID_WORKER]
    chosen = {
        TeamRole.GRID_WORKER: workers[0] if workers else None,
        TeamRole.CADRE: nearest(Role.VILLAGE_CADRE, exact_village=True),
        TeamRole.POLICE: nearest(Role.COMMUNITY_POLICE),
        TeamRole.MEDICAL: nearest(Role.CDC_STAFF),
    }
    return [
        TeamSpec(role=role, user=user, name=str(user), duty=str(TEAM_DUTIES[TeamRole(role)]))
        for role, user in chosen.items()
        if user is not None
    ]


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, hashlib.sha256(token.encode()).hexdigest()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _schedule_samples(actor: Any, measure: Measure, day_numbers: Sequence[int] | None = None) -> list[Sample]:
    wanted = schedule.test_dates(measure.start_date, day_numbers or measure.test_days, measure.end_date)
    existing = set(measure.samples.values_list("day_number", flat=True)) if measure.pk else set()
    samples = [
        Sample(
            measure=measure,
            person_id=measure.person_id,
            unit_path=measure.unit_path,
            grid_id=measure.grid_id,
            day_number=n,
            due_date=due,
        )
        for n, due in wanted
        if n not in existing
    ]
    created = Sample.objects.bulk_create(samples)
    if created and created[0].pk is None:  # backends without RETURNING on bulk insert
        created = list(measure.samples.filter(day_number__in=[s.day_number for s in samples]))
    audit.log_bulk_create(actor, created)
    return created


def _open(actor: Any, person: Person, spec: MeasureSpec, *, previous: Measure | None = None) -> Measure:
    if Measure.objects.filter(person=person, state=MeasureState.ACTIVE).exists():
        raise ControlError("measure.already_active", _("This person is already under a measure."))
    start = spec.start or schedule.start_from(spec.arrival, spec.last_exposure, today())
    follow_on = spec.source == MeasureSource.FOLLOW_ON
    # A follow-on phase belongs to the rule of the measure it follows (7+3 is one rule).
    rule = (
        previous.rule if follow_on and previous is not None else measure_rule(spec.type, spec.category, start)
    )
    period = rule.follow_on_days if follow_on else rule.period_days
    tests = list(rule.follow_on_test_days if follow_on else rule.test_days)
    measure = Measure(
        person=person,
        type=spec.type,
        category=spec.category,
        source=spec.source,
        reason=spec.reason[:200],
        task=spec.task,
        rule=rule,
        follow_on=follow_on,
        previous=previous,
        start_date=start,
        period_days=period,
        test_days=tests,
        end_date=schedule.end_date(start, period),
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        household_id=person.household_id,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        opened_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            measure.save()
    except IntegrityError as error:  # two desks opening at the same moment
        raise ControlError("measure.already_active", _("This person is already under a measure.")) from error
    audit.log_create(actor, measure)
    team = [
        TeamMember(measure=measure, role=t.role, user=t.user, name=t.name, duty=t.duty)
        for t in propose_team(person)
    ]
    TeamMember.objects.bulk_create(team)
    audit.log_bulk_create(actor, list(measure.team.all()))
    _schedule_samples(actor, measure)
    token, digest = _token()
    SelfReportLink.objects.create(
        measure=measure, digest=digest, token_sealed=seal(token), created_at=timezone.now()
    )
    audit.emit(
        "measure.opened",
        measure,
        actor,
        data={"type": measure.type, "source": measure.source, "end": measure.end_date.isoformat()},
    )
    return measure


@transaction.atomic
def do_open_measure(actor: Any, person: Person, spec: MeasureSpec) -> Measure:
    _require(
        person.in_scope(actor, "change")
        or bool(_roles(actor) & MEDICAL_ROLES and person.in_scope(actor, "view"))
    )
    if spec.type not in MeasureType.values:
        raise ControlError("measure.bad_type", _("Choose a measure type."))
    if spec.category not in MeasureCategory.values:
        raise ControlError("measure.bad_category", _("Choose a category."))
    try:
        return _open(actor, person, spec)
    except LookupError as error:
        raise ControlError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error


def open_from_verification(
    actor: Any, task: Any, measure_type: str, arrival: dt.date | None
) -> Measure | None:
    """A verification disposition that calls for a measure: open it for the task's person, in the
    same transaction as the feedback. A person already under a measure keeps it."""
    if task.person_id is None or measure_type not in MeasureType.values:
        return None
    person = Person.objects.get(pk=task.person_id)
    if Measure.objects.filter(person=person, state=MeasureState.ACTIVE).exists():
        return None
    category = {
        "close_contact": MeasureCategory.CLOSE_CONTACT,
        "inbound": MeasureCategory.INBOUND,
    }.get(task.category, MeasureCategory.GENERAL)
    spec = MeasureSpec(
        type=measure_type,
        source=MeasureSource.VERIFICATION,
        category=category,
        reason=_("Verification task %(number)s") % {"number": task.pk},
        arrival=arrival,
        task=task,
    )
    return _open(actor, person, spec)


@transaction.atomic
def do_request_test(actor: Any, person: Person, reason: str = "") -> Sample:
    """A one-off test without a measure (the verification disposition "test ordered")."""
    sample = Sample.objects.create(
        person=person, unit_path=person.unit_path, grid_id=person.grid_id, due_date=today()
    )
    audit.log_create(actor, sample)
    audit.emit("test.requested", sample, actor, data={"reason": reason[:100]})
    return sample


# ---------------------------------------------------------------------------------------------
# Changing a measure


def _save(
    actor: Any, measure: Measure, before: dict[str, Any], event: str, data: dict[str, Any] | None = None
) -> None:
    measure.version += 1
    measure.save()
    audit.log_update(actor, measure, before)
    audit.emit(event, measure, actor, data=data)


def _editable(
    actor: Any, measure: Measure, expected_version: int | None = None
) -> tuple[Measure, dict[str, Any]]:
    _require(can_see(actor, measure))
    if not can_manage(actor, measure):
        raise ControlError("measure.not_allowed", _("You cannot change this measure."))
    locked = _locked_measure(measure)
    _check_version(locked, expected_version)
    if locked.state != MeasureState.ACTIVE:
        raise ControlError("measure.closed", _("This measure is no longer active."))
    return locked, audit.snapshot(locked)


@transaction.atomic
def do_record_suitability(actor: Any, measure: Measure, answers: dict[str, bool]) -> Measure:
    locked, before = _editable(actor, measure)
    locked.suitability = {key: bool(answers.get(key)) for key in SUITABILITY_ITEMS}
    locked.suitable = all(locked.suitability.values())
    locked.suitability_checked_at = timezone.now()
    _save(actor, locked, before, "measure.suitability", {"suitable": locked.suitable})
    return locked


@transaction.atomic
def do_sign_notice(
    actor: Any, measure: Measure, signed_by: str, signed_at: dt.datetime | None = None
) -> Measure:
    if not signed_by.strip():
        raise ControlError("notice.no_signature", _("Enter who signed the notice."))
    locked, before = _editable(actor, measure)
    locked.notice_signed_by = signed_by.strip()[:60]
    locked.notice_signed_at = signed_at or timezone.now()
    _save(actor, locked, before, "measure.notice_signed")
    return locked


@transaction.atomic
def do_extend(
    actor: Any, measure: Measure, days: int, reason: str, expected_version: int | None = None
) -> Measure:
    if not 1 <= days <= 28:
        raise ControlError("measure.bad_extension", _("An extension is 1 to 28 days."))
    if not reason.strip():
        raise ControlError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure, expected_version)
    locked.extension_days += days
    locked.test_days = schedule.extended_test_days(
        locked.test_days, locked.period_days, locked.extension_days
    )
    locked.end_date = schedule.end_date(locked.start_date, locked.period_days, locked.extension_days)
    _save(actor, locked, before, "measure.extended", {"days": days, "reason": reason[:200]})
    _schedule_samples(actor, locked)
    return locked


def _close(actor: Any, measure: Measure, state: str, reason: str) -> None:
    measure.state = state
    measure.closed_at = timezone.now()
    measure.close_reason = reason[:200]
    SelfReportLink.objects.filter(measure=measure, revoked_at__isnull=True).update(revoked_at=timezone.now())
    cancelled = list(measure.samples.filter(status=SampleStatus.SCHEDULED))
    for sample in cancelled:
        before = audit.snapshot(sample)
        sample.status = SampleStatus.CANCELLED
        sample.save(update_fields=["status"])
        audit.log_update(actor, sample, before)
    for stay in Stay.objects.filter(measure=measure, checked_out_at__isnull=True):
        _check_out(actor, stay, reason)


@transaction.atomic
def do_end_early(actor: Any, measure: Measure, reason: str, expected_version: int | None = None) -> Measure:
    if not reason.strip():
        raise ControlError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure, expected_version)
    _close(actor, locked, MeasureState.ENDED_EARLY, reason)
    _save(actor, locked, before, "measure.ended_early", {"reason": reason[:200]})
    return locked


@transaction.atomic
def do_convert(actor: Any, measure: Measure, new_type: str, reason: str) -> Measure:
    """Home → centralised (the home failed the suitability check) or any other change of type. The
    clock keeps running from the original start; the new type's rule applies from there."""
    if new_type not in MeasureType.values or new_type == measure.type:
        raise ControlError("measure.bad_type", _("Choose a different measure type."))
    if not reason.strip():
        raise ControlError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure)
    _close(actor, locked, MeasureState.CONVERTED, reason)
    _save(actor, locked, before, "measure.converted", {"to": new_type})
    spec = MeasureSpec(
        type=new_type,
        source=MeasureSource.CONVERSION,
        category=locked.category,
        reason=reason,
        start=locked.start_date,
        task=locked.task,
    )
    try:
        return _open(actor, locked.person, spec, previous=locked)
    except LookupError as error:
        raise ControlError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error


@transaction.atomic
def do_request_transfer_out(actor: Any, measure: Measure, destination: str, reason: str) -> Measure:
    if not destination.strip():
        raise ControlError("transfer_out.no_destination", _("Enter the receiving district."))
    locked, before = _editable(actor, measure)
    if locked.transfer_out_state == TransferOutState.REQUESTED:
        raise ControlError("transfer_out.pending", _("A transfer is already waiting for approval."))
    locked.transfer_out_to = destination.strip()[:100]
    locked.transfer_out_state = TransferOutState.REQUESTED
    _save(
        actor,
        locked,
        before,
        "measure.transfer_out_requested",
        {"to": locked.transfer_out_to, "reason": reason[:200]},
    )
    return locked


@transaction.atomic
def do_decide_transfer_out(actor: Any, measure: Measure, approve: bool) -> Measure:
    """Only the district command office approves handing a person to another district."""
    _require(can_see(actor, measure))
    if not (actor.is_superuser or Role.DISTRICT_OFFICE in _roles(actor)):
        raise ControlError(
            "transfer_out.not_allowed", _("Only the district command office approves transfers.")
        )
    locked = _locked_measure(measure)
    if locked.transfer_out_state != TransferOutState.REQUESTED or locked.state != MeasureState.ACTIVE:
        raise ControlError("transfer_out.not_requested", _("No transfer is waiting for approval."))
    before = audit.snapshot(locked)
    if approve:
        locked.transfer_out_state = TransferOutState.APPROVED
        _close(
            actor,
            locked,
            MeasureState.TRANSFERRED_OUT,
            _("Handed over to %(to)s") % {"to": locked.transfer_out_to},
        )
    else:
        locked.transfer_out_state = TransferOutState.REJECTED
    _save(actor, locked, before, "measure.transfer_out_decided", {"approved": approve})
    return locked


@transaction.atomic
def do_set_team_member(
    actor: Any, measure: Measure, role: str, user: Any, name: str, duty: str = ""
) -> TeamMember:
    if role not in TeamRole.values:
        raise ControlError("team.bad_role", _("Choose a team role."))
    if user is None and not name.strip():
        raise ControlError("team.no_member", _("Choose a user or enter a name."))
    locked, _before = _editable(actor, measure)
    member = TeamMember.objects.filter(measure=locked, role=role).first()
    values = {
        "user": user,
        "name": (name.strip() or str(user))[:60],
        "duty": (duty or str(TEAM_DUTIES[TeamRole(role)]))[:200],
    }
    if member is None:
        member = TeamMember.objects.create(measure=locked, role=role, **values)
        audit.log_create(actor, member)
    else:
        before = audit.snapshot(member)
        for key, value in values.items():
            setattr(member, key, value)
        member.save()
        audit.log_update(actor, member, before)
    return member


# ---------------------------------------------------------------------------------------------
# Health checks


@dataclass
class CheckInput:
    client_id: str
    measure_id: int
    temperature: Any = None
    symptoms: list[str] = field(default_factory=list)
    day: dt.date | None = None
    slot: str | None = None


@dataclass
class CheckResult:
    client_id: str
    check_id: int
    duplicate: bool
    abnormal: bool


def _parse_check(item: CheckInput, now_local: dt.datetime) -> dict[str, Any]:
    try:
        client_id = uuid.UUID(str(item.client_id))
    except ValueError as error:
        raise ValueError(_("The submission id is not valid.")) from error
    temperature = None
    if item.temperature not in (None, ""):
        try:
            temperature = Decimal(str(item.temperature)).quantize(Decimal("0.1"))
        except InvalidOperation as error:
            raise ValueError(_("The temperature is not a number.")) from error
        low, high = TEMPERATURE_RANGE
        if not temperature.is_finite() or not low <= temperature <= high:
            raise ValueError(_("A temperature must be between 34.0 and 43.0 °C."))
    symptoms = sorted(set(item.symptoms))
    if any(s not in Symptom.values for s in symptoms):
        raise ValueError(_("Unknown symptom."))
    if temperature is None and not symptoms:
        raise ValueError(_("Enter a temperature."))
    day = item.day or now_local.date()
    if day > now_local.date():
        raise ValueError(_("A check cannot be for a future day."))
    slot = item.slot or schedule.slot_at(now_local, settings.CHECK_MORNING_CUTOFF)
    if slot not in Slot.values:
        raise ValueError(_("Choose morning or evening."))
    abnormal = bool(symptoms) or (
        temperature is not None and temperature >= Decimal(settings.ABNORMAL_TEMPERATURE)
    )
    return {
        "client_id": client_id,
        "temperature": temperature,
        "symptoms": ",".join(symptoms),
        "day": day,
        "slot": slot,
        "abnormal": abnormal,
    }


def _allowed_measures(
    actor: Any, source: str, ids: set[int], self_measure: Measure | None
) -> dict[int, Measure]:
    if source == CheckSource.SELF:
        return {self_measure.pk: self_measure} if self_measure is not None and self_measure.pk in ids else {}
    fields = ("id", "person_id", "unit_path", "grid_id", "state", "start_date", "end_date")
    candidates = list(Measure.objects.filter(pk__in=ids).only(*fields))
    if source == CheckSource.SITE:
        sites = Site.objects.restrict(actor, "change")
        at_site = set(
            Stay.objects.filter(
                measure_id__in=ids, checked_out_at__isnull=True, room__site__in=sites
            ).values_list("measure_id", flat=True)
        )
        return {m.pk: m for m in candidates if m.pk in at_site}
    # The same test restrict() applies, on rows already fetched by primary key (the hot path of
    # twice-daily checks); team members reach their people outside their tree scope.
    scope = scope_for(actor, "change")
    allowed = {m.pk: m for m in candidates if scope.covers(m.unit_path, m.grid_id)}
    others = [m.pk for m in candidates if m.pk not in allowed]
    if others:
        on_team = set(
            TeamMember.objects.filter(user=actor, measure_id__in=others).values_list("measure_id", flat=True)
        )
        allowed.update({m.pk: m for m in candidates if m.pk in on_team})
    return allowed


_CHECK_COLUMNS = (
    "client_id",
    "measure_id",
    "person_id",
    "unit_path",
    "grid_id",
    "day",
    "slot",
    "temperature",
    "symptoms",
    "abnormal",
    "source",
    "recorded_by_id",
    "recorded_at",
)


def _insert_checks(rows: list[HealthCheck]) -> dict[uuid.UUID, int]:
    """One INSERT … ON CONFLICT (client_id) DO NOTHING RETURNING: the ids of the rows this call
    stored; a client id already stored (a replay, or a concurrent retry) returns nothing."""
    if not rows:
        return {}
    meta = HealthCheck._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in _CHECK_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params: list[Any] = []
    for row in rows:
        params += [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    # Table and column names come from the model, never from input; values are parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608
        f"ON CONFLICT ({quote('client_id')}) DO NOTHING RETURNING {quote('id')}, {quote('client_id')}"
    )
    client_field = by_attname["client_id"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {client_field.to_python(client_id): pk for pk, client_id in cursor.fetchall()}


@transaction.atomic
def do_record_checks(
    actor: Any,
    items: Sequence[CheckInput],
    source: str = CheckSource.TEAM,
    self_measure: Measure | None = None,
) -> list[CheckResult]:
    """Record a batch of checks, all or nothing. A client id seen before is acknowledged again with
    the stored check and never written twice, so a retry on a bad network is always safe."""
    if not items:
        raise ControlError("checks.empty", _("Nothing to record."))
    if len(items) > 500:
        raise ControlError("checks.too_many", _("At most 500 checks at a time."))
    now = timezone.now()
    now_local = timezone.localtime(now)
    parsed: list[dict[str, Any] | None] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            parsed.append(_parse_check(item, now_local))
        except ValueError as error:
            parsed.append(None)
            errors.append({"index": index, "client_id": str(item.client_id), "message": str(error)})
    if errors:
        raise ControlError("checks.invalid", _("Some checks could not be read; nothing was saved."), errors)
    client_ids = [p["client_id"] for p in parsed if p]
    measures = _allowed_measures(actor, source, {item.measure_id for item in items}, self_measure)
    rows: list[HealthCheck] = []
    for index, (item, p) in enumerate(zip(items, parsed, strict=True)):
        assert p is not None
        measure = measures.get(item.measure_id)
        if measure is None:
            errors.append({"index": index, "client_id": str(item.client_id), "message": _("Not found.")})
            continue
        if measure.state != MeasureState.ACTIVE or not measure.start_date <= p["day"] <= measure.end_date:
            errors.append(
                {
                    "index": index,
                    "client_id": str(item.client_id),
                    "message": _("The measure is not running on that day."),
                }
            )
            continue
        rows.append(
            HealthCheck(
                measure_id=measure.pk,
                person_id=measure.person_id,
                unit_path=measure.unit_path,
                grid_id=measure.grid_id,
                source=source,
                recorded_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
                recorded_at=now,
                **p,
            )
        )
    if errors:
        # A replay of checks stored earlier is acknowledged even if its measure has ended since.
        failed = {e["client_id"] for e in errors}
        stored_before = set(
            HealthCheck.objects.filter(client_id__in=[uuid.UUID(c) for c in failed]).values_list(
                "client_id", flat=True
            )
        )
        errors = [e for e in errors if uuid.UUID(e["client_id"]) not in stored_before]
        if errors:
            raise ControlError(
                "checks.invalid", _("Some checks could not be saved; nothing was saved."), errors
            )
        rows = [r for r in rows if r.client_id not in stored_before]
    created = _insert_checks(rows)
    for row in rows:
        if row.client_id in created:
            row.pk = created[row.client_id]
            if row.abnormal:
                _on_abnormal(actor, row, measures[row.measure_id])
    replayed = [cid for cid in client_ids if cid not in created]
    stored = (
        {
            c.client_id: c
            for c in HealthCheck.objects.filter(client_id__in=replayed).only(
                "id", "client_id", "abnormal", "measure_id"
            )
        }
        if replayed
        else {}
    )
    requested = {p["client_id"]: item.measure_id for item, p in zip(items, parsed, strict=True) if p}
    foreign = [cid for cid, check in stored.items() if check.measure_id != requested[cid]]
    if foreign:  # a client id of someone else's check: acknowledge nothing about it
        raise ControlError(
            "checks.invalid",
            _("Some checks could not be saved; nothing was saved."),
            [{"client_id": str(cid), "message": _("Not found.")} for cid in foreign],
        )
    by_client = {row.client_id: row for row in rows}
    return [
        CheckResult(
            client_id=str(cid),
            check_id=created[cid] if cid in created else stored[cid].pk,
            duplicate=cid not in created,
            abnormal=by_client[cid].abnormal if cid in created else stored[cid].abnormal,
        )
        for cid in client_ids
    ]


def _describe(check: HealthCheck) -> str:
    parts = []
    if check.temperature is not None:
        parts.append(f"{check.temperature} °C")
    labels = dict(Symptom.choices)
    parts += [str(labels[s]) for s in check.symptoms.split(",") if s]
    return "、".join(parts)


def _on_abnormal(actor: Any, check: HealthCheck, measure: Measure) -> None:
    """An abnormal check: an immediate alert to the team, and a closed-loop transfer to the fever
    clinic (one open order per person is enough)."""
    person = measure.person
    alert = raise_alert(
        AlertKind.ABNORMAL_CHECK,
        f"check:{check.pk}",
        _("Abnormal check for %(name)s: %(detail)s") % {"name": person.name, "detail": _describe(check)},
        measure=measure,
        person=person,
    )
    audit.emit("check.abnormal", check, actor, person_id=person.pk, data={"alert": alert.pk})
    open_fever = TransferPerson.objects.filter(
        person=person, transfer__reason=TransferReason.FEVER_CLINIC, transfer__state__in=OPEN_TRANSFER_STATES
    ).exists()
    if not open_fever:
        _create_transfer(
            actor,
            TransferSpec(
                reason=TransferReason.FEVER_CLINIC,
                from_place=person.current_address or person.domicile_address or str(person.unit_path),
                to_place=settings.FEVER_CLINIC,
                scheduled_at=timezone.now() + dt.timedelta(hours=1),
                note=_("Opened by the abnormal check of %(time)s")
                % {"time": timezone.localtime(check.recorded_at).strftime("%m-%d %H:%M")},
            ),
            [(person, measure)],
            unit_path=measure.unit_path,
            grid_id=measure.grid_id,
        )


# ---------------------------------------------------------------------------------------------
# Alerts


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
    audit.emit("alert.raised", alert, None, data={"kind": kind})
    _notify(alert)
    return alert


def _notify(alert: Alert) -> None:
    recipients = _alert_recipients(alert)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                created_at=alert.created_at,
                kind=f"control.{alert.kind}",
                message=alert.message,
            )
            for user in recipients
        ]
    )
    names = [str(u) for u in recipients]
    transaction.on_commit(lambda: notify.broadcast(names, alert.message))


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
        raise ControlError("alert.not_allowed", _("You cannot handle this alert."))
    if state not in (AlertState.ACKNOWLEDGED, AlertState.CLOSED):
        raise ControlError("alert.bad_state", _("Choose acknowledge or close."))
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.state == AlertState.CLOSED:
        raise ControlError("alert.closed", _("This alert is already closed."))
    before = audit.snapshot(locked)
    locked.state = state
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    locked.note = note[:200]
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


def _missed_check_candidates(day: dt.date, slot: str) -> Any:
    checked = HealthCheck.objects.filter(measure=OuterRef("pk"), day=day, slot=slot)
    return (
        Measure.objects.filter(state=MeasureState.ACTIVE, start_date__lte=day, end_date__gte=day)
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
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                created_at=now,
                kind=f"control.{AlertKind.MISSED_CHECK}",
                message=by_measure[measure_id].message,
            )
            for measure_id, user_id in team.values_list("measure_id", "user_id")
        ],
        batch_size=1000,
    )
    audit.emit_bulk("alert.raised", stored)
    summary = _("%(count)d people have no %(slot)s check for %(day)s") % {
        "count": len(stored),
        "slot": slot_label,
        "day": day.strftime("%m-%d"),
    }
    transaction.on_commit(lambda: notify.broadcast([], summary))
    return len(stored)


@transaction.atomic
def do_escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """The recurring sweep: missed checks after each cut-off, overdue samples, open transfer loops.
    Idempotent (alerts are keyed), so a second worker or a rerun raises nothing new."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    tz = timezone.get_current_timezone()
    counts = {"missed_check": 0, "overdue_sample": 0, "open_loop": 0}
    slots: list[tuple[dt.date, str]] = []
    yesterday = local.date() - dt.timedelta(days=1)
    for day in (yesterday, local.date()):
        cutoffs = schedule.slot_cutoffs(day, settings.CHECK_MORNING_CUTOFF, settings.CHECK_EVENING_CUTOFF, tz)
        slots += [(day, slot) for slot, cutoff in cutoffs.items() if cutoff <= local]
    labels = dict(Slot.choices)
    for day, slot in slots:
        keys = {f"missed:{m.pk}:{day.isoformat()}:{slot}": m for m in _missed_check_candidates(day, slot)}
        known = _known_keys(keys)
        fresh = [(key, measure) for key, measure in keys.items() if key not in known]
        counts["missed_check"] += _raise_missed_checks(fresh, day, str(labels[slot]), now)
    overdue = list(
        Sample.objects.filter(status=SampleStatus.SCHEDULED, due_date__lt=local.date()).select_related(
            "person"
        )
    )
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


# ---------------------------------------------------------------------------------------------
# Tests


def _sample_for_change(actor: Any, sample: Sample) -> Sample:
    allowed = sample.in_scope(actor, "change") or (
        bool(_roles(actor) & MEDICAL_ROLES) and sample.in_scope(actor, "view")
    )
    if not allowed and sample.measure is not None:
        allowed = sample.measure.team.filter(user=actor).exists()
    _require(allowed)
    return Sample.objects.select_for_update().get(pk=sample.pk)


@transaction.atomic
def do_record_sampling(
    actor: Any,
    sample: Sample,
    barcode: str,
    sampler_name: str,
    sample_site: str = "",
    pool_size: int = 1,
    sampled_at: dt.datetime | None = None,
) -> Sample:
    locked = _sample_for_change(actor, sample)
    if locked.status != SampleStatus.SCHEDULED:
        raise ControlError("sample.not_scheduled", _("This test has already been sampled."))
    barcode = barcode.strip()
    if not barcode:
        raise ControlError("sample.no_barcode", _("Scan or enter the tube barcode."))
    if not 1 <= pool_size <= 20:
        raise ControlError("sample.bad_pool", _("Pooling is 1 to 20 samples per tube."))
    if pool_size == 1 and Sample.objects.filter(barcode=barcode).exists():
        raise ControlError("sample.barcode_used", _("This barcode is already used by another sample."))
    before = audit.snapshot(locked)
    # Pooled tubes carry one barcode for n persons: only single tubes keep the barcode unique.
    locked.barcode = barcode[:40] if pool_size == 1 else f"{barcode[:30]}#{locked.pk}"
    locked.sampler_name = sampler_name.strip()[:60] or str(actor)
    locked.sampled_by = actor
    locked.sample_site = sample_site[:100]
    locked.pool_size = pool_size
    locked.sampled_at = sampled_at or timezone.now()
    locked.status = SampleStatus.SAMPLED
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


def _apply_result(
    actor: Any, sample: Sample, result: str, lab: str, source: str, at: dt.datetime | None
) -> None:
    before = audit.snapshot(sample)
    sample.status = result
    sample.lab = lab[:100]
    sample.result_source = source
    sample.result_at = at or timezone.now()
    sample.version += 1
    sample.save()
    audit.log_update(actor, sample, before)
    audit.emit("test.result", sample, actor, data={"result": result})
    if result == SampleStatus.POSITIVE:
        raise_alert(
            AlertKind.POSITIVE_TEST,
            f"positive:{sample.pk}",
            _("Positive test for %(name)s (tube %(barcode)s)")
            % {"name": sample.person.name, "barcode": sample.barcode or "—"},
            measure=sample.measure,
            person=sample.person,
            sample=sample,
        )


@transaction.atomic
def do_record_result(actor: Any, sample: Sample, result: str, lab: str = "") -> Sample:
    if result not in (SampleStatus.NEGATIVE, SampleStatus.POSITIVE):
        raise ControlError("sample.bad_result", _("A result is negative or positive."))
    locked = _sample_for_change(actor, sample)
    if locked.status != SampleStatus.SAMPLED:
        raise ControlError("sample.not_sampled", _("This test is not waiting for a result."))
    _apply_result(actor, locked, result, lab, "entered", None)
    return locked


RESULT_WORDS: dict[str, str] = {
    "阴性": SampleStatus.NEGATIVE,
    "negative": SampleStatus.NEGATIVE,
    "-": SampleStatus.NEGATIVE,
    "阳性": SampleStatus.POSITIVE,
    "positive": SampleStatus.POSITIVE,
    "+": SampleStatus.POSITIVE,
}


@dataclass
class ResultRow:
    row_number: int
    barcode: str
    id_number: str
    result: str
    lab: str = ""


@transaction.atomic
def do_import_results(actor: Any, rows: Sequence[ResultRow]) -> dict[str, Any]:
    """A lab's result sheet: each row finds its sample by tube barcode, or by ID number (the
    person's one sample waiting for a result). All rows are applied or none; errors name the row."""
    errors: list[dict[str, Any]] = []
    matched: list[tuple[Sample, str, str]] = []
    waiting = Sample.objects.filter(status=SampleStatus.SAMPLED)
    for row in rows:
        result = RESULT_WORDS.get(row.result.strip().lower())
        if result is None:
            errors.append({"row": row.row_number, "message": _("The result must be 阴性 or 阳性.")})
            continue
        found: list[Sample] = []
        barcode = row.barcode.strip()
        if barcode:
            found = list(waiting.filter(Q(barcode=barcode) | Q(barcode__startswith=f"{barcode}#")))
        elif row.id_number.strip():
            index = document_index(DocumentType.RESIDENT_ID, row.id_number)
            if index is None:
                errors.append({"row": row.row_number, "message": _("The ID number is not valid.")})
                continue
            found = list(waiting.filter(person__document_index=index))
            if len(found) > 1:
                errors.append(
                    {
                        "row": row.row_number,
                        "message": _("This person has several tests waiting; use the barcode."),
                    }
                )
                continue
        if not found:
            errors.append(
                {"row": row.row_number, "message": _("No sample waiting for a result matches this row.")}
            )
            continue
        for sample in found:
            if not (
                sample.in_scope(actor, "change")
                or sample.in_scope(actor, "view")
                and _roles(actor) & MEDICAL_ROLES
            ):
                errors.append(
                    {"row": row.row_number, "message": _("No sample waiting for a result matches this row.")}
                )
                break
            matched.append((sample, result, row.lab))
    if errors:
        raise ControlError("results.invalid", _("Some rows could not be applied; nothing was saved."), errors)
    for sample, result, lab in matched:
        _apply_result(
            actor, Sample.objects.select_for_update().get(pk=sample.pk), result, lab, "imported", None
        )
    positives = sum(1 for _s, result, _l in matched if result == SampleStatus.POSITIVE)
    return {"applied": len(matched), "positive": positives}


# ---------------------------------------------------------------------------------------------
# Sites, rooms, stays


@dataclass
class SiteSpec:
    name: str
    kind: str
    address: str
    capacity: int
    manager_name: str
    unit_path: str
    medical_staff: str = ""
    manager: Any = None
    rooms: list[str] = field(default_factory=list)


@transaction.atomic
def do_create_site(actor: Any, spec: SiteSpec) -> Site:
    _require(scope_for(actor, "change").covers_path(spec.unit_path))
    if spec.capacity < 1:
        raise ControlError("site.bad_capacity", _("Capacity must be at least one."))
    site = Site.objects.create(
        name=spec.name[:100],
        kind=spec.kind,
        address=spec.address[:200],
        capacity=spec.capacity,
        manager=spec.manager,
        manager_name=spec.manager_name[:60],
        medical_staff=spec.medical_staff[:200],
        unit_path=spec.unit_path,
    )
    audit.log_create(actor, site)
    if spec.rooms:
        do_add_rooms(actor, site, spec.rooms)
    return site


def _site_for_change(actor: Any, site: Site) -> Site:
    _require(site.in_scope(actor, "change"))
    return Site.objects.select_for_update().get(pk=site.pk)


def do_add_rooms(actor: Any, site: Site, numbers: Sequence[str]) -> list[Room]:
    with transaction.atomic():
        locked = _site_for_change(actor, site)
        taken = set(locked.rooms.values_list("number", flat=True))
        fresh = [n.strip()[:20] for n in dict.fromkeys(numbers) if n.strip() and n.strip() not in taken]
        rooms = [Room(site=locked, number=n, floor=_floor_of(n)) for n in fresh]
        Room.objects.bulk_create(rooms)
        created = list(locked.rooms.filter(number__in=fresh))
        audit.log_bulk_create(actor, created)
        return created


def _floor_of(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:-2]) if len(digits) >= 3 else 1


@transaction.atomic
def do_set_room_status(actor: Any, room: Room, status: str) -> Room:
    _site_for_change(actor, room.site)
    locked = Room.objects.select_for_update().get(pk=room.pk)
    if status not in (RoomStatus.FREE, RoomStatus.CLEANING, RoomStatus.SEALED):
        raise ControlError("room.bad_status", _("A room becomes occupied only by a check-in."))
    if Stay.objects.filter(room=locked, checked_out_at__isnull=True).exists():
        raise ControlError("room.occupied", _("Check the guest out first."))
    before = audit.snapshot(locked)
    locked.status = status
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


@transaction.atomic
def do_check_in(actor: Any, measure: Measure, room: Room, note: str = "") -> Stay:
    site = _site_for_change(actor, room.site)
    locked_room = Room.objects.select_for_update().get(pk=room.pk)
    locked = _locked_measure(measure)
    if locked.type != CENTRAL or locked.state != MeasureState.ACTIVE:
        raise ControlError("stay.not_central", _("Only people under centralised quarantine are checked in."))
    if locked_room.status != RoomStatus.FREE:
        raise ControlError("room.taken", _("This room is not free."))
    if Stay.objects.filter(measure=locked, checked_out_at__isnull=True).exists():
        raise ControlError("stay.already", _("This person is already checked in."))
    if Stay.objects.filter(room__site=site, checked_out_at__isnull=True).count() >= site.capacity:
        raise ControlError("site.full", _("The site is full."))
    try:
        with transaction.atomic():
            stay = Stay.objects.create(
                measure=locked,
                room=locked_room,
                person_id=locked.person_id,
                checked_in_at=timezone.now(),
                checked_in_by=actor,
                note=note[:200],
            )
    except IntegrityError as error:
        raise ControlError("room.taken", _("This room is not free.")) from error
    before = audit.snapshot(locked_room)
    locked_room.status = RoomStatus.OCCUPIED
    locked_room.version += 1
    locked_room.save()
    audit.log_create(actor, stay)
    audit.log_update(actor, locked_room, before)
    audit.emit("stay.checked_in", stay, actor, data={"site": site.pk, "room": locked_room.number})
    return stay


def _check_out(actor: Any, stay: Stay, note: str) -> None:
    before = audit.snapshot(stay)
    stay.checked_out_at = timezone.now()
    stay.checked_out_by = actor if getattr(actor, "is_authenticated", False) else None
    stay.note = (stay.note + " " + note).strip()[:200]
    stay.save()
    audit.log_update(actor, stay, before)
    room = Room.objects.select_for_update().get(pk=stay.room_id)
    room_before = audit.snapshot(room)
    room.status = RoomStatus.CLEANING
    room.version += 1
    room.save()
    audit.log_update(actor, room, room_before)


@transaction.atomic
def do_check_out(actor: Any, stay: Stay, note: str = "") -> Stay:
    _site_for_change(actor, stay.room.site)
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if locked.checked_out_at is not None:
        raise ControlError("stay.closed", _("Already checked out."))
    _check_out(actor, locked, note)
    return locked


# ---------------------------------------------------------------------------------------------
# Transfers

OPEN_TRANSFER_STATES = (TransferState.SCHEDULED, TransferState.PICKED_UP)


@dataclass
class TransferSpec:
    reason: str
    from_place: str
    to_place: str
    scheduled_at: dt.datetime
    to_site: Site | None = None
    vehicle_plate: str = ""
    driver: str = ""
    escort: str = ""
    note: str = ""


def _create_transfer(
    actor: Any,
    spec: TransferSpec,
    carried: Sequence[tuple[Person, Measure | None]],
    *,
    unit_path: str,
    grid_id: int | None = None,
) -> Transfer:
    now = timezone.now()
    number = next_number("transfer", timezone.localdate().year)
    transfer = Transfer.objects.create(
        number=f"ZY{timezone.localdate().year}{number:05d}",
        reason=spec.reason,
        from_place=spec.from_place[:200],
        to_place=(spec.to_site.name if spec.to_site and not spec.to_place else spec.to_place)[:200],
        to_site=spec.to_site,
        scheduled_at=spec.scheduled_at,
        vehicle_plate=spec.vehicle_plate[:20],
        driver=spec.driver[:60],
        escort=spec.escort[:60],
        note=spec.note[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        unit_path=unit_path,
        grid_id=grid_id,
    )
    audit.log_create(actor, transfer)
    people = [TransferPerson(transfer=transfer, person=p, measure=m) for p, m in carried]
    TransferPerson.objects.bulk_create(people)
    audit.log_bulk_create(actor, list(transfer.carried.all()))
    audit.emit("transfer.created", transfer, actor, data={"reason": spec.reason, "persons": len(people)})
    return transfer


def can_run_transfers(actor: Any, transfer_path: str) -> bool:
    if actor is None:
        return False
    if actor.is_superuser:
        return True
    return bool(_roles(actor) & TRANSFER_ROLES) and scope_for(actor, "view").covers_path(transfer_path)


@transaction.atomic
def do_create_transfer(actor: Any, spec: TransferSpec, measures: Sequence[Measure]) -> Transfer:
    if not measures:
        raise ControlError("transfer.nobody", _("Choose at least one person to carry."))
    if spec.reason not in TransferReason.values:
        raise ControlError("transfer.bad_reason", _("Choose a reason."))
    for measure in measures:
        _require(can_see(actor, measure))
    path = measures[0].unit_path
    common = path[:9] if all(m.unit_path[:9] == path[:9] for m in measures) else path[:6]
    if not can_run_transfers(actor, common):
        raise ControlError(
            "transfer.not_allowed", _("Transfers are arranged by the command office or the town.")
        )
    grids = {m.grid_id for m in measures}
    grid_id = grids.pop() if len(grids) == 1 else None
    return _create_transfer(actor, spec, [(m.person, m) for m in measures], unit_path=common, grid_id=grid_id)


def _transfer_for_change(actor: Any, transfer: Transfer) -> Transfer:
    _require(transfer.in_scope(actor, "view"))
    if not can_run_transfers(actor, transfer.unit_path):
        raise ControlError(
            "transfer.not_allowed", _("Transfers are arranged by the command office or the town.")
        )
    return Transfer.objects.select_for_update().get(pk=transfer.pk)


def _transfer_step(actor: Any, transfer: Transfer, before: dict[str, Any], event: str) -> None:
    transfer.version += 1
    transfer.save()
    audit.log_update(actor, transfer, before)
    audit.emit(event, transfer, actor)


@transaction.atomic
def do_pick_up(
    actor: Any,
    transfer: Transfer,
    signed_by: str,
    temperatures: dict[int, Any],
    vehicle_plate: str = "",
    driver: str = "",
    escort: str = "",
) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.SCHEDULED:
        raise ControlError("transfer.bad_step", _("This order is not waiting for pick-up."))
    plate = vehicle_plate.strip() or locked.vehicle_plate
    if not plate or not (driver.strip() or locked.driver) or not signed_by.strip():
        raise ControlError("transfer.incomplete", _("Enter the vehicle plate, the driver and who signed."))
    before = audit.snapshot(locked)
    for carried in locked.carried.all():
        raw = temperatures.get(carried.person_id)
        if raw in (None, ""):
            raise ControlError("transfer.no_temperature", _("Enter every person's temperature at pick-up."))
        try:
            value = Decimal(str(raw)).quantize(Decimal("0.1"))
        except InvalidOperation as error:
            raise ControlError(
                "transfer.no_temperature", _("Enter every person's temperature at pick-up.")
            ) from error
        if not value.is_finite() or not TEMPERATURE_RANGE[0] <= value <= TEMPERATURE_RANGE[1]:
            raise ControlError(
                "transfer.no_temperature", _("A temperature must be between 34.0 and 43.0 °C.")
            )
        carried_before = audit.snapshot(carried)
        carried.pickup_temperature = value
        carried.save(update_fields=["pickup_temperature"])
        audit.log_update(actor, carried, carried_before)
    locked.vehicle_plate = plate[:20]
    locked.driver = (driver.strip() or locked.driver)[:60]
    locked.escort = (escort.strip() or locked.escort)[:60]
    locked.pickup_signed_by = signed_by.strip()[:60]
    locked.picked_up_at = timezone.now()
    locked.state = TransferState.PICKED_UP
    _transfer_step(actor, locked, before, "transfer.picked_up")
    return locked


@transaction.atomic
def do_hand_over(actor: Any, transfer: Transfer, handed_by: str, received_by: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.PICKED_UP:
        raise ControlError("transfer.bad_step", _("This order has not been picked up."))
    if not handed_by.strip() or not received_by.strip():
        raise ControlError("transfer.unsigned", _("Both ends must sign the hand-over."))
    before = audit.snapshot(locked)
    locked.handover_signed_by = handed_by.strip()[:60]
    locked.handover_received_by = received_by.strip()[:60]
    locked.handed_over_at = timezone.now()
    locked.state = TransferState.HANDED_OVER
    _transfer_step(actor, locked, before, "transfer.handed_over")
    Alert.objects.filter(transfer=locked, kind=AlertKind.OPEN_LOOP, state=AlertState.OPEN).update(
        state=AlertState.CLOSED, handled_by=actor, handled_at=timezone.now(), note=_("Handed over")
    )
    return locked


@transaction.atomic
def do_close_transfer(actor: Any, transfer: Transfer, disinfected_by: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.HANDED_OVER:
        raise ControlError("transfer.bad_step", _("Close an order after the hand-over."))
    if not disinfected_by.strip():
        raise ControlError("transfer.no_disinfection", _("Record who disinfected the vehicle."))
    before = audit.snapshot(locked)
    locked.disinfected_by = disinfected_by.strip()[:60]
    locked.disinfected_at = timezone.now()
    locked.closed_at = locked.disinfected_at
    locked.state = TransferState.CLOSED
    _transfer_step(actor, locked, before, "transfer.closed")
    return locked


@transaction.atomic
def do_cancel_transfer(actor: Any, transfer: Transfer, reason: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.SCHEDULED:
        raise ControlError("transfer.bad_step", _("Only an order not yet picked up can be cancelled."))
    if not reason.strip():
        raise ControlError("transfer.no_reason", _("Give a reason."))
    before = audit.snapshot(locked)
    locked.state = TransferState.CANCELLED
    locked.note = (locked.note + " " + reason.strip()).strip()[:300]
    _transfer_step(actor, locked, before, "transfer.cancelled")
    return locked


# ---------------------------------------------------------------------------------------------
# Release


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
        raise ControlError("release.not_ready", " ".join(blockers))
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
        raise ControlError(
            "release.not_allowed", _("The community (village cadre or town) confirms a release.")
        )
    locked = _locked_measure(measure)
    if locked.release_proposed_at is None:
        raise ControlError("release.not_proposed", _("The team has not proposed a release."))
    blockers = release_blockers(locked)
    if blockers:
        raise ControlError("release.not_ready", " ".join(blockers))
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


# ---------------------------------------------------------------------------------------------
# Inbound from abroad


@dataclass
class InboundSpec:
    entry_port: str
    entry_date: dt.date
    liaison: Any
    local_measure: str
    nationality: str = "中国"
    flight: str = ""
    countries_14d: str = ""
    first_entry_place: str = ""
    first_entry_until: dt.date | None = None


@transaction.atomic
def do_register_inbound(actor: Any, person: Person, spec: InboundSpec) -> InboundArrival:
    _require(person.in_scope(actor, "change"))
    if not spec.entry_port.strip():
        raise ControlError("inbound.no_port", _("Enter the entry port."))
    if spec.liaison is None:
        raise ControlError("inbound.no_liaison", _("Every inbound traveller has one liaison."))
    start = spec.first_entry_until + dt.timedelta(days=1) if spec.first_entry_until else spec.entry_date
    try:
        measure = _open(
            actor,
            person,
            MeasureSpec(
                type=spec.local_measure,
                source=MeasureSource.MANUAL,
                category=MeasureCategory.INBOUND,
                reason=_("Inbound via %(port)s") % {"port": spec.entry_port},
                start=min(start, today()),
            ),
        )
    except LookupError as error:
        raise ControlError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error
    transfer = _create_transfer(
        actor,
        TransferSpec(
            reason=TransferReason.INBOUND,
            from_place=spec.first_entry_place or spec.entry_port,
            to_place=person.current_address or person.domicile_address or "—",
            scheduled_at=timezone.make_aware(dt.datetime.combine(start, dt.time(9, 0))),
        ),
        [(person, measure)],
        unit_path=person.unit_path,
        grid_id=person.grid_id,
    )
    arrival = InboundArrival.objects.create(
        person=person,
        nationality=spec.nationality[:60],
        entry_port=spec.entry_port[:60],
        entry_date=spec.entry_date,
        flight=spec.flight[:20],
        countries_14d=spec.countries_14d[:200],
        first_entry_place=spec.first_entry_place[:200],
        first_entry_until=spec.first_entry_until,
        liaison=spec.liaison,
        transfer=transfer,
        measure=measure,
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        created_at=timezone.now(),
    )
    audit.log_create(actor, arrival)
    liaison = TeamMember.objects.create(
        measure=measure,
        role=TeamRole.LIAISON,
        user=spec.liaison,
        name=str(spec.liaison),
        duty=str(TEAM_DUTIES[TeamRole.LIAISON]),
    )
    audit.log_create(actor, liaison)
    return arrival
