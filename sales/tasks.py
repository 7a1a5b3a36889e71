from celery import shared_task

from sales.services.waiting import reserve_waiting_everywhere


@shared_task(ignore_result=True)
def reserve_waiting_orders():
    """Beat, nightly: waiting order lines take whatever stock is available (a stock_available event
    that was lost, or stock freed by a path that announces nothing, waits a day at most)."""
    return reserve_waiting_everywhere()


@shared_task(ignore_result=True)
def notify_late_orders():
    """Beat, daily: each late order's rep is notified, each department's group gets the day's digest
    (once a day: running it again sends nothing twice)."""
    from erp.models import Company
    from sales.services.late_orders import late_orders_notify

    return sum(late_orders_notify(company=company) for company in Company.objects.filter(is_active=True))
