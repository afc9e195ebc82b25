from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hongyixing.accounts.choices import Role


class GroupKind(models.TextChoices):
    OFFICE = "office", _("Office")
    GROUP = "group", _("Working group")


class MemberRole(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    DEPUTY_COMMANDER = "deputy_commander", _("Deputy commander")
    LEADER = "leader", _("Group leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")
    LIAISON = "liaison", _("Liaison")


# Who hears of a directive reaching the supervision list (督办) besides the district office.
COMMAND_ROLES = (MemberRole.COMMANDER, MemberRole.DEPUTY_COMMANDER)


class AssignmentState(models.TextChoices):
    # A context of their own: "Accepted" and "In progress" mean other things on verification tasks.
    ISSUED = "issued", pgettext_lazy("assignment state", "Issued")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("assignment state", "Acknowledged")
    IN_PROGRESS = "in_progress", pgettext_lazy("assignment state", "In progress")
    COMPLETED = "completed", pgettext_lazy("assignment state", "Completed, waiting for acceptance")
    ACCEPTED = "accepted", pgettext_lazy("assignment state", "Accepted")
    RETURNED = "returned", pgettext_lazy("assignment state", "Returned for rework")


# The clock runs while the work is with the unit; a completion report stops it.
CLOCK_STATES = (
    AssignmentState.ISSUED,
    AssignmentState.ACKNOWLEDGED,
    AssignmentState.IN_PROGRESS,
    AssignmentState.RETURNED,
)
OPEN_STATES = (*CLOCK_STATES, AssignmentState.COMPLETED)


class NoteKind(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    COMPLETION = "completion", _("Completion report")
    RETURN = "return", _("Returned by the issuer")
    ACCEPTANCE = "acceptance", _("Accepted by the issuer")


class Escalation(models.IntegerChoices):
    NONE = 0, _("On time")
    HALF = 1, _("Half of the time used")
    LATE = 2, _("80 per cent of the time used")
    URGED = 3, _("Overdue: urged (催办)")
    SUPERVISED = 4, _("Supervised (督办)")


class FieldKind(models.TextChoices):
    """Kinds of a question in a checklist or a directive's feedback form."""

    YES_NO = "yesno", _("Yes / no")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")


# Who may serve in a unit's command (a group member, a duty officer): staff with a grant tied to the
# unit; an enterprise contact never.
COMMAND_STAFF_ROLES = tuple(r for r in Role.values if r != Role.ENTERPRISE)
