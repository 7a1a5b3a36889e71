"""Reads of the sales app, scoped to what the user may see.

Every read goes through ``erp.scoping.restrict`` (``Model.objects.restrict(user, action)``): the
user's company, narrowed by the customer scope of ``sales.scoping`` — ``sales.serve_customer`` held
globally (sales manager, managers, the departments that serve every customer) sees every customer;
a sales rep holds it per customer (django-guardian, granted to the customer's owner, or to a group)
and sees only those customers and their quotations, orders and returns. Screens, the API, exports
and dashboards all read through here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError
from erp.models import Document, OutboxEvent, User
from erp.money import UNROUNDED_AMOUNT, round_money
from erp.permissions import user_company
from erp.roles import PRODUCTION, PURCHASING, SALES, SALES_MANAGER, role_label
from erp.scoping import CHANGE, VIEW
from inventory.models import DeliveryNote, Item, StockTransfer, Warehouse
from inventory.scoping import sees_every_warehouse
from inventory.selectors import (
    WarehouseStock,
    available_elsewhere,
    deliveries_for_source,
    held_by_line,
    open_transfer_quantities,
    transfers_for_source,
    warehouse_ids_for_user,
)
from inventory.status import OPEN_TRANSFER_STATUSES
from office.models import Task
from office.selectors import tasks_visible_to
from office.status import TaskStatus
from sales import signals
from sales import status as st
from sales.models import (
    CreditApproval,
    Customer,
    CustomerReturn,
    PaymentTerm,
    PriceList,
    Quotation,
    SalesOrder,
    SalesOrderLine,
    TaxCode,
)
from sales.scoping import SERVE, sees_all_customers  # noqa: F401  (the views ask here too)

ZERO = Decimal("0")
DocumentT = TypeVar("DocumentT", bound=Document)


def customers_for_user(user: User, action: str = VIEW) -> QuerySet[Customer]:
    return Customer.objects.restrict(user, action)


def customer_list(user: User, *, search: str = "", owner: User | None = None, active: bool | None = None
                  ) -> QuerySet[Customer]:
    customers = customers_for_user(user).select_related("owner", "price_list", "tax_code", "payment_term")
    if search:
        customers = customers.filter(Q(code__icontains=search) | Q(name__icontains=search)
                                     | Q(short_name__icontains=search) | Q(tax_id=search.strip()))
    if owner:
        customers = customers.filter(owner=owner)
    if active is not None:
        customers = customers.filter(is_active=active)
    return customers.order_by("code")


def quotations_for_user(user: User, *, customer: Customer | None = None, rep: User | None = None,
                        status: str | None = None, date_from: datetime.date | None = None,
                        date_to: datetime.date | None = None, search: str = "") -> QuerySet[Quotation]:
    rows = Quotation.objects.restrict(user).select_related("customer", "sales_rep")
    return _document_filters(rows, customer=customer, rep=rep, status=status, date_from=date_from,
                             date_to=date_to, search=search)


def orders_for_user(user: User, *, customer: Customer | None = None, rep: User | None = None, status: str | None = None,
                    date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                    search: str = "", late: bool | None = None) -> QuerySet[SalesOrder]:
    rows: QuerySet[SalesOrder] = SalesOrder.objects.restrict(user).select_related("customer", "sales_rep", "warehouse")
    rows = _document_filters(rows, customer=customer, rep=rep, status=status, date_from=date_from,
                             date_to=date_to, search=search)
    if late:
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES, promised_date__lt=timezone.localdate())
    return rows


def returns_for_user(user: User, *, customer: Customer | None = None, status: str | None = None,
                     date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                     search: str = "") -> QuerySet[CustomerReturn]:
    rows = CustomerReturn.objects.restrict(user).select_related("customer", "order", "delivery")
    return _document_filters(rows, customer=customer, status=status, date_from=date_from, date_to=date_to,
                             search=search)


def _document_filters(rows: QuerySet[DocumentT], *, customer: Customer | None = None, rep: User | None = None,
                      status: str | None = None, date_from: datetime.date | None = None,
                      date_to: datetime.date | None = None, search: str = "") -> QuerySet[DocumentT]:
    if customer:
        rows = rows.filter(customer=customer)
    if rep:
        rows = rows.filter(sales_rep=rep)
    if status:
        rows = rows.filter(status=status)
    if date_from:
        rows = rows.filter(document_date__gte=date_from)
    if date_to:
        rows = rows.filter(document_date__lte=date_to)
    if search:
        search = search.strip()
        condition = Q(number__icontains=search) | Q(customer__name__icontains=search) | Q(customer__code__iexact=search)
        if any(f.name == "customer_reference" for f in rows.model._meta.fields):
            condition |= Q(customer_reference__icontains=search)
        rows = rows.filter(condition)
    return rows.order_by("-created_at", "-pk")


def order_of_delivery(delivery: DeliveryNote) -> SalesOrder:
    """The sales order a delivery note was made for; refuses a note made for something else."""
    if delivery.source_type_id != ContentType.objects.get_for_model(SalesOrder).pk:
        raise DomainError(_("%(dn)s was not shipped against a sales order.") % {"dn": delivery.reference},
                          field="delivery")
    return SalesOrder.objects.select_related("customer").get(pk=delivery.source_id)


def order_get_for_user(user: User, pk: int) -> SalesOrder:
    return orders_for_user(user).select_related("quotation", "payment_term", "price_list", "created_by").get(pk=pk)


def tax_codes_for_user(user: User) -> QuerySet[TaxCode]:
    return TaxCode.objects.restrict(user).order_by("code")


def payment_terms_for_user(user: User) -> QuerySet[PaymentTerm]:
    return PaymentTerm.objects.restrict(user).order_by("code")


def price_lists_for_user(user: User) -> QuerySet[PriceList]:
    return PriceList.objects.restrict(user).annotate(price_count=Count("prices")).order_by("code")


def sales_reps(user: User) -> QuerySet[User]:
    """Users who own customers or belong to a sales role (for the rep filter)."""
    return User.objects.filter(company=user_company(user), is_active=True).filter(
        Q(groups__name__in=[SALES, SALES_MANAGER])).distinct().order_by("username")


# The order's cross-department page ------------------------------------------------------------


@dataclass
class ShortageLine:
    """One line of a shortage request: what was asked (the event's payload row), the order line
    it is for (None if the line was removed) and where it stands."""

    row: dict[str, Any]
    line: SalesOrderLine | None
    state: str

    @property
    def state_label(self) -> str:
        return str(st.ShortageState(self.state).label)

    @property
    def required_date(self) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(self.row["required_date"])
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class ShortageRequest:
    """A shortage announced to production or purchasing, in business terms: its state, the
    department that holds it and the task it made there (each with ``openable``: whether the reader
    may open the task's page). The event's plumbing (its name, its deliveries to subscribers) is the
    admin's event pages' business, not the order page's."""

    event: OutboxEvent
    to_production: bool
    lines: list[ShortageLine]
    tasks: list[Task]
    state: str

    @property
    def state_label(self) -> str:
        return str(st.ShortageState(self.state).label)

    @property
    def department(self) -> str:
        """The department (role) that holds the request: its task's, else the one it was sent to."""
        for task in self.tasks:
            if task.assignee_role is not None:
                return str(role_label(task.assignee_role.name))
        return str(role_label(PRODUCTION if self.to_production else PURCHASING))


SHORTAGE_RANK: dict[str, int] = {st.ShortageState.REQUESTED: 0, st.ShortageState.PLANNED: 1,
                                 st.ShortageState.ORDERED: 1,
                 st.ShortageState.COVERED: 2, st.ShortageState.DELIVERED: 3}


def shortage_line_state(line: SalesOrderLine | None, *, worked: str, order_open: bool) -> str:
    """Where one requested line stands: delivered in full; covered (its shortage is now zero: stock
    arrived and was reserved for it); else ``worked`` (planned/ordered) once the department's task is
    done, or requested; no longer needed once the order is closed or cancelled."""
    if line is not None and line.delivered_quantity >= line.quantity_base:
        return st.ShortageState.DELIVERED
    if not order_open:
        return st.ShortageState.NOT_NEEDED
    if line is not None and line.shortage_quantity <= 0:
        return st.ShortageState.COVERED
    return worked


def shortage_requests(order: SalesOrder, lines: list[SalesOrderLine], event_rows: list[OutboxEvent],
                      user: User | None) -> list[ShortageRequest]:
    """The order's shortage requests (``event_rows`` of production_requested / purchase_requested)
    with their business state: one query for the tasks they made, whatever their number."""
    if not event_rows:
        return []
    # whether the reader may open the task's page (office's scope), in the same query
    openable = Exists(tasks_visible_to(user).filter(pk=OuterRef("pk"))) if user is not None else Value(False)
    tasks = (Task.objects.filter(source_event__in=[e.pk for e in event_rows]).annotate(openable=openable)
             .select_related("assignee_role", "assignee_user", "assignee_department").order_by("pk"))
    tasks_by_event: dict[int, list[Task]] = {}
    for task in tasks:
        tasks_by_event.setdefault(task.source_event_id or 0, []).append(task)
    by_id = {line.pk: line for line in lines}
    order_open = order.status not in (st.OrderStatus.CLOSED, st.OrderStatus.CANCELLED)
    # What the departments above answer for the lines they worked on (production: pegged work orders).
    answered: dict[int, str] = {}
    for _receiver, response in signals.shortage_worked.send(sender=SalesOrder, order=order, lines=lines):
        if isinstance(response, dict):
            answered.update(response)
    requests = []
    for event in event_rows:
        to_production = event.name == signals.production_requested.name
        made = tasks_by_event.get(event.pk, [])
        done = bool(made) and all(task.status == TaskStatus.DONE for task in made)
        worked = ((st.ShortageState.PLANNED if to_production else st.ShortageState.ORDERED) if done
                  else st.ShortageState.REQUESTED)
        rows = [ShortageLine(row, line := by_id.get(row.get("line_id")),
                             shortage_line_state(line, worked=answered.get(row.get("line_id"), worked),
                                                 order_open=order_open))
                for row in event.payload.get("lines", [])]
        states = [row.state for row in rows] or [worked]
        state: str
        if all(each == st.ShortageState.NOT_NEEDED for each in states):
            state = st.ShortageState.NOT_NEEDED
        else:
            state = min((each for each in states if each != st.ShortageState.NOT_NEEDED),
                        key=SHORTAGE_RANK.__getitem__)
        requests.append(ShortageRequest(event, to_production, rows, made, state))
    return requests


class OrderTracking(TypedDict):
    lines: list[SalesOrderLine]  # each with ``reserved_now``
    returns: list[CustomerReturn]
    requests: list[ShortageRequest]  # the shortages asked of production and purchasing, where each stands
    approvals: list[CreditApproval]
    shortages_apply: bool  # False once the order is closed or cancelled: what was short no longer is owed
    order_type_id: int  # the order's content type (the link to the admin's pages of its events)


def order_tracking(order: SalesOrder, *, user: User | None = None) -> OrderTracking:
    """What sales shows on the order's cross-department page: per line what is reserved now (and
    delivered, returned, short), the shortages requested from production and purchasing and where
    each stands (``shortage_requests``; with ``user``, whether they may open the task it made), credit
    approvals and returns. The other departments' sections (reservations, delivery notes, tasks) are
    their panels (erp.registry.document_panels). A fixed number of queries whatever the size of the
    order."""
    order_type = ContentType.objects.get_for_model(SalesOrder)
    lines = list(order.lines.select_related("item", "unit", "item__base_unit", "tax_code").order_by("line_no", "pk"))
    reserved = held_by_line([order])
    for line in lines:
        line.reserved_now = reserved.get(line.pk, ZERO)
    returns = list(CustomerReturn.objects.filter(order=order).order_by("pk"))
    requested = list(OutboxEvent.objects.filter(
        source_type=order_type, source_id=order.pk,
        name__in=[signals.production_requested.name, signals.purchase_requested.name]).order_by("pk"))
    return {
        "lines": lines,
        "returns": returns,
        "requests": shortage_requests(order, lines, requested, user),
        "approvals": list(order.credit_approvals.select_related("approved_by")),
        "shortages_apply": order.status not in (st.OrderStatus.CLOSED, st.OrderStatus.CANCELLED),
        "order_type_id": order_type.pk,
    }


def order_family(order: SalesOrder) -> list[QuerySet[Any]]:
    """The documents that belong with an order (erp.registry.related_documents): its delivery notes and
    its returns, as querysets (the tasks section uses them as subqueries)."""
    return [deliveries_for_source(order), CustomerReturn.objects.filter(order=order)]


# Dashboard -------------------------------------------------------------------------------------


def sales_dashboard(user: User) -> dict[str, Any]:
    """The sales tiles: value of open orders (undelivered part, net), orders to ship today, late orders."""
    today = timezone.localdate()
    orders = SalesOrder.objects.restrict(user)
    open_orders = orders.filter(status__in=st.OPEN_ORDER_STATUSES)
    undelivered = ExpressionWrapper(
        F("net_amount") * (F("quantity_base") - F("delivered_quantity")) / F("quantity_base"),
        output_field=DecimalField(**UNROUNDED_AMOUNT),
    )
    value = SalesOrderLine.objects.filter(order__in=open_orders.values("pk")).aggregate(v=Sum(undelivered))["v"]
    return {
        "open_orders": open_orders.count(),
        "open_value": round_money(value or ZERO),
        "ship_today": open_orders.filter(promised_date__lte=today, promised_date__gte=today).count(),
        "late": open_orders.filter(promised_date__lt=today).count(),
        "today": today,
        "week_end": today + datetime.timedelta(days=7),
    }


# Stock of a short order's items in the company's other warehouses ----------------------------


class ShortLineElsewhere(TypedDict):
    """A short line of an order and where else its item is: ``short`` what the line lacks,
    ``on_the_way`` what open transfers for the order bring of the item, ``elsewhere`` the other
    warehouses' available stock (inventory.selectors.WarehouseStock), all in the base unit."""

    line: SalesOrderLine
    short: Decimal
    on_the_way: Decimal
    elsewhere: list[WarehouseStock]


class TransferSource(TypedDict):
    """A warehouse a transfer for the order could come from: what it would bring per item
    (``takes``: [(item code, quantity, unit code)]) and whether the user may make it."""

    warehouse: Warehouse
    takes: list[tuple[str, Decimal, str]]
    can_transfer: bool


class OrderStockElsewhere(TypedDict):
    lines: list[ShortLineElsewhere]
    sources: list[TransferSource]
    transfers: list[StockTransfer]


def stock_elsewhere_of(order: SalesOrder, items: Iterable[Item | int],
                       warehouses: Iterable[int] | None = None) -> dict[int, list[WarehouseStock]]:
    """{item id: [WarehouseStock…]}: the items' available stock in the order's company's other
    warehouses (``warehouses``: only these ids). Two queries."""
    return available_elsewhere(order.company, items, order.warehouse, warehouses=warehouses)


def order_stock_elsewhere(user: User, order: SalesOrder) -> OrderStockElsewhere | None:
    """For an open order with short lines: each short line with the stock of its item in the
    company's other warehouses the user may see, the open transfers made for the order, and per
    warehouse holding some what a transfer would bring (the shortage less what is on the way, at
    most what is available there) and whether the user may make it (inventory's add-transfer
    permission and operating that warehouse). None when nothing is short or the order is closed.
    A fixed number of queries whatever the number of lines and warehouses."""
    if order.status not in st.OPEN_ORDER_STATUSES:
        return None
    lines = list(order.lines.filter(shortage_quantity__gt=0, item__is_active=True)
                 .select_related("item", "item__base_unit").order_by("line_no", "pk"))
    lines = [line for line in lines if line.item.is_stocked]
    if not lines:
        return None
    visible = None if sees_every_warehouse(user) else warehouse_ids_for_user(user)
    elsewhere = stock_elsewhere_of(order, [line.item_id for line in lines], visible)
    on_the_way = open_transfer_quantities(order)
    transfers = list(transfers_for_source(order).filter(status__in=OPEN_TRANSFER_STATUSES)
                     .select_related("warehouse", "to_warehouse"))
    rows: list[ShortLineElsewhere] = [
        {"line": line, "short": line.shortage_quantity, "on_the_way": on_the_way.get(line.item_id, ZERO),
         "elsewhere": elsewhere.get(line.item_id, [])} for line in lines]
    still_short: dict[int, Decimal] = {}
    for line in lines:
        still_short[line.item_id] = still_short.get(line.item_id, ZERO) + line.shortage_quantity
    items = {line.item_id: line.item for line in lines}
    by_warehouse: dict[int, TransferSource] = {}
    for item_id, stocks in elsewhere.items():
        needed = still_short[item_id] - on_the_way.get(item_id, ZERO)
        for stock in stocks:
            if needed <= 0:
                break
            source = by_warehouse.setdefault(
                stock.warehouse.pk, {"warehouse": stock.warehouse, "takes": [], "can_transfer": False})
            item = items[item_id]
            source["takes"].append((item.code, min(needed, stock.available), item.base_unit.code))
    if by_warehouse and user.has_perm("inventory.add_stocktransfer"):
        operated = set(warehouse_ids_for_user(user, CHANGE))
        for pk, source in by_warehouse.items():
            source["can_transfer"] = pk in operated
    if not transfers and not any(row["elsewhere"] for row in rows):
        return None
    sources = sorted(by_warehouse.values(), key=lambda source: source["warehouse"].code)
    return {"lines": rows, "sources": sources, "transfers": transfers}


def tax_label(tax_codes: Iterable[TaxCode | None]) -> str:
    """What a document's tax is called on its totals: the names of its lines' tax codes, as the
    company named them ("營業稅 5%" for a Taiwanese company, "增值税 13%" for a mainland one), and the
    generic word only when no line has a tax code. The tax is data, not a word of the interface."""
    names = sorted({code.name for code in tax_codes if code is not None})
    return " / ".join(names) if names else _("Tax")
