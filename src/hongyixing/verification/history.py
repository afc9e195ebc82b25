"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Lists and verification")
SUBJECTS = {
    "batch": (GROUP, _("Push list")),
    "pushbatch": (GROUP, _("Push list")),
    "pushrow": (GROUP, _("Push list")),
    "task": (GROUP, _("Verification task")),
    "verificationtask": (GROUP, _("Verification task")),
    "feedback": (GROUP, _("Feedback")),
    "measure": (_("Control measures"), _("Control measure")),
}

# The measure a disposition asks for is stored as the control module's code (verification does not
# import control): its words, for the history.
VALUE_LABELS = {
    "verification.verificationtask": {
        "measure_requested": {
            "home_isolation": _("Home isolation"),
            "central_isolation": _("Centralised quarantine"),
            "health_monitoring": _("Health monitoring"),
            "test_only": _("Test ordered"),
        }
    }
}
