from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Classification(models.TextChoices):
    # A positive test the CDC has not judged yet: counted nowhere until it is classified.
    PROPOSED = "proposed", _("Proposed from a positive test")
    SUSPECTED = "suspected", _("Suspected case")
    CONFIRMED = "confirmed", _("Confirmed case")
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic infection")
    EXCLUDED = "excluded", _("Excluded")


# The classification state machine: asymptomatic may still turn confirmed; confirmed and excluded
# are final (a wrong entry is corrected by the CDC with a note, not by moving back).
TRANSITIONS: dict[str, frozenset[str]] = {
    Classification.PROPOSED: frozenset(
        {
            Classification.SUSPECTED,
            Classification.CONFIRMED,
            Classification.ASYMPTOMATIC,
            Classification.EXCLUDED,
        }
    ),
    Classification.SUSPECTED: frozenset(
        {Classification.CONFIRMED, Classification.ASYMPTOMATIC, Classification.EXCLUDED}
    ),
    Classification.ASYMPTOMATIC: frozenset({Classification.CONFIRMED}),
    Classification.CONFIRMED: frozenset(),
    Classification.EXCLUDED: frozenset(),
}
# A person counts as infected (their contacts are upgraded, the chain grows from them).
INFECTED = frozenset({Classification.CONFIRMED, Classification.ASYMPTOMATIC})


class Severity(models.TextChoices):
    NONE = "", _("Not assessed")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class Outcome(models.TextChoices):
    NONE = "", _("Under treatment")
    RECOVERED = "recovered", _("Recovered")
    HOSPITAL = "hospital", _("Transferred to hospital")
    DIED = "died", _("Died")


class CaseSource(models.TextChoices):
    LOCAL = "local", _("Local")
    OTHER_PROVINCE = "other_province", _("Imported from another province")
    ABROAD = "abroad", _("Imported from abroad")


class Origin(models.TextChoices):
    DECISION = "decision", _("CDC decision")
    POSITIVE_TEST = "positive_test", _("Positive test")


class Relation(models.TextChoices):
    FAMILY = "family", _("Family")
    MEDICAL = "medical", _("Medical staff")
    CLASSMATE = "classmate", _("Classmate")
    COLLEAGUE = "colleague", _("Colleague")
    OTHER = "other", _("Other")


class ExposureMode(models.TextChoices):
    MEAL = "meal", _("Shared meal")
    ROOM = "room", _("Same room")
    WARD = "ward", _("Same ward")
    UTENSILS = "utensils", _("Shared utensils")
    SECRETIONS = "secretions", _("Secretions")
    CARE = "care", _("Care")
    VISIT = "visit", pgettext_lazy("exposure", "Visit")  # visiting the patient, not a door visit
    TRANSPORT = "transport", _("Shared transport")
    OTHER = "other", _("Other")


class ContactCategory(models.TextChoices):
    UNJUDGED = "", _("Not judged yet")
    CLOSE = "close", _("Close contact")
    SECONDARY = "secondary", _("Secondary contact")
    GENERAL = "general", _("General contact")


class ContactAction(models.TextChoices):
    TASK = "task", _("Open verification tasks")
    MEASURE = "measure", _("Open control measures")


class ContactState(models.TextChoices):
    FOUND = "found", _("Found, not yet traced")
    TASKED = "tasked", _("Verification task open")
    MANAGED = "managed", _("Under a control measure")
    FORWARDED = "forwarded", _("Forwarded to another district")
    CASE = "case", _("Became a case")
