"""Enterprises, their contacts, the market-supervision import and the resumption filing.

Every ``do_*`` is atomic and writes its change log and events in the same transaction. Who may act:
an enterprise's contacts edit and submit their own filing; the town or park (town officers) and the
district office review, inspect, approve or return it, within their tree scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts import services as accounts
from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.areas.models import AdminUnit
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.scope import scope_for
from hongyixing.enterprises import credit_codes
from hongyixing.enterprises.choices import CHECKLIST_KEYS, FilingState, Industry
from hongyixing.enterprises.models import (
    Attachment,
    Enterprise,
    EnterpriseContact,
    Filing,
    Inspection,
    contact_enterprise_ids,
)

REVIEW_ROLES = frozenset({Role.TOWN_OFFICER, Role.DISTRICT_OFFICE})
MAX_ATTACHMENT_BYTES = 5 * 2**20
ATTACHMENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


def is_contact(user: Any, enterprise_id: int) -> bool:
    return enterprise_id in contact_enterprise_ids(user)


def is_reviewer(user: Any, unit_path: str) -> bool:
    """A town officer or the district office whose tree covers the place, or a superuser."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & REVIEW_ROLES) and scope_for(user, "change").covers_path(unit_path)


def _require_reviewer(user: Any, unit_path: str) -> None:
    if not is_reviewer(user, unit_path):
        raise NotFound()


def _require_contact_or_reviewer(user: Any, enterprise: Enterprise) -> None:
    if not (is_contact(user, enterprise.pk) or is_reviewer(user, enterprise.unit_path)):
        raise NotFound()


# ---------------------------------------------------------------------------------------------
# Enterprises


@dataclass
class EnterpriseSpec:
    name: str
    credit_code: str
    unit_path: str
    industry: str
    above_scale: bool = False
    address: str = ""
    legal_representative: str = ""
    staff_count: int = 0


def check_enterprise(spec: EnterpriseSpec) -> EnterpriseSpec:
    """The one validator of an enterprise, for the form, the API and the import."""
    name = " ".join(spec.name.split())
    if not name:
        raise DomainError("enterprise.name_missing", _("Enter the enterprise's name."), "name")
    code = credit_codes.validate(spec.credit_code)
    if spec.industry not in Industry.values:
        raise DomainError("enterprise.bad_industry", _("Choose an industry."), "industry")
    if not AdminUnit.objects.filter(path=spec.unit_path, level="town").exists():
        raise DomainError("enterprise.bad_place", _("Choose a town or park."), "unit_path")
    if spec.staff_count < 0:
        raise DomainError("enterprise.bad_staff", _("The number of staff cannot be negative."), "staff_count")
    return EnterpriseSpec(
        name=name[:120],
        credit_code=code,
        unit_path=spec.unit_path,
        industry=spec.industry,
        above_scale=spec.above_scale,
        address=spec.address.strip()[:200],
        legal_representative=spec.legal_representative.strip()[:60],
        staff_count=spec.staff_count,
    )


@transaction.atomic
def do_register_enterprise(actor: Any, spec: EnterpriseSpec) -> Enterprise:
    clean = check_enterprise(spec)
    _require_reviewer(actor, clean.unit_path)
    if Enterprise.objects.filter(credit_code=clean.credit_code).exists():
        raise DomainError(
            "enterprise.duplicate",
            _("An enterprise with this credit code is already registered."),
            "credit_code",
        )
    enterprise = Enterprise.objects.create(**clean.__dict__)
    audit.log_create(actor, enterprise)
    audit.emit("enterprise.registered", enterprise, actor, data={"unit": enterprise.unit_path})
    return enterprise


@transaction.atomic
def do_add_contact(
    actor: Any, enterprise: Enterprise, username: str, *, password: str, display_name: str = ""
) -> EnterpriseContact:
    """A new user with the enterprise role, acting for this enterprise only."""
    _require_reviewer(actor, enterprise.unit_path)
    username = username.strip()
    if not username:
        raise DomainError("enterprise.contact_name", _("Enter a user name."), "username")
    try:
        with transaction.atomic():
            user = accounts.do_create_user(actor, username, password=password, display_name=display_name)
    except IntegrityError:
        raise DomainError("enterprise.contact_taken", _("This user name is taken."), "username") from None
    # The grant says what the user is; it gives no tree scope (the enterprise role has no actions).
    accounts.do_grant(actor, user, Role.ENTERPRISE, unit=AdminUnit.objects.get(path=enterprise.unit_path))
    contact = EnterpriseContact.objects.create(enterprise=enterprise, user=user)
    audit.log_create(actor, contact)
    return contact


