"""Reads of the sales app, scoped to what the user may see.

Customer scope: ``sales.serve_customer`` held globally (sales manager, managers, the departments that
serve every customer) sees every customer of the company; a sales rep holds it per customer
(django-guardian, granted to the customer's owner) and sees only those customers and their
quotations, orders and returns. Screens, the API, exports and dashboards all read through here.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError
from erp.models import EventDelivery, OutboxEvent, User
from erp.money import UNROUNDED_AMOUNT, round_money
from erp.permissions import user_company
from inventory.models import Reservation
from inventory.selectors import deliveries_for_source
from inventory.status import ReservationStatus
from sales import signals
from sales import status as st
from sales.models import Customer, CustomerReturn, PaymentTerm, PriceList, Quotation, SalesOrder, TaxCode

SERVE = "sales.serve_customer"
ZERO = Decimal("0")


def sees_all_customers(user):
    return user.is_superuser or user.has_perm(SERVE)


def served_customer_ids(user):
    """A subquery of the ids of the customers granted to ``user`` (guardian user object permissions).
    Written against guardian's table directly: PostgreSQL plans ``customer_id IN (SELECT object_pk::bigint …)``
    as a small index scan, where get_objects_for_user's join scans every customer and order of the company."""
    from django.contrib.auth.models import Permission
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast
    from guardian.models import UserObjectPermission

    permission = Permission.objects.filter(codename="serve_customer", content_type__app_label="sales")
    return (
        UserObjectPermission.objects.filter(
            user=user, permission__in=permission, content_type=ContentType.objects.get_for_model(Customer)
        )
        .annotate(customer_id=Cast("object_pk", BigIntegerField()))
        .values("customer_id")
    )


def customers_for_user(user):
    customers = Customer.objects.filter(company=user_company(user))
    if sees_all_customers(user):
        return customers
    return customers.filter(pk__in=served_customer_ids(user))


def customer_scope(user, queryset, field="customer"):
    """``queryset`` (of a model with a customer FK) narrowed to the user's company and customers."""
    queryset = queryset.filter(company=user_company(user))
    if sees_all_customers(user):
        return queryset
    return queryset.filter(**{f"{field}__in": served_customer_ids(user)})


def customer_list(user, *, search="", owner=None, active=None):
    customers = customers_for_user(user).select_related("owner", "price_list", "tax_code", "payment_term")
    if search:
        customers = customers.filter(Q(code__icontains=search) | Q(name__icontains=search)
                                     | Q(short_name__icontains=search) | Q(tax_id=search.strip()))
    if owner:
        customers = customers.filter(owner=owner)
    if active is not None:
        customers = customers.filter(is_active=active)
    return customers.order_by("code")


def quotations_for_user(user, *, customer=None, rep=None, status=None, date_from=None, date_to=None, search=""):
    rows = customer_scope(user, Quotation.objects.all()).select_related("customer", "sales_rep")
    return _document_filters(rows, customer=customer, rep=rep, status=status, date_from=date_from,
                             date_to=date_to, search=search)


def orders_for_user(user, *, customer=None, rep=None, status=None, date_from=None, date_to=None, search="",
                    late=None):
    rows = customer_scope(user, SalesOrder.objects.all()).select_related("customer", "sales_rep", "warehouse")
    rows = _document_filters(rows, customer=customer, rep=rep, status=status, date_from=date_from,
                             date_to=date_to, search=search)
    if late:
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES, promised_date__lt=timezone.localdate())
    return rows


def returns_for_user(user, *, customer=None, status=None, date_from=None, date_to=None, search=""):
    rows = customer_scope(user, CustomerReturn.objects.all()).select_related("customer", "order", "delivery")
    return _document_filters(rows, customer=customer, status=status, date_from=date_from, date_to=date_to,
                             search=search)


def _document_filters(rows, *, customer=None, rep=None, status=None, date_from=None, date_to=None, search=""):
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


