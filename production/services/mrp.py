"""MRP's netting engine: replaced by the engine (branch mrp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from production.models import MrpRun


def mrp_run_execute(*, run: MrpRun, progress: Callable[[int, str], None] | None = None
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Writes MrpItemPlan, MrpRecord, PlannedOrder, PlannedOrderPeg and MrpException rows for the run and
    returns (inputs, counts) JSON-able summaries."""
    # replaced by the engine (branch mrp)
    raise NotImplementedError
