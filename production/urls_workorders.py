"""Production screens: work orders (list, page, draft entry, print and the actions)."""

from production.views import workorders as views

urlpatterns: list = [*views.WORK_ORDERS.urls()]
