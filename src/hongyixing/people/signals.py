"""Signals of the register that apps above people act on (people imports none of them).

Both are sent inside the transaction that changed the register, after the person rows are written;
a receiver that raises ``DomainError`` refuses the change and the whole transaction rolls back.

``person_status_changed(person=, actor=, status=, previous=, on=, note=, destination=)``: a person
died (``status="deceased"``), moved out of the district (``"moved_away"``, with the destination) or
came back onto the register (``"resident"``). Verification closes the person's open tasks; control
ends an active measure (death) or refuses the move while a measure is active.

``person_moved(persons=[Person], actor=, previous={person id: (unit path, grid id)}, on=, note=)``:
residents now live elsewhere in the district (a household moved, a person changed household, a
returning person joined one). Verification re-points their open tasks to the new grid; control moves
their active measures and re-proposes the grid worker and village cadre of the team.
"""

from django.dispatch import Signal

person_status_changed = Signal()
person_moved = Signal()
