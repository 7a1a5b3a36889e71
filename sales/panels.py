"""What sales adds to other apps' pages (registered in SalesConfig.ready): on a delivery note made for a
sales order, its customer returns and the button to record one."""

from django.urls import reverse
from django.utils.translation import gettext as _

from erp.registry import Action
from inventory import status as inventory_status
from sales.selectors import returns_for_user


def delivery_return_action(user, delivery):
    """"Return goods" on a posted delivery note."""
    if delivery.status != inventory_status.DocStatus.POSTED:
        return None
    return Action(_("Return goods"), f"{reverse('sales:return_create')}?delivery={delivery.pk}", "outline-secondary",
                  link=True)


def delivery_returns(user, delivery):
    """The customer returns against the note that the user may see."""
    return {"returns": list(returns_for_user(user).filter(delivery=delivery))}
