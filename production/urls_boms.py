"""Production screens: bills of materials (list, version page, entry, copy, cost roll-up, deactivate,
print) and where-used. Every list also exports what it shows with ``?export=xlsx`` or ``?export=csv``."""

from django.urls import path

from production.views import boms

urlpatterns = [
    path("boms/where-used/", boms.where_used_view, name="bom_where_used"),
    *boms.BOMS.urls(),
]
