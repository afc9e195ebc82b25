from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_OFFICE = "district_office", _("District command office")
    WORKING_GROUP = "working_group", _("Working-group member")
    TOWN_OFFICER = "town_officer", _("Town / subdistrict officer")
    VILLAGE_CADRE = "village_cadre", _("Village / community cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_POLICE = "community_police", _("Community police")
    CDC_STAFF = "cdc_staff", _("CDC staff")
    SITE_MANAGER = "site_manager", _("Quarantine-site manager")
    ENTERPRISE = "enterprise", _("Enterprise contact")
