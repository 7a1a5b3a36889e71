"""The Sales dashboard: open orders value, orders to ship today, late orders — each tile links to
the order list filtered the same way. The same tiles appear on the home page."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from erp.permissions import permission_required
from sales import selectors
from sales import status as st

LATE_SHOWN = 10


def tiles_for(user):
    """The dashboard figures (sales.selectors.sales_dashboard) with the links of the tiles."""
    tiles = selectors.sales_dashboard(user)
    orders = reverse("sales:order_list")
    tiles.update(open_url=f"{orders}?status=open", ship_today_url=f"{orders}?ship_today=on",
                 late_url=f"{orders}?late=on")
    return tiles


def home_tiles(request):
    """The Sales tiles on the home page (registered in SalesConfig.ready)."""
    return {"tiles": tiles_for(request.user)}


@permission_required("sales.view_salesorder")
def dashboard(request):
    late = list(
        selectors.orders_for_user(request.user, late=True).order_by("promised_date", "pk")[:LATE_SHOWN]
    )
    today = list(
        selectors.orders_for_user(request.user).filter(status__in=st.OPEN_ORDER_STATUSES,
                                                       promised_date=timezone.localdate())
        .order_by("pk")[:LATE_SHOWN]
    )
    return render(request, "sales/documents/dashboard.html", {
        "tiles": tiles_for(request.user), "late_orders": late, "today_orders": today, "section": "dashboard",
    })
