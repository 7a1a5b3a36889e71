"""Who sees which sales rows, and what sales adds to the scope of other apps' rows (registered in
SalesConfig.ready; see erp.scoping)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from erp.scoping import grant_condition
from sales.models import Customer, SalesOrder

SERVE = "sales.serve_customer"


def sees_all_customers(user):
    return user.is_superuser or user.has_perm(SERVE)


def delivery_notes_of_served_customers(queryset, user, action):
    """Inventory's delivery notes of sales orders: a sales rep sees those of their own customers' orders."""
    if sees_all_customers(user):
        return queryset
    orders = SalesOrder.objects.filter(grant_condition("customer_id", user, SERVE, Customer)).values("pk")
    order_type = ContentType.objects.get_for_model(SalesOrder)
    return queryset.filter(~Q(source_type=order_type) | Q(source_id__in=orders))
