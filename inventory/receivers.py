"""What inventory does when something happens elsewhere."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from erp.models import Company
from inventory.services.masterdata import units_seed


@receiver(post_save, sender=Company, dispatch_uid="inventory-seed-units-for-new-company")
def seed_units_for_new_company(sender, instance, created, raw=False, **kwargs):
    # In the same transaction as the company: a new company starts with pcs, kg, box… and the
    # standard adjustment reasons, without anyone having to know they are needed.
    if created and not raw:
        units_seed(company=instance)
