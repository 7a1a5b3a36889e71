"""What inventory does when something happens elsewhere."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from erp.models import Company


@receiver(post_save, sender=Company, dispatch_uid="inventory-seed-units-for-new-company")
def seed_units_for_new_company(sender, instance, created, raw=False, **kwargs):
    # In the same transaction as the company: a new company starts with pcs, kg, box… and the
    # standard adjustment reasons, without anyone having to know they are needed.
    if created and not raw:
        from inventory.services.masterdata import units_seed

        units_seed(company=instance)


# Sales ---------------------------------------------------------------------------------------

from erp.events import subscribe  # noqa: E402
from sales import signals as sales_signals  # noqa: E402


@subscribe(sales_signals.order_confirmed, "inventory.prepare_delivery")
def prepare_delivery(event):
    """A confirmed order's reserved stock gets a delivery note draft and the keepers a pick task."""
    from inventory.services.deliveries import delivery_create_for_order
    from sales.models import SalesOrder

    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first()
    if order is not None:
        delivery_create_for_order(order=order, source_event=event.pk)
