"""Signals of the tree that apps above it act on (areas imports none of them).

``units_moved_to_grids(moved={grid_id: [unit ids]})`` is sent inside the transaction that put those
units (and their households) into other grids; the people app moves the persons and rebuilds the
counters in the same transaction.
"""

from django.dispatch import Signal

units_moved_to_grids = Signal()
