"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

MEASURES = _("Control measures")
SUBJECTS = {
    "measure": (MEASURES, _("Control measure")),
    "teammember": (MEASURES, _("Team of four")),
    "team": (MEASURES, _("Team of four")),
    "check": (_("Health checks"), _("Health check")),
    "healthcheck": (_("Health checks"), _("Health check")),
    "selfreportlink": (_("Health checks"), _("Self-report link")),
    "alert": (_("Alerts"), _("Alert")),
    "test": (_("Tests"), _("Test")),
    "sample": (_("Tests"), _("Test")),
    "transfer": (_("Transfers"), _("Transfer")),
    "stay": (_("Quarantine sites"), _("Stay")),
    "inbound": (MEASURES, _("Inbound arrival")),
    "inboundarrival": (MEASURES, _("Inbound arrival")),
}
