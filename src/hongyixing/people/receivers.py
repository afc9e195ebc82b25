"""What the people app does when the tree below it changes (connected in ``PeopleConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from hongyixing.areas.signals import units_moved_to_grids
from hongyixing.people import services
from hongyixing.people.models import Person


@receiver(units_moved_to_grids)
def follow_households_into_grids(sender: Any, moved: dict[int, list[int]], **kwargs: Any) -> None:
    for grid_id, unit_ids in moved.items():
        for start in range(0, len(unit_ids), 500):
            chunk = unit_ids[start : start + 500]
            Person.objects.filter(household__unit_id__in=chunk).update(grid_id=grid_id)
    services.do_recount()
