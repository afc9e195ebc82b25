"""How this app's events read in a history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

SUBJECTS = {
    "unit": (_("Areas"), _("Administrative unit")),
    "adminunit": (_("Areas"), _("Administrative unit")),
    "grid": (_("Areas"), _("Grid")),
}
