"""What purchasing does when another department announces something."""

from django.utils.translation import gettext_lazy as _

from erp.events import subscribe
from sales import signals as sales_signals


@subscribe(sales_signals.purchase_requested, "purchasing.buy_shortage")
def buy_shortage(event):
    """A confirmed order is short of items we buy: the buyers get the shortage (item, quantity,
    required date); purchase orders will be raised from it once they exist."""
    from erp.roles import PURCHASING
    from erp.shortage_tasks import shortage_task

    shortage_task(event, role=PURCHASING, title=str(_("Buy for %(order)s")))
