from celery import shared_task

from erp.models import Company
from inventory.services.reorder import reorder_scan


@shared_task(ignore_result=True)
def check_reorder_points():
    """Beat: announce items below their reorder point (purchasing subscribes) and tell the warehouse."""
    return {company.code: reorder_scan(company=company) for company in Company.objects.filter(is_active=True)}
