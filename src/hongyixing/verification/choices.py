from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    BIG_DATA = "big_data", _("Province big-data centre")
    POLICE = "police", _("Police")
    TELECOM = "telecom", _("Telecom operator")
    TRANSPORT = "transport", _("Rail / airline")
    TASK_FORCE = "task_force", _("City task force")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    EMPLOYER = "employer", _("Employer")
    SELF_REGISTRATION = "self_registration", _("Self-registration")


class Category(models.TextChoices):
    GENERAL = "general", _("General verification")
    HEALTH_CODE = "health_code", _("Health-code anomaly")
    ITINERARY = "itinerary", _("Itinerary")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    COMPANION = "companion", _("Spatio-temporal companion")
    INBOUND = "inbound", _("Inbound from abroad")
    ARRIVAL = "arrival", _("Arrival registration")


class RowStatus(models.TextChoices):
    TASKED = "tasked", _("Task created")
    MERGED = "merged", _("Merged into another task")
    MANUAL = "manual", _("Waiting for manual routing")
    OUTSIDE = "outside", _("Outside the district")
    ATTENTION = "attention", _("Needs attention")


class TaskState(models.TextChoices):
    NEW = "new", _("New")
    # Placed for certain at a village (or a town) but not at one grid: the unit's desk assigns it.
    WAITING = "waiting", _("Waiting to be assigned")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed by the village")
    REVIEWED = "reviewed", _("Reviewed by the town")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    FORWARDED = "forwarded", _("Forwarded to another town")
    FORWARDED_OUT = "forwarded_out", _("Forwarded out of the district")


OPEN_STATES = (
    TaskState.NEW,
    TaskState.WAITING,
    TaskState.DISPATCHED,
    TaskState.ACCEPTED,
    TaskState.IN_PROGRESS,
    TaskState.SUBMITTED,
    TaskState.CONFIRMED,
    TaskState.RETURNED,
)
# The clock stops once the grid worker's feedback is in.
CLOCK_STATES = (
    TaskState.NEW,
    TaskState.WAITING,
    TaskState.DISPATCHED,
    TaskState.ACCEPTED,
    TaskState.IN_PROGRESS,
    TaskState.RETURNED,
)


class Disposition(models.TextChoices):
    ALREADY_KNOWN = "ALREADY_KNOWN", _("Already under management")
    NEW_FOUND = "NEW_FOUND", _("Newly found")
    HOME_ISOLATION = "HOME_ISOLATION", _("Home isolation applied")
    CENTRAL_ISOLATION = "CENTRAL_ISOLATION", _("Centralised quarantine applied")
    HEALTH_MONITORING = "HEALTH_MONITORING", _("Health monitoring applied")
    TEST_ONLY = "TEST_ONLY", _("Test ordered")
    NOT_RESIDENT = "NOT_RESIDENT", _("Does not live here")
    LEFT_AREA = "LEFT_AREA", _("Has left the area")
    TRANSIT_ONLY = "TRANSIT_ONLY", _("Only passed through")
    OUT_OF_WINDOW = "OUT_OF_WINDOW", _("Outside the screening window")
    WRONG_INFO = "WRONG_INFO", _("Information is wrong")
    NOT_FOUND = "NOT_FOUND", _("No such person")
    UNREACHABLE = "UNREACHABLE", _("Not reached yet")


# Dispositions that call for a control measure (opened by the control-measures module).
MEASURE_DISPOSITIONS = {
    Disposition.NEW_FOUND: "health_monitoring",
    Disposition.HOME_ISOLATION: "home_isolation",
    Disposition.CENTRAL_ISOLATION: "central_isolation",
    Disposition.HEALTH_MONITORING: "health_monitoring",
    Disposition.TEST_ONLY: "test_only",
}


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Door visit")
    BOTH = "both", _("Phone and visit")


class CodeColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    UNKNOWN = "unknown", _("Unknown")


class TestStatus(models.TextChoices):
    NONE = "none", _("Not tested")
    NEGATIVE = "negative", _("Negative")
    PENDING = "pending", _("Waiting for result")
    POSITIVE = "positive", _("Positive")
