from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import register_company_seed, register_demo_loader, register_document_panel
        from erp.roles import register_role_grants
        from finance import (
            receivers,  # noqa: F401  (connects this department's event subscriptions)
            scoping,
        )
        from finance.approvals import ENTRY_APPROVAL_TYPE, seed_entry_rule
        from finance.demo import load_finance_demo
        from finance.panels import purchase_order_invoices, sales_order_invoices
        from finance.roles import ROLE_GRANTS
        from finance.services.setup import books_seed
        from office.approval_types import register_approval_type

        register_role_grants("finance", ROLE_GRANTS)
        scoping.register()
        register_menu(MenuEntry("finance", _("Finance"), "finance:entry_list", "finance.view_journalentry", order=30))
        # Every company's books: the default chart (by its currency), its account roles and journals.
        register_company_seed("finance", books_seed, order=60)
        register_demo_loader("finance", load_finance_demo, order=60)
        # Manual journal entries are approved by the office engine (rules as data, seeded per company).
        register_approval_type(ENTRY_APPROVAL_TYPE)
        register_company_seed("finance", seed_entry_rule, order=61)
        # The orders' pages show what was invoiced and paid of them.
        register_document_panel("finance", "finance/panels/sales_order_invoices.html", sales_order_invoices,
                                permission="sales.view_salesorder", models=["sales.salesorder"], order=60)
        register_document_panel("finance", "finance/panels/purchase_order_invoices.html", purchase_order_invoices,
                                permission="purchasing.view_supplierinvoice", models=["purchasing.purchaseorder"],
                                order=60)