@transaction.atomic
def do_link_contact(actor: Any, enterprise: Enterprise, user: Any) -> EnterpriseContact:
    """An existing user with the enterprise role becomes a contact of this enterprise."""
    _require_reviewer(actor, enterprise.unit_path)
    if Role.ENTERPRISE not in roles_of(user):
        raise DomainError("enterprise.contact_role", _("The user needs the enterprise role."), "username")
    contact, created = EnterpriseContact.objects.get_or_create(enterprise=enterprise, user=user)
    if created:
        audit.log_create(actor, contact)
    return contact


# Headers of the market-supervision (市场监管) list → our fields.
IMPORT_HEADERS = {
    "name": ("企业名称", "名称", "单位名称"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "town": ("所属镇街", "镇街", "所属园区", "镇街/园区", "属地"),
    "industry": ("行业", "所属行业", "行业类别"),
    "above_scale": ("是否规上", "规上", "规模以上"),
    "address": ("地址", "住所", "经营场所"),
    "legal_representative": ("法定代表人", "法人"),
    "staff_count": ("职工人数", "员工数", "从业人数"),
}
INDUSTRY_WORDS = {
    "盐": Industry.SALT_CHEMICAL,
    "化工": Industry.SALT_CHEMICAL,
    "机械": Industry.MACHINERY,
    "装备": Industry.MACHINERY,
    "食品": Industry.FOOD,
    "水产": Industry.FOOD,
    "纺织": Industry.TEXTILE,
    "服装": Industry.TEXTILE,
    "材料": Industry.NEW_MATERIALS,
    "电子": Industry.ELECTRONICS,
    "建筑": Industry.CONSTRUCTION,
    "物流": Industry.LOGISTICS,
    "零售": Industry.RETAIL,
    "餐饮": Industry.RETAIL,
}


@dataclass
class ImportResult:
    created: list[Enterprise] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped_existing: int = 0


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    cleaned = ["".join(h.split()) for h in headers]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    return None


def _industry(text: str) -> str:
    if text in Industry.values:
        return text
    for word, industry in INDUSTRY_WORDS.items():
        if word in text:
            return industry
    return Industry.OTHER


def _town_path(text: str, towns: dict[str, str]) -> str:
    text = "".join(text.split())
    if text in towns.values():
        return text
    for name, path in towns.items():
        if text and (text == name or name.startswith(text) or text.startswith(name[:2])):
            return path
    return ""


@transaction.atomic
def do_import_enterprises(actor: Any, data: bytes, filename: str) -> ImportResult:
    """The market-supervision list (xlsx/xls/csv) → enterprises; every refused row is listed, none dropped."""
    from hongyixing.exchange.tabular import FileRefused, read_table, word_counter

    try:
        words = frozenset(name for names in IMPORT_HEADERS.values() for name in names)
        table = read_table(data, filename, count_headers=word_counter(words), header_words=words)
    except FileRefused as refused:
        raise DomainError("enterprise.file_refused", refused.message) from None
    columns = {key: _column(table.headers, names) for key, names in IMPORT_HEADERS.items()}
    if columns["name"] is None or columns["credit_code"] is None:
        raise DomainError(
            "enterprise.file_columns", _("The file needs an enterprise-name and a credit-code column.")
        )
    towns = dict(AdminUnit.objects.filter(level="town").values_list("name", "path"))
    known = set(Enterprise.objects.values_list("credit_code", flat=True))
    result = ImportResult()
    seen: set[str] = set()
    for row in table.rows:

        def cell(key: str, row: Any = row) -> str:
            index = columns[key]
            return row.cells[index].strip() if index is not None and index < len(row.cells) else ""

        staff = cell("staff_count")
        spec = EnterpriseSpec(
            name=cell("name"),
            credit_code=cell("credit_code"),
            unit_path=_town_path(cell("town"), towns),
            industry=_industry(cell("industry")),
            above_scale=cell("above_scale") in ("是", "规上", "Y", "y", "1", "yes", "True"),
            address=cell("address"),
            legal_representative=cell("legal_representative"),
            staff_count=int(staff) if staff.isdigit() else 0,
        )
        try:
            clean = check_enterprise(spec)
        except DomainError as error:
            result.errors.append({"row": row.number, "code": error.code, "message": str(error.message)})
            continue
        if clean.credit_code in known or clean.credit_code in seen:
            result.skipped_existing += 1
            continue
        if not is_reviewer(actor, clean.unit_path):
            result.errors.append(
                {
                    "row": row.number,
                    "code": "enterprise.out_of_scope",
                    "message": str(_("Outside your area.")),
                }
            )
            continue
        seen.add(clean.credit_code)
        result.created.append(Enterprise(**clean.__dict__))
    Enterprise.objects.bulk_create(result.created, batch_size=1000)
    created = list(Enterprise.objects.filter(credit_code__in=seen))
    result.created = created
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("enterprise.registered", created, actor)
    return result


# ---------------------------------------------------------------------------------------------
# Resumption filing: draft → submitted → (inspected) → approved, or returned (and resubmitted)

FILING_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # action: (from states, who: "contact" or "reviewer")
    "save": ((FilingState.DRAFT, FilingState.RETURNED), "contact"),
    "submit": ((FilingState.DRAFT, FilingState.RETURNED), "contact"),
    "inspect": ((FilingState.SUBMITTED, FilingState.INSPECTED), "reviewer"),
    "approve": ((FilingState.SUBMITTED, FilingState.INSPECTED), "reviewer"),
    "return": ((FilingState.SUBMITTED, FilingState.INSPECTED), "reviewer"),
}


