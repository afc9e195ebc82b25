"""Signals other apps listen to. Verification does not know who acts on a disposition: the control
module connects to ``measure_requested`` and opens the measure in the same transaction."""

from django.dispatch import Signal

# Sent with task=, actor=, measure= (a control measure type or "test_only"), arrival= (date or None).
measure_requested = Signal()
