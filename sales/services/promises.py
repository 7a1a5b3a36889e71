"""Promised dates moved by the supply behind them: when the goods a confirmed order waits for get a
date from another department (a purchase order approved, re-dated or received), the lines' promised
dates follow and the order's sales rep is told (notification kind ``sales.promise_changed``).

Sales stands below purchasing: purchasing calls ``order_lines_repromise`` with the dates it knows
(``purchasing.services.feedback``); sales decides what a supply date means for the customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.utils import timezone
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.models import User
from office.services.notifications import notify
from sales import status as st
from sales.models import SalesOrder, SalesOrderLine

PROMISE_CHANGED = "sales.promise_changed"  # the notification kind (registered in SalesConfig.ready)
PROMISE_CHANGED_MESSAGE = gettext_noop("Promised date of %(order)s moved to %(date)s: %(reason)s")


def promise_for(line: SalesOrderLine, order: SalesOrder, supply: datetime.date, prep_days: int,
                today: datetime.date) -> datetime.date:
    """The date to promise for ``line`` when its goods arrive on ``supply``: the requested date (today
    if none) or, if later, the supply date plus the warehouse's shipping preparation days."""
    requested = line.requested_date or order.requested_date or today
    return max(requested, supply + datetime.timedelta(days=prep_days))


@atomic_with_retry
def order_lines_repromise(*, promises: Mapping[int, datetime.date], actor: User | None,
                          reason: messages.Message) -> list[SalesOrder]:
    """Set the promised date of each open sales order line in ``promises`` ({line id: supply date})
    from its supply date (``promise_for``), recompute each order's promised date (its lines' latest),
    record the changes in the history and notify each order's rep once, with ``reason`` (a message
    key, shown in the rep's language). Lines of orders no longer open, or with nothing left to
    deliver, keep their dates. Returns the orders whose promised dates changed; nothing is written
    (and nobody told) when no date moves."""
    if not promises:
        return []
    today = timezone.localdate()
    order_ids = set(SalesOrderLine.objects.filter(pk__in=list(promises)).values_list("order_id", flat=True))
    orders = list(SalesOrder.objects.select_for_update(of=("self",)).select_related("company", "sales_rep")
                  .filter(pk__in=order_ids, status__in=st.OPEN_ORDER_STATUSES).order_by("pk"))
    if not orders:
        return []
    by_order: dict[int, list[SalesOrderLine]] = {}
    for line in SalesOrderLine.objects.filter(order__in=orders).order_by("order_id", "line_no", "pk"):
        by_order.setdefault(line.order_id, []).append(line)
    changed_orders: list[SalesOrder] = []
    changed_lines: list[SalesOrderLine] = []
    line_before = {}
    order_before = audit.snapshot(orders)
    for order in orders:
        lines = by_order.get(order.pk, [])
        moved = False
        for line in lines:
            supply = promises.get(line.pk)
            if supply is None or line.open_quantity <= 0:
                continue
            new = promise_for(line, order, supply, order.company.shipping_prep_days, today)
            if new != line.promised_date:
                line_before.update(audit.snapshot([line]))
                line.promised_date = new
                changed_lines.append(line)
                moved = True
        dates = [line.promised_date for line in lines if line.promised_date is not None]
        new_order_date = max(dates) if dates else order.promised_date
        if new_order_date != order.promised_date:
            order.promised_date = new_order_date
            moved = True
        if moved:
            changed_orders.append(order)
    if not changed_orders:
        return []
    SalesOrderLine.objects.bulk_update(changed_lines, ["promised_date"])
    SalesOrder.objects.bulk_update(changed_orders, ["promised_date"])
    audit.record_updated(changed_lines, line_before, ["promised_date"], actor=actor)
    audit.record_updated(changed_orders, order_before, ["promised_date"], actor=actor)
    for order in changed_orders:
        if order.sales_rep is not None:
            notify(company=order.company, recipients=[order.sales_rep], kind=PROMISE_CHANGED, document=order,
                   actor=actor, message=messages.message(PROMISE_CHANGED_MESSAGE, order=messages.reference(order),
                                                         date=order.promised_date, reason=reason))
    return changed_orders
