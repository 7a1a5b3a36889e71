from celery import shared_task

from sales.services.waiting import reserve_waiting_everywhere


@shared_task(ignore_result=True)
def reserve_waiting_orders():
    """Beat, nightly: waiting order lines take whatever stock is available (a stock_available event
    that was lost, or stock freed by a path that announces nothing, waits a day at most)."""
    return reserve_waiting_everywhere()
