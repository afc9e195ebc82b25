from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureType(models.TextChoices):
    CENTRAL_ISOLATION = "central_isolation", _("Centralised quarantine")
    HOME_ISOLATION = "home_isolation", _("Home isolation")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    HEALTH_MONITORING = "health_monitoring", _("Health monitoring")


class MeasureCategory(models.TextChoices):
    GENERAL = "general", _("General")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact")
    INBOUND = "inbound", _("Inbound from abroad")


class MeasureState(models.TextChoices):
    ACTIVE = "active", _("Under measure")
    RELEASED = "released", _("Released")
    CONVERTED = "converted", _("Converted to another measure")
    TRANSFERRED_OUT = "transferred_out", _("Transferred to another district")
    ENDED_EARLY = "ended_early", _("Ended early")


class MeasureSource(models.TextChoices):
    VERIFICATION = "verification", _("Verification disposition")
    CONTACT = "contact", _("Contact judged by CDC")
    MANUAL = "manual", _("Opened by hand")
    FOLLOW_ON = "follow_on", _("Follow-on measure")
    CONVERSION = "conversion", _("Conversion")


class TransferOutState(models.TextChoices):
    NONE = "", _("—")
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TeamRole(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    CADRE = "cadre", _("Village / community cadre")
    POLICE = "police", _("Community police")
    MEDICAL = "medical", _("CDC / medical staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    LIAISON = "liaison", _("Liaison for an inbound traveller")


TEAM_DUTIES = {
    TeamRole.GRID_WORKER: _("Twice-daily checks, daily contact, supplies"),
    TeamRole.CADRE: _("Overall responsibility, release confirmation"),
    TeamRole.POLICE: _("Keeps the person at home, follows up absences"),
    TeamRole.MEDICAL: _("Sampling, health advice, abnormal-check assessment"),
    TeamRole.VOLUNTEER: _("Deliveries and waste collection"),
    TeamRole.LIAISON: _("One contact from the port to the last test (专人对接)"),
}


class Slot(models.TextChoices):
    MORNING = "m", _("Morning")
    EVENING = "e", _("Evening")


class CheckSource(models.TextChoices):
    SELF = "self", _("Self-report")
    TEAM = "team", _("Team member")
    SITE = "site", _("Site staff")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    DRY_COUGH = "cough", _("Dry cough")
    FATIGUE = "fatigue", _("Fatigue")
    SORE_THROAT = "throat", _("Sore throat")
    SMELL_TASTE = "smell", _("Loss of smell or taste")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")


class AlertKind(models.TextChoices):
    MISSED_CHECK = "missed_check", _("Missed health check")
    ABNORMAL_CHECK = "abnormal_check", _("Abnormal health check")
    POSITIVE_TEST = "positive_test", _("Positive test")
    OVERDUE_SAMPLE = "overdue_sample", _("Sample overdue")
    OPEN_LOOP = "open_loop", _("Open transfer loop")


class AlertState(models.TextChoices):
    OPEN = "open", _("Not handled")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class SampleStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Waiting to be sampled")
    SAMPLED = "sampled", _("Sampled, waiting for result")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    CANCELLED = "cancelled", _("Cancelled")


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    SCHOOL = "school", _("School / training centre")
    PURPOSE_BUILT = "purpose_built", _("Purpose-built site")
    OTHER = "other", _("Other")


class RoomStatus(models.TextChoices):
    FREE = "free", _("Free")
    OCCUPIED = "occupied", _("Occupied")
    CLEANING = "cleaning", _("Cleaning")
    SEALED = "sealed", _("Sealed")


class TransferReason(models.TextChoices):
    FEVER_CLINIC = "fever_clinic", _("To the fever clinic")
    TO_SITE = "to_site", _("To a quarantine site")
    TO_HOME = "to_home", _("Point-to-point return home")
    INBOUND = "inbound", _("Inbound arrival from the port")
    OTHER = "other", _("Other")


class TransferState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PICKED_UP = "picked_up", _("Picked up")
    HANDED_OVER = "handed_over", _("Handed over")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Home suitability (domain.md §3): all must hold, otherwise the person goes to a site.
SUITABILITY_ITEMS = {
    "single_room": _("A single room for the person"),
    "own_toilet": _("A separate toilet"),
    "handover_point": _("A contactless hand-over point at the door"),
    "thermometer": _("A thermometer at home"),
    "no_vulnerable": _("No elderly, pregnant or chronically ill people sharing the home"),
}
