"""Production: engineering data (work centers with their calendars, routings, BOM versions), planning
(demand lines, MRP runs with their records, planned orders and pegging) and work orders.

Quantities are in the item's base unit (6 places) except where a line keeps the unit it was entered
in (a BOM line: ``quantity`` and ``unit`` as entered, ``quantity_base`` for planning)."""

from production.models.engineering import *  # noqa: F403
from production.models.planning import *  # noqa: F403
from production.models.workorders import *  # noqa: F403
