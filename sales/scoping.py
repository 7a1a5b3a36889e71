"""Who sees which sales rows, and what sales adds to the scope of other apps' rows (registered in
SalesConfig.ready; see erp.scoping).

A user holding ``sales.serve_customer`` globally (sales manager, managers, the departments that work
for every customer) sees every customer of the company; anyone else only the customers granted
``serve_customer`` to them or to one of their groups (django-guardian; a customer's rep holds it on
the customer) and what hangs off those customers: contacts, quotations, orders, returns, their lines,
credit approvals, and inventory's delivery notes of their orders. Reading and changing are scoped
alike.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from erp.scoping import GrantScope, Through, register_scope
from sales.models import Customer, SalesOrder

SERVE = "sales.serve_customer"
MANAGE_TERMS = "sales.manage_commercial_terms"  # credit limits, price lists, payment terms, sales reps
CUSTOMER = "sales.customer"

CUSTOMERS = GrantScope(paths=("pk",), perm=SERVE, model=CUSTOMER)
OF_CUSTOMER = GrantScope(paths=("customer_id",), perm=SERVE, model=CUSTOMER)

THROUGH = {  # model: (path to its parent, parent model)
    "customercontact": ("customer", "customer"),
    "quotationline": ("quotation", "quotation"),
    "salesorderline": ("order", "salesorder"),
    "customerreturnline": ("customer_return", "customerreturn"),
    "creditapproval": ("order", "salesorder"),
    "pricelistitem": ("price_list", "pricelist"),  # no customer scope: the price list's company
}


def sees_all_customers(user: Any) -> bool:
    return CUSTOMERS.sees_all(user)


def may_manage_terms(user: Any) -> bool:
    """Whether ``user`` (None: the system itself) may change the commercial terms: a customer's
    credit limit, price list, payment term and rep, a document's rep and terms, price lists and
    payment terms (checked by sales.services.masterdata)."""
    return user is None or bool(user.has_perm(MANAGE_TERMS))


def can_serve(user: Any, customer: Customer) -> bool:
    """Whether ``user`` may work on ``customer`` and its documents."""
    return CUSTOMERS.allows(user, customer)


def delivery_notes_of_served_customers(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Inventory's delivery notes of sales orders: a sales rep sees those of their own customers' orders."""
    if CUSTOMERS.sees_all(user, action):
        return queryset
    orders = SalesOrder.objects.restrict(user, action).values("pk")  # the orders' own rule, applied once
    order_type = ContentType.objects.get_for_model(SalesOrder)
    return queryset.filter(~Q(source_type=order_type) | Q(source_id__in=orders))


def register() -> None:
    register_scope(Customer, CUSTOMERS)
    for model in ("quotation", "salesorder", "customerreturn"):
        register_scope(f"sales.{model}", OF_CUSTOMER)
    for model, (path, parent) in THROUGH.items():
        register_scope(f"sales.{model}", Through(path, f"sales.{parent}"))
    register_scope("inventory.deliverynote", delivery_notes_of_served_customers)
