"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Cases and contacts")
SUBJECTS = {
    "case": (GROUP, _("Case")),
    "contact": (GROUP, _("Contact")),
    "itineraryentry": (GROUP, _("Itinerary")),
}
