"""What every verification writer shares: the district, the routing thresholds and the SLA clock."""

from __future__ import annotations

from hongyixing.areas.district import district_path
from hongyixing.core import deadlines

# Writers read this as ``common.DISTRICT_PATH`` so that one setting reaches every one of them.
DISTRICT_PATH = district_path()  # from configuration or the divisions file
# Below this routing confidence a person waits in the manual queue instead of reaching a grid.
ROUTE_THRESHOLD = 0.6
TOWN_PATH_LENGTH, VILLAGE_PATH_LENGTH = 9, 12


# Warn at 50 % and 80 % of the time; overdue goes to the town at once and to the district's
# supervision list (督办) once a further quarter of the allowed time (at least an hour) has passed.
sla_times = deadlines.clock_times
