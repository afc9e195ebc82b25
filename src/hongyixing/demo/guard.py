"""Demo-only commands (seed_demo, demo_push_list, totp_code) refuse to run outside the demo.

``hongyixing demo`` turns the demo mode on (``HONGYIXING_DEMO=1``); so do the tests. In production a
command that prints anyone's second-factor code, or fills the database with synthetic people, must
not be one typo away.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

REFUSAL = (
    "This is a demo-only command: it runs only in demo mode (HONGYIXING_DEMO=1, set by `hongyixing demo`)."
)


def require_demo_mode() -> None:
    if not getattr(settings, "DEMO_MODE", False):
        raise CommandError(REFUSAL)