def filing_actions(user: Any, filing: Filing) -> list[str]:
    """The steps this user may take on this filing now (for buttons; services check again)."""
    reviewer = is_reviewer(user, filing.unit_path)
    contact = reviewer or is_contact(user, filing.enterprise_id)
    return [
        action
        for action, (states, who) in FILING_ACTIONS.items()
        if filing.state in states and (reviewer if who == "reviewer" else contact)
    ]


def _locked_filing(actor: Any, filing: Filing, action: str) -> Filing:
    # The enterprise comes along (not locked: ``of``) because the filing's audit repr names it.
    locked = (
        Filing.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(pk=filing.pk)
        .first()
    )
    if locked is None or not locked.in_scope(actor, "view"):
        raise NotFound()
    if action not in filing_actions(actor, locked):
        states, _who = FILING_ACTIONS[action]
        if locked.state not in states:
            raise DomainError(
                "filing.bad_state",
                _("This filing is %(state)s; it cannot be changed that way now.")
                % {"state": locked.get_state_display()},
            )
        raise DomainError("filing.not_allowed", _("You may not take this step on this filing."))
    return locked


@dataclass
class FilingInput:
    checklist: dict[str, bool]
    plan_note: str = ""
    staff_planned: int = 0
    planned_date: dt.date | None = None


def check_filing(data: FilingInput) -> FilingInput:
    unknown = set(data.checklist) - set(CHECKLIST_KEYS)
    if unknown:
        raise DomainError("filing.bad_item", _("The checklist has an unknown item."), "checklist")
    if data.staff_planned < 0:
        raise DomainError("filing.bad_staff", _("The number of staff cannot be negative."), "staff_planned")
    return FilingInput(
        checklist={key: bool(data.checklist.get(key)) for key in CHECKLIST_KEYS},
        plan_note=data.plan_note.strip()[:5000],
        staff_planned=data.staff_planned,
        planned_date=data.planned_date,
    )


@transaction.atomic
def do_open_filing(actor: Any, enterprise: Enterprise, data: FilingInput) -> Filing:
    """A new draft, unless the enterprise already has a filing in progress or approved."""
    _require_contact_or_reviewer(actor, enterprise)
    clean = check_filing(data)
    current = (
        Filing.objects.select_for_update()
        .filter(enterprise=enterprise)
        .exclude(state=FilingState.RETURNED)
        .first()
    )
    if current is not None:
        raise DomainError("filing.exists", _("This enterprise already has a resumption filing."))
    filing = Filing.objects.create(enterprise=enterprise, unit_path=enterprise.unit_path, **clean.__dict__)
    audit.log_create(actor, filing)
    return filing


@transaction.atomic
def do_save_filing(actor: Any, filing: Filing, data: FilingInput) -> Filing:
    locked = _locked_filing(actor, filing, "save")
    before = audit.snapshot(locked)
    for key, value in check_filing(data).__dict__.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


