"""Imports screens of the sales master data: customers and prices (the kinds of ``sales.imports``), on
the shared screens of ``erp.import_views``, under the sales master data's nav. Each kind is guarded by
its own permission."""

from django.utils.translation import gettext_lazy

from erp.import_views import ImportScreens

screens = ImportScreens(
    app_label="sales",
    namespace="sales",
    index_name="imports",
    index_permission="sales.view_customer",
    title=gettext_lazy("Sales imports"),
    intro=gettext_lazy("Load customers or prices from a CSV (UTF-8) or Excel .xlsx file. Every row is checked "
                       "and shown in a preview first; nothing is imported until the whole file is free of errors."),
    nav_template="sales/masterdata/_nav.html",
)
