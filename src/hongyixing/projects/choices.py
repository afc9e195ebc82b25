from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    SIGNED = "signed", _("Signed")
    STARTED = "started", _("Started")
    BUILDING = "building", _("Under construction")
    COMPLETED = "completed", _("Completed")
    PRODUCING = "producing", _("In production")


STAGE_ORDER = [s.value for s in Stage]
STARTED_STAGES = (Stage.STARTED, Stage.BUILDING, Stage.COMPLETED, Stage.PRODUCING)


class Sector(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    SERVICES = "services", _("Services")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    AGRICULTURE = "agriculture", _("Agriculture")
    SOCIAL = "social", _("Social undertakings")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
