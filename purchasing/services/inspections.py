"""Incoming inspections: goods that need one wait in the warehouse's quarantine location (not
available) until the inspector records how many are accepted — those move to the receipt line's
location at the average cost — and how many are rejected: those stay in quarantine for a supplier
return (purchasing.services.returns)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.documents import check_transition, transition
from erp.errors import DomainError
from erp.models import User
from erp.money import format_quantity
from inventory import status as inventory_status
from inventory.services.stock import MoveSpec, post_moves
from purchasing import status as st
from purchasing.models import Inspection

ZERO = Decimal("0")


def as_quantity(value: Decimal | int | str | None, field: str) -> Decimal:
    try:
        quantity = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise DomainError(_("Enter a number."), field=field) from None
    if quantity < 0:
        raise DomainError(_("The quantity must not be negative."), field=field)
    return quantity


@atomic_with_retry
def inspection_record(*, inspection: Inspection, accepted: Decimal | int | str | None,
                      rejected: Decimal | int | str | None, notes: str = "", actor: User) -> Inspection:
    """Record the inspection's result (base-unit quantities that add up to what was received): the
    accepted goods move from quarantine to the destination at the average cost; the rejected ones
    stay in quarantine until they are returned to the supplier. The inspection is done and numbered."""
    accepted_qty, rejected_qty = as_quantity(accepted, "accepted"), as_quantity(rejected, "rejected")
    inspection = (Inspection.objects.select_for_update(of=("self",))
                  .select_related("item", "lot", "quarantine_location", "destination", "company")
                  .get(pk=inspection.pk))
    check_transition(inspection, st.InspectionStatus.DONE)
    if accepted_qty + rejected_qty != inspection.quantity:
        raise DomainError(_("Accepted and rejected must add up to the %(quantity)s received.")
                          % {"quantity": format_quantity(inspection.quantity)}, field="accepted")
    transition(inspection, st.InspectionStatus.DONE, actor=actor, extra_fields={
        "accepted_quantity": accepted_qty, "rejected_quantity": rejected_qty, "result_notes": notes or "",
        "inspected_by": actor, "inspected_at": timezone.now()})
    if accepted_qty > 0:
        common = {"item": inspection.item, "lot": inspection.lot, "field": "accepted"}
        post_moves(company=inspection.company, actor=actor, document=inspection, specs=[
            MoveSpec(location=inspection.quarantine_location, quantity=-accepted_qty,
                     move_type=inventory_status.MoveType.TRANSFER_OUT, **common),  # type: ignore[arg-type]
            MoveSpec(location=inspection.destination, quantity=accepted_qty,
                     move_type=inventory_status.MoveType.TRANSFER_IN, **common),  # type: ignore[arg-type]
        ])
    return inspection
