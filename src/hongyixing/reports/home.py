"""The start page's figures, per role: what each person has to do now, each a count that links to the
list behind it.

It reads many apps (verification, control, command, cases, enterprises), so it lives above them all,
here in reports. Every figure is one COUNT through the app's own scoped queryset (``restrict``), never a
loop over rows; a user with several roles sees each role's section once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of


@dataclass
class Figure:
    label: Any
    count: int
    url: str
    urgent: bool = False  # shown in the warning colour when not zero


@dataclass
class Section:
    title: Any
    figures: list[Figure] = field(default_factory=list)
    links: list[tuple[Any, str]] = field(default_factory=list)  # (label, url): places without a count


def _grid_worker(user: Any) -> Section:
    from hongyixing.command.models import Campaign
    from hongyixing.command.queries import not_visited
    from hongyixing.control.queries import missing_now
    from hongyixing.control.schedule import slot_at
    from hongyixing.verification.choices import CLOCK_STATES
    from hongyixing.verification.models import VerificationTask

    now = timezone.now()
    due = VerificationTask.objects.restrict(user).filter(state__in=CLOCK_STATES)
    day = timezone.localdate()
    slot = slot_at(timezone.localtime(now), settings.CHECK_MORNING_CUTOFF)
    section = Section(
        _("My work today"),
        [
            Figure(
                _("Tasks overdue"),
                due.filter(deadline__lt=now).count(),
                reverse("verification:my_tasks") + "?overdue=1",
                urgent=True,
            ),
            Figure(_("Tasks due"), due.count(), reverse("verification:my_tasks")),
            Figure(
                _("People not yet checked this slot"),
                missing_now(user, day, slot),
                reverse("control:today"),
                urgent=True,
            ),
        ],
    )
    campaign = (
        Campaign.objects.restrict(user)
        .filter(starts_on__lte=day, ends_on__gte=day, closed_at__isnull=True)
        .order_by("-starts_on", "-id")
        .first()
    )
    if campaign is not None:
        section.figures.append(
            Figure(
                _("Households left to visit"),
                not_visited(user, campaign).count(),
                reverse("command:campaign_households", args=[campaign.pk]),
            )
        )
    return section


def _village_cadre(user: Any) -> Section:
    from hongyixing.verification.choices import TaskState
    from hongyixing.verification.models import VerificationTask

    tasks = VerificationTask.objects.restrict(user, "change")
    desk = reverse("verification:desk")
    return Section(
        _("My village"),
        [
            Figure(
                _("Tasks waiting to be assigned"),
                tasks.filter(state=TaskState.WAITING).count(),
                desk,
                urgent=True,
            ),
            Figure(
                _("Feedback to confirm"),
                tasks.filter(state=TaskState.SUBMITTED).count(),
                desk + "?state=" + TaskState.SUBMITTED,
            ),
        ],
    )


def _town_officer(user: Any) -> Section:
    from hongyixing.command.queries import my_assignments
    from hongyixing.enterprises.choices import FilingState
    from hongyixing.enterprises.models import Filing
    from hongyixing.verification.choices import CLOCK_STATES, TaskState
    from hongyixing.verification.models import VerificationTask

    tasks = VerificationTask.objects.restrict(user)
    desk = reverse("verification:desk")
    return Section(
        _("My town"),
        [
            Figure(
                _("Tasks overdue"),
                tasks.filter(state__in=CLOCK_STATES, deadline__lt=timezone.now()).count(),
                desk + "?overdue=1",
                urgent=True,
            ),
            Figure(
                _("Tasks returned for rework"),
                tasks.filter(state=TaskState.RETURNED).count(),
                desk + "?state=" + TaskState.RETURNED,
            ),
            Figure(
                _("Filings to review"),
                Filing.objects.restrict(user).filter(state=FilingState.SUBMITTED).count(),
                reverse("enterprises:filings") + "?state=" + FilingState.SUBMITTED,
            ),
            Figure(_("Assignments due"), my_assignments(user).count(), reverse("command:assignments")),
        ],
    )


def _district_office(user: Any) -> Section:
    from hongyixing.command.choices import OPEN_STATES
    from hongyixing.command.models import Directive
    from hongyixing.command.supervision import supervision_items
    from hongyixing.verification.choices import CLOCK_STATES
    from hongyixing.verification.models import VerificationTask

    board = supervision_items(user, limit=1)
    open_directives = Directive.objects.restrict(user).filter(assignments__state__in=OPEN_STATES).distinct()
    return Section(
        _("District command"),
        [
            Figure(
                _("Tasks overdue"),
                VerificationTask.objects.restrict(user)
                .filter(state__in=CLOCK_STATES, deadline__lt=timezone.now())
                .count(),
                reverse("verification:desk") + "?overdue=1",
                urgent=True,
            ),
            Figure(
                _("On the supervision list"),
                sum(board.by_source.values()),
                reverse("command:supervision"),
                urgent=True,
            ),
            Figure(_("Directives in progress"), open_directives.count(), reverse("command:directives")),
        ],
        links=[(_("Dashboard"), reverse("reports:dashboard")), (_("Daily report"), reverse("reports:daily"))],
    )


def _cdc_staff(user: Any) -> Section:
    from hongyixing.cases.choices import Classification
    from hongyixing.cases.models import Case
    from hongyixing.control.choices import SampleStatus
    from hongyixing.control.models import Sample

    cases = Case.objects.restrict(user)
    return Section(
        _("Tests and cases"),
        [
            Figure(
                _("Tests waiting for a result"),
                Sample.objects.restrict(user).filter(status=SampleStatus.SAMPLED).count(),
                reverse("control:tests"),
                urgent=True,
            ),
            Figure(
                _("Positive tests to classify"),
                cases.filter(classification=Classification.PROPOSED).count(),
                reverse("cases:list") + "?classification=" + Classification.PROPOSED,
                urgent=True,
            ),
            Figure(
                _("Suspected cases"),
                cases.filter(classification=Classification.SUSPECTED).count(),
                reverse("cases:list") + "?classification=" + Classification.SUSPECTED,
            ),
        ],
    )


def _site_manager(user: Any) -> Section:
    from hongyixing.control.queries import sites

    section = Section(_("My quarantine sites"))
    # One grouped query: every site with its rooms counted by status.
    for row in sites(user):
        section.figures.append(
            Figure(
                _("%(site)s: rooms free") % {"site": row["site"].name},
                row["free"],
                reverse("control:site", args=[row["site"].pk]),
            )
        )
        section.figures.append(
            Figure(
                _("%(site)s: rooms occupied") % {"site": row["site"].name},
                row["occupied"],
                reverse("control:site", args=[row["site"].pk]),
            )
        )
    section.links.append((_("All sites"), reverse("control:sites")))
    return section


def _enterprise(user: Any) -> Section:
    from hongyixing.enterprises.choices import ClaimState, FilingState
    from hongyixing.enterprises.models import Claim, Filing

    return Section(
        _("My enterprise"),
        [
            Figure(
                _("Filings returned or not submitted"),
                Filing.objects.restrict(user)
                .filter(state__in=[FilingState.DRAFT, FilingState.RETURNED])
                .count(),
                reverse("enterprises:list"),
                urgent=True,
            ),
            Figure(
                _("Claims in review"),
                Claim.objects.restrict(user)
                .filter(state__in=[ClaimState.SUBMITTED, ClaimState.IN_REVIEW])
                .count(),
                reverse("enterprises:claims"),
            ),
            Figure(
                _("Claims returned"),
                Claim.objects.restrict(user).filter(state=ClaimState.RETURNED).count(),
                reverse("enterprises:claims") + "?state=" + ClaimState.RETURNED,
                urgent=True,
            ),
        ],
    )


# Role → the section its holder sees first; the order is the order on the page.
SECTIONS = {
    Role.GRID_WORKER: _grid_worker,
    Role.VILLAGE_CADRE: _village_cadre,
    Role.TOWN_OFFICER: _town_officer,
    Role.DISTRICT_OFFICE: _district_office,
    Role.CDC_STAFF: _cdc_staff,
    Role.SITE_MANAGER: _site_manager,
    Role.ENTERPRISE: _enterprise,
}


def home_sections(user: Any) -> list[Section]:
    """The sections of the user's start page, one per role held (the superuser gets the district's)."""
    roles = roles_of(user)
    if user.is_superuser and not roles:
        roles = {Role.DISTRICT_OFFICE}
    return [build(user) for role, build in SECTIONS.items() if role in roles]
