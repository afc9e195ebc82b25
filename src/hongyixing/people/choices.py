from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN_PERMIT = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_RESIDENCE = "foreign_pr", _("Foreign permanent resident ID card")
    OTHER = "other", _("Other document")


class Residency(models.TextChoices):
    REGISTERED = "registered", _("Registered resident")
    PERMANENT = "permanent", _("Permanent resident")
    FLOATING = "floating", _("Floating population")
    FOREIGN = "foreign", _("From outside the mainland")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    LANDLINE = "landline", _("Landline")


class PersonStatus(models.TextChoices):
    """Whether a person is on the register here (在册), has moved away (已迁出) or has died (已死亡).
    Moved-away and deceased persons stay on file and searchable; the counters count residents only."""

    RESIDENT = "resident", _("On the register")
    MOVED_AWAY = "moved_away", _("Moved away")
    DECEASED = "deceased", _("Deceased")
