"""How this app's events read on a person's history (see core/history.py)."""

from django.utils.translation import gettext_lazy as _

GROUP = _("Personal details")
SUBJECTS = {
    "person": (GROUP, _("Person")),
    "personphone": (GROUP, _("Phone")),
    "household": (GROUP, _("Household")),
    # The register's changes (people/lifecycle.py): 迁出：登记, 迁入：登记; a death is "person.died".
    "move_away": (GROUP, _("Move out of the district")),
    "move_in": (GROUP, _("Return onto the register")),
}
