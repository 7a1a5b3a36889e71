"""The daily late-order scan (Celery beat): confirmed orders past their promised date with quantities
still to deliver. Each order's sales rep is notified once a day (kind "sales.order_late"), and each
department's group channel (the reps' department's WeCom robot) gets the day's late orders as one
digest (``office.services.notifications.notify_department_channels``); running the scan again the
same day sends nothing twice."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.models import Company, Department
from office.services.notifications import notify, notify_department_channels
from sales import status as st
from sales.models import SalesOrder, SalesOrderLine

ORDER_LATE = "sales.order_late"  # the notification kind
DIGEST_ORDERS = 40  # orders listed in a department's digest; the rest are counted


def late_orders(company: Company, today: datetime.date) -> list[SalesOrder]:
    """The company's open orders promised before ``today`` with a line not fully delivered, by
    promised date."""
    undelivered = SalesOrderLine.objects.filter(order=OuterRef("pk"), quantity_base__gt=F("delivered_quantity"))
    return list(SalesOrder.objects.filter(company=company, status__in=st.OPEN_ORDER_STATUSES, promised_date__lt=today)
                .filter(Exists(undelivered)).select_related("customer", "sales_rep__department")
                .order_by("promised_date", "pk"))


@atomic_with_retry
def late_orders_notify(*, company: Company, today: datetime.date | None = None) -> int:
    """Notify each late order's rep (once per order and day) and post each department's digest (once
    per day). Returns how many rep notifications were made now."""
    today = today or timezone.localdate()
    orders = late_orders(company, today)
    made = 0
    for order in orders:
        if order.sales_rep is None:
            continue
        made += len(notify(
            company=company, recipients=[order.sales_rep], kind=ORDER_LATE, document=order,
            key=f"{order.pk}:{today.isoformat()}",
            message=messages.message(
                gettext_noop("%(order)s for %(customer)s is late: promised for %(date)s, not all delivered."),
                order=messages.reference(order), customer=order.customer.name, date=order.promised_date)))

    def department_of(order: SalesOrder) -> Department | None:
        return order.sales_rep.department if order.sales_rep is not None else None

    def sort_key(order: SalesOrder) -> tuple[int, datetime.date, int]:
        department = department_of(order)
        return (department.pk if department is not None else 0, order.promised_date or today, order.pk)

    link = reverse("sales:order_list") + "?late=on"
    for _key, group in groupby(sorted(orders, key=sort_key), key=lambda order: sort_key(order)[0]):
        listed = list(group)
        notify_department_channels(company=company, department=department_of(listed[0]), kind=ORDER_LATE,
                                   message=digest(listed, today), link=link, key=today.isoformat())
    return made


def digest(orders: list[SalesOrder], today: datetime.date) -> list[messages.Message]:
    """The day's late orders of one department as lines of a message."""
    lines = [messages.message(gettext_noop("Late orders on %(date)s: %(count)s"), date=today, count=len(orders))]
    for order in orders[:DIGEST_ORDERS]:
        lines.append(messages.message(
            gettext_noop("%(order)s · %(customer)s · promised for %(date)s · %(rep)s"),
            order=messages.reference(order), customer=order.customer.name, date=order.promised_date,
            rep=order.sales_rep.get_full_name() or order.sales_rep.username if order.sales_rep else "—"))
    if len(orders) > DIGEST_ORDERS:
        lines.append(messages.message(gettext_noop("…and %(count)s more."), count=len(orders) - DIGEST_ORDERS))
    return lines
