"""Every write of control measures, one module per subdomain; this package re-exports every public
name so callers keep writing ``services.do_x(...)``. Each function is one transaction that writes its
audit rows and events."""

from hongyixing.control.services.alerts import (
    do_escalate,
    do_handle_alert,
    raise_alert,
)
from hongyixing.control.services.checks import (
    CheckInput,
    CheckResult,
    do_record_checks,
)
from hongyixing.control.services.common import (
    CENTRAL,
    CONFIRM_ROLES,
    HOME_TYPES,
    MEDICAL_ROLES,
    TEMPERATURE_RANGE,
    TRANSFER_ROLES,
    can_manage,
    can_see,
    next_number,
    today,
)
from hongyixing.control.services.inbound import (
    InboundSpec,
    do_register_inbound,
)
from hongyixing.control.services.measures import (
    MeasureSpec,
    do_convert,
    do_decide_transfer_out,
    do_end_early,
    do_extend,
    do_open_measure,
    do_record_suitability,
    do_request_transfer_out,
    do_sign_notice,
    open_from_verification,
    token_digest,
)
from hongyixing.control.services.release import (
    do_confirm_release,
    do_propose_release,
    release_blockers,
)
from hongyixing.control.services.sites import (
    SiteSpec,
    do_add_rooms,
    do_check_in,
    do_check_out,
    do_create_site,
    do_set_room_status,
)
from hongyixing.control.services.team import (
    TeamSpec,
    do_set_team_member,
    propose_team,
)
from hongyixing.control.services.tests import (
    RESULT_WORDS,
    ResultRow,
    do_import_results,
    do_record_result,
    do_record_sampling,
    do_request_test,
)
from hongyixing.control.services.transfers import (
    OPEN_TRANSFER_STATES,
    TransferSpec,
    can_run_transfers,
    do_cancel_transfer,
    do_close_transfer,
    do_create_transfer,
    do_hand_over,
    do_pick_up,
)

__all__ = [
    "CENTRAL",
    "CONFIRM_ROLES",
    "CheckInput",
    "CheckResult",
    "HOME_TYPES",
    "InboundSpec",
    "MEDICAL_ROLES",
    "MeasureSpec",
    "OPEN_TRANSFER_STATES",
    "RESULT_WORDS",
    "ResultRow",
    "SiteSpec",
    "TEMPERATURE_RANGE",
    "TRANSFER_ROLES",
    "TeamSpec",
    "TransferSpec",
    "can_manage",
    "can_run_transfers",
    "can_see",
    "do_add_rooms",
    "do_cancel_transfer",
    "do_check_in",
    "do_check_out",
    "do_close_transfer",
    "do_confirm_release",
    "do_convert",
    "do_create_site",
    "do_create_transfer",
    "do_decide_transfer_out",
    "do_end_early",
    "do_escalate",
    "do_extend",
    "do_hand_over",
    "do_handle_alert",
    "do_import_results",
    "do_open_measure",
    "do_pick_up",
    "do_propose_release",
    "do_record_checks",
    "do_record_result",
    "do_record_sampling",
    "do_record_suitability",
    "do_register_inbound",
    "do_request_test",
    "do_request_transfer_out",
    "do_set_room_status",
    "do_set_team_member",
    "do_sign_notice",
    "next_number",
    "open_from_verification",
    "propose_team",
    "raise_alert",
    "release_blockers",
    "today",
    "token_digest",
]
