"""Supplier master-data screens: suppliers (with contacts, their items and prices), supplier items with
their price breaks, and the purchasing settings.

Reads go through ``purchasing.selectors.suppliers`` (a buyer sees only their own suppliers: another
buyer's supplier answers 404), every write is one call to ``purchasing.services``; a refusal
(DomainError or the model's ValidationError) is shown beside the field it names, never as a 500. Lists
filter, page (25), refresh their results with htmx and export what they show (``?export=xlsx|csv``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import export_response
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory.forms.masterdata import add_conflict_error, add_service_error
from inventory.views.reports import export_format, list_context, paginate, render_list
from purchasing.forms.masterdata import (
    PurchasingSettingsForm,
    SupplierContactForm,
    SupplierFilterForm,
    SupplierForm,
    SupplierItemFilterForm,
    SupplierItemForm,
    price_formset,
)
from purchasing.models import SupplierContact
from purchasing.selectors import suppliers as selectors
from purchasing.services import settings as settings_services
from purchasing.services import suppliers as services

WRITE_ERRORS = (DomainError, ValidationError)


def yes(value):
    return _("Yes") if value else _("No")


def list_or_export(request, rows, *, columns, filename, template, partial, filters, **extra):
    if fmt := export_format(request):
        return export_response(request, rows=rows, columns=columns, filename=filename, fmt=fmt)
    page = paginate(request, rows)
    return render_list(request, template, partial, list_context(request, page, filters, **extra))


def company_or_redirect(request):
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
    return company


# Suppliers -------------------------------------------------------------------------------------

SUPPLIER_COLUMNS = [
    (gettext_lazy("Code"), lambda s: s.code),
    (gettext_lazy("Name"), lambda s: s.name),
    (gettext_lazy("Short name"), lambda s: s.short_name),
    (gettext_lazy("Tax id"), lambda s: s.tax_id),
    (gettext_lazy("Phone"), lambda s: s.phone),
    (gettext_lazy("Email"), lambda s: s.email),
    (gettext_lazy("Buyer"), lambda s: s.buyer.username if s.buyer else ""),
    (gettext_lazy("Payment term"), lambda s: s.payment_term.code if s.payment_term else ""),
    (gettext_lazy("Tax code"), lambda s: s.tax_code.code if s.tax_code else ""),
    (gettext_lazy("Currency"), lambda s: s.currency),
    (gettext_lazy("Lead time (days)"), lambda s: s.lead_time_days),
    (gettext_lazy("Address"), lambda s: s.address),
    (gettext_lazy("Active"), lambda s: yes(s.is_active)),
]


@permission_required("purchasing.view_supplier")
def supplier_list(request):
    filters = SupplierFilterForm(request.GET or None, user=request.user)
    suppliers = selectors.supplier_list(request.user, **filters.selector_kwargs())
    return list_or_export(request, suppliers, columns=SUPPLIER_COLUMNS, filename="suppliers",
                          template="purchasing/masterdata/supplier_list.html",
                          partial="purchasing/masterdata/partials/supplier_list_table.html", filters=filters)


def get_supplier(request, pk):
    supplier = selectors.supplier_get_for_user(request.user, pk)
    if supplier is None:
        raise Http404
    return supplier


@permission_required("purchasing.add_supplier")
def supplier_create(request):
    company = company_or_redirect(request)
    if company is None:
        return redirect("home")
    form = SupplierForm(request.POST if request.method == "POST" else None, company=company, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.supplier_create(company=company, actor=request.user, **form.service_fields())
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Supplier %(code)s created.") % {"code": supplier.code})
            return redirect("purchasing:supplier_detail", pk=supplier.pk)
    return render(request, "purchasing/masterdata/supplier_form.html", {"form": form, "supplier": None})


@permission_required("purchasing.change_supplier")
def supplier_edit(request, pk):
    supplier = get_supplier(request, pk)
    form = SupplierForm(request.POST if request.method == "POST" else None, company=supplier.company,
                        user=request.user, instance=supplier)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        supplier = get_supplier(request, pk)  # the form changed its instance while validating
        try:
            services.supplier_update(supplier=supplier, actor=request.user, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Supplier %(code)s saved.") % {"code": supplier.code})
            return redirect("purchasing:supplier_detail", pk=supplier.pk)
    shown = get_supplier(request, pk) if request.method == "POST" else supplier
    return render(request, "purchasing/masterdata/supplier_form.html", {"form": form, "supplier": shown})


@permission_required("purchasing.view_supplier")
def supplier_detail(request, pk):
    return render_supplier(request, get_supplier(request, pk))


def render_supplier(request, supplier, *, contact_form=None, contact=None):
    """The supplier's page; with htmx only its contacts section (after adding or editing a contact)."""
    contacts = list(supplier.contacts.all())
    if contact_form is None and request.user.has_perm("purchasing.change_supplier"):
        contact_form = SupplierContactForm(prefix="contact")
    context = {"supplier": supplier, "contacts": contacts, "contact_form": contact_form, "contact": contact}
    if request.htmx and request.htmx.target == "contacts":
        return render(request, "purchasing/masterdata/partials/supplier_contacts.html", context)
    context.update({
        "items": list(selectors.supplier_item_list(request.user, supplier=supplier)),
        "history": history_for(supplier, user=request.user),
    })
    return render(request, "purchasing/masterdata/supplier_detail.html", context)