def order_of_delivery(delivery):
    """The sales order a delivery note was made for; refuses a note made for something else."""
    if delivery.source_type_id != ContentType.objects.get_for_model(SalesOrder).pk:
        raise DomainError(_("%(dn)s was not shipped against a sales order.") % {"dn": delivery.reference},
                          field="delivery")
    return SalesOrder.objects.select_related("customer").get(pk=delivery.source_id)


def order_get_for_user(user, pk):
    return orders_for_user(user).select_related("quotation", "payment_term", "price_list", "created_by").get(pk=pk)


def tax_codes_for_user(user):
    return TaxCode.objects.filter(company=user_company(user)).order_by("code")


def payment_terms_for_user(user):
    return PaymentTerm.objects.filter(company=user_company(user)).order_by("code")


def price_lists_for_user(user):
    return PriceList.objects.filter(company=user_company(user)).annotate(price_count=Count("prices")).order_by("code")


def sales_reps(user):
    """Users who own customers or belong to a sales role (for the rep filter)."""
    from erp.models import User
    from erp.roles import SALES, SALES_MANAGER

    return User.objects.filter(company=user_company(user), is_active=True).filter(
        Q(groups__name__in=[SALES, SALES_MANAGER])).distinct().order_by("username")


# The order's cross-department page ------------------------------------------------------------


def order_tracking(order: SalesOrder) -> dict[str, Any]:
    """What sales shows on the order's cross-department page: per line what is reserved now (and
    delivered, returned, short), the shortages announced to production and purchasing with the
    delivery of each event on the bus, credit approvals and returns. The other departments' sections
    (reservations, delivery notes, tasks) are their panels (erp.registry.document_panels). A fixed
    number of queries whatever the size of the order."""
    order_type = ContentType.objects.get_for_model(SalesOrder)
    lines = list(order.lines.select_related("item", "unit", "item__base_unit").order_by("line_no", "pk"))
    reserved = dict(
        Reservation.objects.filter(document_type=order_type, document_id=order.pk, status=ReservationStatus.ACTIVE)
        .order_by().values("line_id").annotate(total=Sum("quantity")).values_list("line_id", "total")
    )
    for line in lines:
        line.reserved_now = reserved.get(line.pk, ZERO)
    returns = list(CustomerReturn.objects.filter(order=order).order_by("pk"))
    event_rows = list(OutboxEvent.objects.filter(source_type=order_type, source_id=order.pk).order_by("pk"))
    deliveries_by_event = {}
    for d in EventDelivery.objects.filter(event__in=[e.pk for e in event_rows]).order_by("pk"):
        deliveries_by_event.setdefault(d.event_id, []).append(d)
    for event in event_rows:
        event.subscriber_rows = deliveries_by_event.get(event.pk, [])
    requests = [e for e in event_rows if e.name in (signals.production_requested.name, signals.purchase_requested.name)]
    for event in requests:
        event.to_production = event.name == signals.production_requested.name  # else to purchasing
    return {
        "lines": lines,
        "returns": returns,
        "events": event_rows,
        "requests": requests,
        "approvals": list(order.credit_approvals.select_related("approved_by")),
    }


def order_family(order: SalesOrder) -> list[QuerySet[Any]]:
    """The documents that belong with an order (erp.registry.related_documents): its delivery notes and
    its returns, as querysets (the tasks section uses them as subqueries)."""
    return [deliveries_for_source(order), CustomerReturn.objects.filter(order=order)]


# Dashboard -------------------------------------------------------------------------------------


def sales_dashboard(user: User) -> dict[str, Any]:
    """The sales tiles: value of open orders (undelivered part, net), orders to ship today, late orders."""
    today = timezone.localdate()
    orders = customer_scope(user, SalesOrder.objects.all())
    open_orders = orders.filter(status__in=st.OPEN_ORDER_STATUSES)
    from sales.models import SalesOrderLine

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
