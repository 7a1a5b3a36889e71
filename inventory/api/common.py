"""What the inventory endpoints share: the API root, the warehouse check, and resolving the codes of
locations and the numbers of lots, which mean something only within a warehouse or an item. Sales
uses these for inventory's own records (the locations a customer return goes back to)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from erp.api.serializers import LineErrorCollector, LineErrors
from erp.api.viewsets import CompanyViewMixin, DepartmentRootView
from inventory import selectors
from inventory.models import Item, Location, Lot, Warehouse


class InventoryAPIRootView(DepartmentRootView):
    """The inventory endpoints: item master, documents, balances and the stock ledger."""

    app_label = "inventory"


def check_operate(user: Any, warehouse: Warehouse) -> None:
    """403 unless ``user`` may post stock moves in ``warehouse``."""
    if not selectors.can_operate(user, warehouse):
        raise exceptions.PermissionDenied(
            _("You may not post stock moves in warehouse %(warehouse)s.") % {"warehouse": warehouse.code}
        )


class WarehouseViewMixin(CompanyViewMixin):
    """Records of a warehouse: a write on one the user sees but may not change names the warehouse."""

    def refuse_change(self, instance: Any) -> NoReturn:
        check_operate(self.request.user, instance.warehouse)
        raise exceptions.PermissionDenied()


def location_missing(code: str, warehouse: Warehouse) -> str:
    return _("There is no location %(code)s in warehouse %(warehouse)s.") % {"code": code,
                                                                              "warehouse": warehouse.code}


class LotNumberField(serializers.CharField):
    """Reads as the lot's number; writes a lot number, resolved against the line's item."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        number: str = value.number
        return number


class LineResolver(LineErrorCollector):
    """Turns the codes of a document's lines into records, collecting errors per line."""

    def __init__(self) -> None:
        super().__init__()
        self.locations: dict[int, dict[str, Location]] = {}

    def location(self, warehouse: Warehouse, code: str, errors: LineErrors, field: str) -> Location | None:
        if warehouse.pk not in self.locations:
            self.locations[warehouse.pk] = {loc.code: loc for loc in Location.objects.filter(warehouse=warehouse)}
        location = self.locations[warehouse.pk].get(code)
        if location is None:
            errors[field] = [location_missing(code, warehouse)]
        return location

    @staticmethod
    def lot(item: Item, line: dict[str, Any], errors: LineErrors) -> Lot | None:
        number, lot_id = (line.get("lot") or "").strip(), line.get("lot_id")
        if not number and lot_id is None:
            return None
        field = "lot_id" if lot_id is not None else "lot"
        if not item.lot_tracked:
            errors[field] = [_("%(item)s is not lot-tracked: leave the lot empty.") % {"item": item.code}]
            return None
        lots = Lot.objects.filter(item=item)
        lot = lots.filter(pk=lot_id).first() if lot_id is not None else lots.filter(number=number).first()
        if lot is None:
            errors[field] = [_("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": lot_id or number}]
        return lot