def contact_form_view(request, pk, contact_pk=None):
    supplier = get_supplier(request, pk)
    contact = None
    if contact_pk is not None:
        contact = SupplierContact.objects.filter(supplier=supplier, pk=contact_pk).first()
        if contact is None:
            raise Http404
    if request.method != "POST":
        return render_supplier(request, supplier, contact=contact,
                               contact_form=SupplierContactForm(prefix="contact", instance=contact))
    form = SupplierContactForm(request.POST, prefix="contact", instance=contact)
    if form.is_valid():
        try:
            saved = services.contact_save(supplier=supplier, contact=contact, actor=request.user,
                                          **form.cleaned_data)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        else:
            if request.htmx and request.htmx.target == "contacts":
                return render_supplier(request, supplier)
            messages.success(request, _("Contact %(name)s saved.") % {"name": saved.name})
            return redirect("purchasing:supplier_detail", pk=supplier.pk)
    return render_supplier(request, supplier, contact=contact, contact_form=form)


@permission_required("purchasing.change_supplier")
def contact_create(request, pk):
    return contact_form_view(request, pk)


@permission_required("purchasing.change_supplier")
def contact_edit(request, pk, contact_pk):
    return contact_form_view(request, pk, contact_pk)


# Supplier items --------------------------------------------------------------------------------


def price_text(row):
    return "; ".join(f"≥{p.min_quantity.normalize():f} {p.price.normalize():f}" for p in row.prices.all())


SUPPLIER_ITEM_COLUMNS = [
    (gettext_lazy("Item code"), lambda r: r.item.code),
    (gettext_lazy("Item name"), lambda r: r.item.name),
    (gettext_lazy("Supplier code"), lambda r: r.supplier.code),
    (gettext_lazy("Supplier name"), lambda r: r.supplier.name),
    (gettext_lazy("Supplier part number"), lambda r: r.supplier_part_number),
    (gettext_lazy("Unit"), lambda r: r.unit.code),
    (gettext_lazy("Minimum order quantity"), lambda r: r.min_order_quantity),
    (gettext_lazy("Order multiple"), lambda r: r.order_multiple),
    (gettext_lazy("Lead time (days)"), lambda r: r.lead_time_days),
    (gettext_lazy("Preferred"), lambda r: yes(r.is_preferred)),
    (gettext_lazy("Valid from"), lambda r: r.valid_from),
    (gettext_lazy("Valid to"), lambda r: r.valid_to),
    (gettext_lazy("Prices"), price_text),
    (gettext_lazy("Active"), lambda r: yes(r.is_active)),
]


@permission_required("purchasing.view_supplieritem")
def supplier_item_list(request):
    filters = SupplierItemFilterForm(request.GET or None)
    rows = selectors.supplier_item_list(request.user, **filters.selector_kwargs())
    return list_or_export(request, rows, columns=SUPPLIER_ITEM_COLUMNS, filename="supplier_items",
                          template="purchasing/masterdata/supplier_item_list.html",
                          partial="purchasing/masterdata/partials/supplier_item_list_table.html", filters=filters)


def supplier_item_form(request, row=None):
    company = company_or_redirect(request)
    if company is None:
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    initial = {}
    if row is None and (supplier_pk := request.GET.get("supplier", "")).isdigit():
        initial["supplier"] = supplier_pk
    form = SupplierItemForm(data, company=company, user=request.user, instance=row, initial=initial)
    formset = price_formset(data, supplier_item=row)
    if data is not None and form.is_valid() and formset.is_valid():
        supplier = row.supplier if row is not None else form.cleaned_data["supplier"]
        fields = form.service_fields()
        if row is not None:
            row = selectors.supplier_item_get_for_user(request.user, row.pk)  # as stored, not as validated
        try:
            saved = services.supplier_item_save(supplier=supplier, supplier_item=row, actor=request.user,
                                                prices=formset.prices(), **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error, formset=formset, formset_field="prices")
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Supplier item %(item)s of %(supplier)s saved.") % {
                "item": saved.item.code, "supplier": saved.supplier.code})
            return redirect("purchasing:supplier_detail", pk=saved.supplier_id)
    return render(request, "purchasing/masterdata/supplier_item_form.html",
                  {"form": form, "formset": formset, "row": row})


def get_supplier_item(request, pk):
    row = selectors.supplier_item_get_for_user(request.user, pk)
    if row is None:
        raise Http404
    return row


@permission_required("purchasing.add_supplieritem")
def supplier_item_create(request):
    return supplier_item_form(request)


@permission_required("purchasing.change_supplieritem")
def supplier_item_edit(request, pk):
    return supplier_item_form(request, get_supplier_item(request, pk))


# Settings --------------------------------------------------------------------------------------


@permission_required("purchasing.view_purchasingsettings")
def settings_view(request):
    current = selectors.settings_for_user(request.user)
    if current is None:
        raise Http404
    may_change = settings_services.may_change_settings(request.user)
    data = request.POST if request.method == "POST" and may_change else None
    form = PurchasingSettingsForm(data, instance=current)
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    if data is not None and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            settings_services.settings_save(company=current.company, actor=request.user, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Purchasing settings saved."))
            return redirect("purchasing:settings")
    return render(request, "purchasing/masterdata/settings.html", {"form": form, "may_change": may_change})
