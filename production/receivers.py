"""What production does when another department announces something."""

from django.utils.translation import gettext_lazy as _

from erp.events import subscribe
from sales import signals as sales_signals


@subscribe(sales_signals.production_requested, "production.plan_shortage")
def plan_shortage(event):
    """A confirmed order is short of items we make: the production planners get the shortage
    (item, quantity, required date) to plan; work orders will be planned from it once they exist."""
    from erp.roles import PRODUCTION
    from erp.shortage_tasks import shortage_task

    shortage_task(event, role=PRODUCTION, title=str(_("Plan production for %(order)s")))
