from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def seed_company(company) -> int:
    """Units and adjustment reasons for an existing company (``manage.py bootstrap``)."""
    from inventory.services.masterdata import units_seed

    return units_seed(company=company)


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from erp.audit import register_label
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import (
            register_company_seed,
            register_demo_loader,
            register_document_panel,
            register_task_screen,
        )
        from erp.roles import register_role_grants
        from inventory import receivers, signals  # noqa: F401  (declares the events, connects receivers)
        from inventory.demo import load_inventory_demo
        from inventory.imports import KINDS as IMPORT_KINDS
        from inventory.panels import document_reservations
        from inventory.roles import ROLE_GRANTS
        from inventory.scoping import register as register_scopes
        from inventory.services.deliveries import PICK_TASK

        register_menu(MenuEntry("inventory", _("Inventory"), "inventory:workbench", "inventory.view_stockbalance",
                                order=30))
        register_demo_loader("inventory", load_inventory_demo, order=20)
        # inventory_reserve's document-level audit entry (migration 0012) on the document's history
        register_label("reserved", _("Reserved stock"))
        # delivery_save_picks's entry on the note: the picks, line by line
        register_label("picked", _("Picked"))
        register_company_seed("inventory", seed_company, order=20)
        register_role_grants("inventory", ROLE_GRANTS)
        register_scopes()
        register_document_panel("inventory", "inventory/panels/reservations.html", document_reservations,
                                permission="inventory.view_reservation", order=20)
        # "Pick and ship" opens the pick sheet of its delivery note, not the note's page.
        register_task_screen("inventory", PICK_TASK, "inventory:delivery_pick",
                             permission="inventory.change_deliverynote")
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
