"""How this app's events read in a history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

SUBJECTS = {
    "project": (_("Major projects"), _("Project")),
}
