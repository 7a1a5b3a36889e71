"""Who sees which production rows (registered in ProductionConfig.ready; see erp.scoping).

Production's data is the company's: every user of the company who holds a model's permission sees
all of its rows (work centers, routings, BOMs, demand, MRP runs, work orders). Rows without a company
of their own are scoped through their parent."""

from __future__ import annotations

from erp.scoping import Through, register_scope

THROUGH = {  # model: (path to its parent, parent model)
    "workcenterholiday": ("work_center", "workcenter"),
    "routingoperation": ("routing", "routing"),
    "bomline": ("bom", "bom"),
    "mrpitemplan": ("run", "mrprun"),
    "mrprecord": ("run", "mrprun"),
    "plannedorder": ("run", "mrprun"),
    "plannedorderpeg": ("planned_order", "plannedorder"),
    "mrpexception": ("run", "mrprun"),
}


def register() -> None:
    for model, (path, parent) in THROUGH.items():
        register_scope(f"production.{model}", Through(path, f"production.{parent}"))
