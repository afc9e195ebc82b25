"""How this app's events read in a history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Policy rules")
SUBJECTS = {
    "verificationrule": (GROUP, _("Verification deadline")),
    "measurerule": (GROUP, _("Control measure rule")),
}
