"""Sales' hand-written SQL (docs/architecture.md, "Hand-written SQL"): the only module of ``sales``
that opens a cursor; tests/sales/test_sql.py proves each function gives what the ORM would."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from erp.models import Company
from erp.sql import instances_of, select_list
from inventory.models import Item, UnitOfMeasure, Warehouse
from sales.models import Customer, SalesOrder, SalesOrderLine


def order_for_confirmation(order_id: int, scope: tuple[str, list[Any]] | None = None) -> SalesOrder:
    """The order under a row lock (FOR UPDATE OF the order) with its customer, company and warehouse
    loaded; ``scope`` is the SQL and parameters of a subquery of order ids the user may change (from
    ``restrict``): an order outside it is not found. Raises SalesOrder.DoesNotExist. The ORM
    formulation is ``SalesOrder.objects.select_for_update(of=("self",)).select_related("customer",
    "company", "warehouse").get(pk=order_id)``.

    Why raw: confirmation's hot path; compiling the four-table select_related on every call cost more
    than running it (bench/sales_confirm.py)."""
    where, params = "o.id = %s", [order_id]
    if scope is not None:
        where += f" AND o.id IN ({scope[0]})"
        params.extend(scope[1])
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT {select_list((SalesOrder, 'o'), (Customer, 'c'), (Company, 'co'), (Warehouse, 'w'))} "
            f"FROM {SalesOrder._meta.db_table} o JOIN {Customer._meta.db_table} c ON c.id = o.customer_id "
            f"JOIN {Company._meta.db_table} co ON co.id = o.company_id "
            f"JOIN {Warehouse._meta.db_table} w ON w.id = o.warehouse_id WHERE {where} FOR UPDATE OF o",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        raise SalesOrder.DoesNotExist()
    order: SalesOrder
    order, customer, company, warehouse = instances_of(row, SalesOrder, Customer, Company, Warehouse)
    order.customer, order.company, order.warehouse = customer, company, warehouse
    return order


def order_lines_with_items(order: SalesOrder) -> list[SalesOrderLine]:
    """``order``'s lines in line order with their units, items and the items' base units loaded (the
    unit for the lines' audit entries). The ORM formulation is
    ``order.lines.select_related("unit", "item__base_unit").order_by("line_no", "pk")``.

    Why raw: as ``order_for_confirmation``, the second statement of confirmation's hot path."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT {select_list((SalesOrderLine, 'l'), (Item, 'i'), (UnitOfMeasure, 'u'), (UnitOfMeasure, 'lu'))} "
            f"FROM {SalesOrderLine._meta.db_table} l JOIN {Item._meta.db_table} i ON i.id = l.item_id "
            f"JOIN {UnitOfMeasure._meta.db_table} u ON u.id = i.base_unit_id "
            f"JOIN {UnitOfMeasure._meta.db_table} lu ON lu.id = l.unit_id WHERE l.order_id = %s "
            "ORDER BY l.line_no, l.id",
            [order.pk],
        )
        rows = cursor.fetchall()
    lines = []
    for line_row in rows:
        line, item, base_unit, unit = instances_of(line_row, SalesOrderLine, Item, UnitOfMeasure, UnitOfMeasure)
        item.base_unit = base_unit
        line.item, line.order, line.unit = item, order, unit
        lines.append(line)
    return lines
