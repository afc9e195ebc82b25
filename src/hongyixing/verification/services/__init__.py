"""Every write of the verification pipeline, one module per subdomain: intake, routing, task states,
feedback, exports and the SLA clock. This package re-exports every public name, so callers keep writing
``services.do_x(...)``. Each ``do_*`` is one transaction that writes its audit rows and events.

``DISTRICT_PATH`` here is the value read at start-up; the writers read it from ``common``."""

from hongyixing.verification.services.common import (
    DISTRICT_PATH,
    ROUTE_THRESHOLD,
    TOWN_PATH_LENGTH,
    VILLAGE_PATH_LENGTH,
    sla_times,
)
from hongyixing.verification.services.escalation import (
    AUDIENCE,
    LEVELS,
    do_escalate,
)
from hongyixing.verification.services.exports import (
    check_full_export,
    record_export,
)
from hongyixing.verification.services.feedback import (
    FeedbackInput,
    check_feedback,
    do_submit_feedback,
    submit_feedback,
)
from hongyixing.verification.services.intake import (
    SELF_REGISTRATION_FIELDS,
    IncomingRow,
    IntakeResult,
    PlainRow,
    do_intake,
    do_self_register,
    field_label,
    find_duplicate,
)
from hongyixing.verification.services.routing import (
    RouteDecision,
    do_route_manually,
)
from hongyixing.verification.services.tasks import (
    ACTION_ROLES,
    DESK_ROLES,
    TARGET_STATE,
    TRANSITIONS,
    allowed_actions,
    check_transition,
    do_create_task_for_person,
    do_transition,
    numbers_to_call,
)

__all__ = [
    "ACTION_ROLES",
    "AUDIENCE",
    "DESK_ROLES",
    "DISTRICT_PATH",
    "LEVELS",
    "ROUTE_THRESHOLD",
    "SELF_REGISTRATION_FIELDS",
    "TARGET_STATE",
    "TOWN_PATH_LENGTH",
    "TRANSITIONS",
    "VILLAGE_PATH_LENGTH",
    "FeedbackInput",
    "IncomingRow",
    "IntakeResult",
    "PlainRow",
    "RouteDecision",
    "allowed_actions",
    "check_feedback",
    "check_full_export",
    "check_transition",
    "do_create_task_for_person",
    "do_escalate",
    "do_intake",
    "do_route_manually",
    "do_self_register",
    "do_submit_feedback",
    "do_transition",
    "field_label",
    "find_duplicate",
    "numbers_to_call",
    "record_export",
    "sla_times",
    "submit_feedback",
]