@transaction.atomic
def do_submit_filing(actor: Any, filing: Filing) -> Filing:
    locked = _locked_filing(actor, filing, "submit")
    missing = [key for key in CHECKLIST_KEYS if not locked.checklist.get(key)]
    if missing:
        raise DomainError(
            "filing.incomplete",
            _("Every item of the prevention checklist must be in place before filing (%(n)d missing).")
            % {"n": len(missing)},
            "checklist",
        )
    before = audit.snapshot(locked)
    locked.state = FilingState.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.return_reason = ""
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("filing.submitted", locked, actor)
    return locked


@dataclass
class InspectionInput:
    passed: bool
    findings: str = ""
    failed_items: list[str] = field(default_factory=list)


@transaction.atomic
def do_inspect(
    actor: Any, filing: Filing, data: InspectionInput, photos: list[tuple[str, str, bytes]]
) -> Inspection:
    """A spot check at the site, with photos ``(name, content type, bytes)``."""
    locked = _locked_filing(actor, filing, "inspect")
    failed = [key for key in data.failed_items if key in CHECKLIST_KEYS]
    if not data.passed and not (failed or data.findings.strip()):
        raise DomainError("inspection.no_findings", _("Say what was not met."), "findings")
    inspection = Inspection.objects.create(
        filing=locked,
        enterprise_id=locked.enterprise_id,
        unit_path=locked.unit_path,
        inspector=actor,
        inspected_at=timezone.now(),
        passed=data.passed,
        findings=data.findings.strip()[:5000],
        failed_items=failed,
    )
    audit.log_create(actor, inspection)
    for name, content_type, content in photos:
        _attach(
            actor,
            locked.enterprise_id,
            locked.unit_path,
            "photo",
            name,
            content_type,
            content,
            inspection=inspection,
        )
    before = audit.snapshot(locked)
    locked.state = FilingState.INSPECTED
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("filing.inspected", locked, actor, data={"passed": data.passed, "photos": len(photos)})
    return inspection


@transaction.atomic
def do_approve_filing(actor: Any, filing: Filing, resumption_date: dt.date | None) -> Filing:
    locked = _locked_filing(actor, filing, "approve")
    if resumption_date is None:
        raise DomainError("filing.no_date", _("Enter the resumption date."), "resumption_date")
    before = audit.snapshot(locked)
    locked.state = FilingState.APPROVED
    locked.resumption_date = resumption_date
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    enterprise = Enterprise.objects.select_for_update().get(pk=locked.enterprise_id)
    before_enterprise = audit.snapshot(enterprise)
    enterprise.resumed_on = resumption_date
    enterprise.save(update_fields=["resumed_on"])
    audit.log_update(actor, enterprise, before_enterprise)
    audit.emit("filing.approved", locked, actor, data={"resumption_date": resumption_date.isoformat()})
    return locked


@transaction.atomic
def do_return_filing(actor: Any, filing: Filing, reason: str) -> Filing:
    locked = _locked_filing(actor, filing, "return")
    reason = reason.strip()
    if not reason:
        raise DomainError("filing.no_reason", _("Say why the filing is returned."), "reason")
    before = audit.snapshot(locked)
    locked.state = FilingState.RETURNED
    locked.return_reason = reason[:300]
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("filing.returned", locked, actor, data={"reason": reason[:300]})
    return locked


def _attach(
    actor: Any,
    enterprise_id: int,
    unit_path: str,
    kind: str,
    name: str,
    content_type: str,
    content: bytes,
    **owner: Any,
) -> Attachment:
    if content_type not in ATTACHMENT_TYPES:
        raise DomainError("attachment.type", _("Attach a photo (JPEG, PNG, WebP) or a PDF."), "file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise DomainError("attachment.size", _("An attachment may be at most 5 MB."), "file")
    attachment = Attachment.objects.create(
        enterprise_id=enterprise_id,
        unit_path=unit_path,
        kind=kind[:30],
        file_name=name[:200] or "file",
        content_type=content_type,
        size=len(content),
        content=content,
        uploaded_by=actor,
        **owner,
    )
    audit.log_create(actor, attachment)
    return attachment


@transaction.atomic
def do_attach_to_filing(
    actor: Any, filing: Filing, name: str, content_type: str, content: bytes
) -> Attachment:
    locked = _locked_filing(actor, filing, "save")
    return _attach(
        actor, locked.enterprise_id, locked.unit_path, "plan", name, content_type, content, filing=locked
    )
