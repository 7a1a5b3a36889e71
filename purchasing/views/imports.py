"""Import screens of the supplier master data: suppliers and supplier prices (the kinds of
``purchasing.imports``), on the shared screens of ``erp.import_views``. Each kind is guarded by its own
permission."""

from django.utils.translation import gettext_lazy

from erp.import_views import ImportScreens

screens = ImportScreens(
    app_label="purchasing",
    namespace="purchasing",
    index_name="imports",
    index_permission="purchasing.view_supplier",
    title=gettext_lazy("Purchasing imports"),
    intro=gettext_lazy("Load suppliers or supplier prices from a CSV (UTF-8) or Excel .xlsx file. Every row is "
                       "checked and shown in a preview first; nothing is imported until the whole file is free of "
                       "errors."),
    nav_template="purchasing/masterdata/_nav.html",
)
