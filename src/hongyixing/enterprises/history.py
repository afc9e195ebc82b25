"""How this app's events read in a history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Enterprises")
SUBJECTS = {
    "enterprise": (GROUP, _("Enterprise")),
    "employee": (GROUP, _("Returning staff")),
    "filing": (GROUP, _("Resumption filing")),
    "claim": (GROUP, _("Subsidy claim")),
    "payment": (GROUP, _("Payment batch")),
    "problem": (GROUP, _("Enterprise problem")),
    "subsidy_rule": (GROUP, _("Subsidy rule")),
}
