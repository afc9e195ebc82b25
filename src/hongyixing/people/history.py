"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Personal details")
SUBJECTS = {
    "person": (GROUP, _("Person")),
    "personphone": (GROUP, _("Phone")),
    "household": (GROUP, _("Household")),
}
