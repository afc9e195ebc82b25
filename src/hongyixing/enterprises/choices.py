from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Industry(models.TextChoices):
    """The district's industries (洪泽: salt chemicals, machinery, food, textiles, new materials …)."""

    SALT_CHEMICAL = "salt_chemical", _("Salt and chemicals")
    MACHINERY = "machinery", _("Machinery and equipment")
    FOOD = "food", _("Food and aquatic products")
    TEXTILE = "textile", _("Textiles and garments")
    NEW_MATERIALS = "new_materials", _("New materials")
    ELECTRONICS = "electronics", _("Electronics")
    CONSTRUCTION = "construction", _("Construction")
    LOGISTICS = "logistics", _("Logistics")
    RETAIL = "retail", _("Retail and catering")
    OTHER = "other", _("Other")


class FilingState(models.TextChoices):
    # "Submitted" of its own: on a verification task it is the worker's feedback (已反馈).
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", pgettext_lazy("filed by an enterprise", "Submitted")
    INSPECTED = "inspected", _("Spot-checked")
    APPROVED = "approved", _("Approved to resume")
    RETURNED = "returned", _("Returned")


# The prevention plan's checklist (domain.md §8): key → label.
CHECKLIST = (
    ("responsibility", _("Responsibility chain named")),
    ("screening", _("Staff screened (origin and 14-day whereabouts)")),
    ("masks", _("Masks for at least 3 days")),
    ("thermometers", _("Thermometers")),
    ("disinfectant", _("Disinfectant for at least 3 days")),
    ("isolation_room", _("Isolation room")),
    ("entry_checks", _("Temperature checks at the entrance")),
    ("canteen_dorm", _("Canteen and dormitory rules")),
)
CHECKLIST_KEYS = tuple(key for key, _label in CHECKLIST)


class StaffStatus(models.TextChoices):
    CLEARED = "cleared", _("May return to work")
    PENDING = "pending", _("Being verified")
    CONTROLLED = "controlled", _("Under control measures")


class ClaimKind(models.TextChoices):
    TRANSPORT = "transport", _("Return transport subsidy (per person)")
    CHARTER = "charter", _("Return transport subsidy (chartered bus)")
    HIRING = "hiring", _("Hiring reward")
    REFERRAL = "referral", _("Referral reward")
    LOAN = "loan", _("Resumption loan guarantee")


# Kinds paid per named person: the same ID may be claimed once per kind, at one enterprise.
PER_PERSON_KINDS = (ClaimKind.TRANSPORT, ClaimKind.CHARTER, ClaimKind.HIRING, ClaimKind.REFERRAL)


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("filed by an enterprise", "Submitted")
    IN_REVIEW = "in_review", _("In departmental review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    REJECTED = "rejected", _("Rejected")
    IN_BATCH = "in_batch", _("In a payment batch")
    PAID = "paid", _("Paid")


# A claim in these states still holds its people against a second claim.
HOLDING_STATES = (
    ClaimState.SUBMITTED,
    ClaimState.IN_REVIEW,
    ClaimState.APPROVED,
    ClaimState.IN_BATCH,
    ClaimState.PAID,
)


class ProblemCategory(models.TextChoices):
    LABOUR = "labour", _("Labour")
    LOGISTICS = "logistics", _("Logistics")
    FINANCING = "financing", _("Financing")
    MATERIALS = "materials", _("Raw materials")
    PREVENTION = "prevention", _("Prevention supplies")
    OTHER = "other", _("Other")


class ProblemState(models.TextChoices):
    OPEN = "open", pgettext_lazy("enterprise problem", "Reported")
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Solved")


class Department(models.TextChoices):
    TOWN = "town", _("Town / park")
    HR = "hr", _("Human resources and social security")
    FINANCE = "finance", _("Finance")
    COMMERCE = "commerce", _("Commerce")
    FINANCIAL_OFFICE = "financial_office", _("Financial affairs office")
    INDUSTRY = "industry", _("Industry and information technology")
