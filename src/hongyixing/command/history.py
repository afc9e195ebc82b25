"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

SUBJECTS = {
    "visit": (_("Screening"), _("Door-to-door visit")),
    "campaign": (_("Screening"), _("Screening campaign")),
    "directive": (_("Command centre"), _("Directive")),
    "assignment": (_("Command centre"), _("Assignment")),
    "group": (_("Command centre"), _("Working group")),
}
