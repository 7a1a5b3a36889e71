"""Inventory's imports screens: units of measure, items and opening balances (the kinds of
``inventory.imports``), on the shared screens of ``erp.import_views``. Each kind is guarded by its own
permission."""

from django.utils.translation import gettext_lazy

from erp.import_views import ImportScreens

screens = ImportScreens(
    app_label="inventory",
    namespace="inventory",
    index_name="import_index",
    index_permission="inventory.view_item",
    title=gettext_lazy("Imports"),
    intro=gettext_lazy("Load units of measure, items or opening balances from a CSV (UTF-8) or Excel .xlsx file. "
                       "Every row is checked and shown in a preview first; nothing is imported until the whole "
                       "file is free of errors."),
)
