from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / subdistrict")
    VILLAGE = "village", _("Village / community")
    GROUP = "group", _("Villager group")
    COMPOUND = "compound", _("Compound")
    BUILDING = "building", _("Building")


# Length of a unit's path at each level: every level adds digits to its parent's path, so a path's
# prefixes are its ancestors (city 3208, district 320813, town 320813001, village 320813001001, …).
PATH_LENGTH = {
    UnitLevel.CITY: 4,
    UnitLevel.DISTRICT: 6,
    UnitLevel.TOWN: 9,
    UnitLevel.VILLAGE: 12,
    UnitLevel.GROUP: 15,
    UnitLevel.COMPOUND: 15,
    UnitLevel.BUILDING: 18,
}
ANCESTOR_LENGTHS = (4, 6, 9, 12, 15, 18)


def ancestor_paths(path: str) -> list[str]:
    """``path`` and all its ancestors' paths, root first."""
    return [path[:n] for n in ANCESTOR_LENGTHS if n <= len(path)]


class AliasKind(models.TextChoices):
    SHORT = "short", _("Short name")
    SUFFIX = "suffix", _("Suffix variant")
    FORMER = "former", _("Former name")
    LOCAL = "local", _("Name in local use")  # entered on the unit's edit page: how lists write it
