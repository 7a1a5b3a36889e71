"""Production's kinds of import, on the core's import engine (``erp.imports``): demand lines.

Demand lines: one row per line (item code, required date, quantity in the item's base unit, an
optional reference); every row is new. Item codes are read once into a dict, so the number of
queries does not grow with the rows. All or nothing: no line is written unless every row is valid.
Registered in ``ProductionConfig.ready`` (``register_import_kind(DEMAND)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.imports import (
    Column,
    ImportKind,
    ImportResult,
    RowChecker,
    RowResult,
    Table,
    codes_of,
    fmt_decimal,
    for_row,
    parse_code,
    parse_date,
    parse_decimal,
    parse_text,
)
from inventory.models import Item
from production.services import demand as services

if TYPE_CHECKING:
    from erp.models import Company, User

QTY_PLACES = 6

DEMAND_COLUMNS = (
    Column("item", gettext_lazy("Item code"), True, ("料號", "品號"), ("料号", "品号", "物料编码"), ("item code",),
           gettext_lazy("An existing, active item.")),
    Column("date", gettext_lazy("Required date"), True, ("需求日期", "需求日"), ("需求日期", "需求日"),
           ("required date", "due date"), gettext_lazy("Date, e.g. 2026-11-25.")),
    Column("quantity", gettext_lazy("Quantity"), True, ("數量", "需求數量"), ("数量", "需求数量"), ("qty",),
           gettext_lazy("More than zero, in the item's base unit, up to 6 decimal places.")),
    Column("reference", gettext_lazy("Reference"), False, ("參考", "備註"), ("参考", "备注"), ("forecast",),
           gettext_lazy("A forecast's name, a customer's expected order; up to 100 characters.")),
)


def validate_demand(table: Table, *, company: Company, user: User) -> ImportResult:
    items = {item.code: item for item in Item.objects.restrict(user).filter(company=company,
                                                                            code__in=codes_of(table, "item"))}
    rows: list[RowResult] = []
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        code = check.take("item", parse_code)
        if code:
            item = items.get(code)
            if item is None:
                check.error("item", _("item “%(code)s” does not exist.") % {"code": code})
            elif not item.is_active:
                check.error("item", _("item “%(code)s” is inactive.") % {"code": code})
            else:
                check.row.values["item"] = item
                check.show("item", code)
        day = check.take("date", parse_date)
        if day is None and not check.failed("date"):
            check.error("date", _("a value is required."))
        quantity = check.take("quantity", parse_decimal, positive=True, places=QTY_PLACES, required=True)
        if quantity is not None:
            check.show("quantity", fmt_decimal(quantity))
        check.take("reference", parse_text, max_length=100)
        rows.append(check.row)
    return ImportResult(table=table, rows=rows)


def commit_demand(result: ImportResult, *, company: Company, user: User) -> int:
    for row in result.rows:
        values = row.values
        for_row(row, services.demand_save, company=company, actor=user, item=values["item"], date=values["date"],
                quantity=values["quantity"], reference=values.get("reference") or "")
    return len(result.rows)


DEMAND = ImportKind(
    app_label="production", key="demand", label=gettext_lazy("Demand lines"),
    permission="production.add_demand", columns=DEMAND_COLUMNS, validator=validate_demand,
    committer=commit_demand, done_message=gettext_lazy("%(count)s demand lines imported."),
)
KINDS = (DEMAND,)
