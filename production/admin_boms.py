"""Django admin: bills of materials. BOM versions are made on their screens and through the API
(production.services.boms: units, cycles, the default version). Here a version's header changes
through ``bom_save`` (with its lines as they are), its lines are read-only, and nothing is added or
deleted: a cycle or a second default version cannot come in through the admin."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedAdmin, ScopedInline
from erp.errors import DomainError
from production.models import Bom, BomLine
from production.services import boms as services

HEADER = ["name", "routing", "is_default", "valid_from", "valid_to", "is_active", "notes"]


class BomLineInline(ScopedInline, admin.TabularInline):
    model = BomLine
    extra = 0
    fields = ["sequence", "kind", "component", "quantity", "unit", "quantity_base", "scrap_percent", "operation",
              "notes"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BomAdminForm(forms.ModelForm):
    """The header as ``bom_save`` checks it, its refusal beside the field (not a 500)."""

    class Meta:
        model = Bom
        fields = HEADER

    def clean(self) -> dict[str, Any]:  # type: ignore[override]
        data = super().clean()
        bom = self.instance
        if self.errors or bom.pk is None:
            return data
        try:
            services.bom_check_header(bom=Bom.objects.get(pk=bom.pk), actor=None,
                                      **{name: data.get(name) for name in HEADER})
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, str(error.message))
        return data


@admin.register(Bom)
class BomAdmin(ScopedAdmin):
    form = BomAdminForm
    list_display = ["item", "version", "name", "quantity", "is_default", "valid_from", "valid_to", "is_active",
                    "material_cost", "operation_cost"]
    list_filter = ["is_default", "is_active", "company"]
    search_fields = ["item__code", "item__name", "version", "name"]
    readonly_fields = ["item", "version", "quantity", "material_cost", "operation_cost", "costed_at"]
    inlines = [BomLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Bom, form: Any, change: bool) -> None:
        """Through the service, with the version's lines as they are."""
        stored = Bom.objects.get(pk=obj.pk)
        services.bom_save(company=stored.company, actor=request.user, item=stored.item, version=stored.version,
                          lines=services.lines_as_input(stored, with_ids=True), bom=stored,
                          **{name: form.cleaned_data[name] for name in HEADER})


@admin.register(BomLine)
class BomLineAdmin(ReadOnlyAdmin):
    """BOM lines, read only: they change with their version, through the BOM screens and API (bom_save
    checks units, cycles and the versions in use)."""

    list_display = ["bom", "sequence", "kind", "component", "quantity", "unit", "scrap_percent"]
    list_filter = ["bom__company", "kind"]
    search_fields = ["bom__item__code", "component__code", "component__name"]
    raw_id_fields = ["bom", "component", "unit", "operation"]
