"""Sales master-data screens: customers (with contacts, credit exposure, recent documents and history),
tax codes, payment terms, price lists and their prices.

Reads go through ``sales.selectors`` (a sales rep sees only their own customers: another rep's customer
answers 404), every write is one call to ``sales.services.masterdata``; a refusal (DomainError or the
model's ValidationError) is shown beside the field it names, never as a 500. Lists filter, page (25),
refresh their results with htmx and export what they show (``?export=xlsx|csv``).
"""

import re
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError
from erp.exports import export_response
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory.forms.masterdata import add_conflict_error, add_service_error
from inventory.views.reports import export_format, list_context, paginate, render_list
from sales import selectors
from sales.forms.masterdata import (
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    PaymentTermForm,
    PriceFilterForm,
    PriceListForm,
    SearchFilterForm,
    TaxCodeForm,
    price_formset,
)
from sales.models import CustomerContact, PaymentTerm, TaxCode
from sales.scoping import MANAGE_TERMS
from sales.services import masterdata as services
from sales.services.orders import customer_exposure

RECENT_DOCUMENTS = 10
WRITE_ERRORS = (DomainError, ValidationError)


def yes(value):
    return _("Yes") if value else _("No")


def list_or_export(request, rows, *, columns, filename, template, filters, **extra):
    """Export the filtered rows, or page them and render the page (or only its results for htmx)."""
    if fmt := export_format(request):
        return export_response(request, rows=rows, columns=columns, filename=filename, fmt=fmt)
    page = paginate(request, rows)
    partial = template.replace(".html", "_table.html").replace("/masterdata/", "/masterdata/partials/", 1)
    return render_list(request, template, partial, list_context(request, page, filters, **extra))


def safe_url(name, *args):
    """A URL of a screen that may not exist yet (quotations and orders have their own screens)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def company_or_redirect(request):
    company = user_company(request.user)
    if company is None:
        messages.error(request, _("Your user account is not attached to a company."))
    return company


# Customers -------------------------------------------------------------------------------------

CUSTOMER_COLUMNS = [
    (gettext_lazy("Code"), lambda c: c.code),
    (gettext_lazy("Name"), lambda c: c.name),
    (gettext_lazy("Short name"), lambda c: c.short_name),
    (gettext_lazy("Tax id"), lambda c: c.tax_id),
    (gettext_lazy("Phone"), lambda c: c.phone),
    (gettext_lazy("Email"), lambda c: c.email),
    (gettext_lazy("Sales rep"), lambda c: c.owner.username if c.owner else ""),
    (gettext_lazy("Payment term"), lambda c: c.payment_term.code if c.payment_term else ""),
    (gettext_lazy("Price list"), lambda c: c.price_list.code if c.price_list else ""),
    (gettext_lazy("Tax code"), lambda c: c.tax_code.code if c.tax_code else ""),
    (gettext_lazy("Currency"), lambda c: c.currency),
    (gettext_lazy("Credit limit"), lambda c: c.credit_limit),
    (gettext_lazy("Billing address"), lambda c: c.billing_address),
    (gettext_lazy("Shipping address"), lambda c: c.shipping_address),
    (gettext_lazy("Active"), lambda c: yes(c.is_active)),
]


@permission_required("sales.view_customer")
def customer_list(request):
    filters = CustomerFilterForm(request.GET or None, user=request.user)
    customers = selectors.customer_list(request.user, **filters.selector_kwargs())
    return list_or_export(request, customers, columns=CUSTOMER_COLUMNS, filename="customers",
                          template="sales/masterdata/customer_list.html", filters=filters)


def get_customer(request, pk):
    """The customer if the user may see it (a rep: only their own), else 404."""
    customer = (selectors.customers_for_user(request.user).filter(pk=pk)
                .select_related("owner", "payment_term", "price_list", "tax_code").first())
    if customer is None:
        raise Http404
    return customer


@permission_required("sales.add_customer")
def customer_create(request):
    company = company_or_redirect(request)
    if company is None:
        return redirect("home")
    form = CustomerForm(request.POST if request.method == "POST" else None, company=company, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(company=company, actor=request.user, **form.service_fields())
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            return redirect("sales:customer_detail", pk=customer.pk)
    return render(request, "sales/masterdata/customer_form.html", {"form": form, "customer": None})


@permission_required("sales.change_customer")
def customer_edit(request, pk):
    customer = get_customer(request, pk)
    form = CustomerForm(request.POST if request.method == "POST" else None, company=customer.company,
                        user=request.user, instance=customer)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        customer = get_customer(request, pk)  # the form changed its instance while validating
        try:
            services.customer_update(customer=customer, actor=request.user, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Customer %(code)s saved.") % {"code": customer.code})
            return redirect("sales:customer_detail", pk=customer.pk)
    shown = get_customer(request, pk) if request.method == "POST" else customer  # as stored, not as typed
    return render(request, "sales/masterdata/customer_form.html", {"form": form, "customer": shown})


@permission_required("sales.view_customer")
def customer_detail(request, pk):
    return render_customer(request, get_customer(request, pk))


def render_customer(request, customer, *, contact_form=None, contact=None):
    """The customer's page; with htmx only its contacts section (after adding or editing a contact)."""
    contacts = list(customer.contacts.all())
    if contact_form is None and request.user.has_perm("sales.change_customer"):
        contact_form = ContactForm(prefix="contact")
    context = {"customer": customer, "contacts": contacts, "contact_form": contact_form, "contact": contact}
    if request.htmx and request.htmx.target == "contacts":
        return render(request, "sales/masterdata/partials/customer_contacts.html", context)
    exposure = customer_exposure(customer)
    orders = list(selectors.orders_for_user(request.user, customer=customer)[:RECENT_DOCUMENTS])
    for order in orders:
        order.detail_url = safe_url("sales:order_detail", order.pk)
    quotations = list(selectors.quotations_for_user(request.user, customer=customer)[:RECENT_DOCUMENTS])
    for quotation in quotations:
        quotation.detail_url = safe_url("sales:quotation_detail", quotation.pk)
    limit = customer.credit_limit
    context.update({
        "exposure": exposure,
        "available_credit": None if limit is None else limit - exposure,
        "over_limit": limit is not None and exposure > limit,
        "orders": orders,
        "quotations": quotations,
        "orders_url": safe_url("sales:order_list"),
        "quotations_url": safe_url("sales:quotation_list"),
        "history": history_for(customer, user=request.user),
    })
    return render(request, "sales/masterdata/customer_detail.html", context)


def contact_form_view(request, pk, contact_pk=None):
    customer = get_customer(request, pk)
    contact = None
    if contact_pk is not None:
        contact = CustomerContact.objects.filter(customer=customer, pk=contact_pk).first()
        if contact is None:
            raise Http404
    if request.method != "POST":
        return render_customer(request, customer, contact=contact,
                               contact_form=ContactForm(prefix="contact", instance=contact))
    form = ContactForm(request.POST, prefix="contact", instance=contact)
    if form.is_valid():
        try:
            saved = services.contact_save(customer=customer, contact=contact, actor=request.user,
                                          **form.cleaned_data)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        else:
            if request.htmx and request.htmx.target == "contacts":
                return render_customer(request, customer)
            messages.success(request, _("Contact %(name)s saved.") % {"name": saved.name})
            return redirect("sales:customer_detail", pk=customer.pk)
    return render_customer(request, customer, contact=contact, contact_form=form)


@permission_required("sales.change_customer")
def contact_create(request, pk):
    return contact_form_view(request, pk)


@permission_required("sales.change_customer")
def contact_edit(request, pk, contact_pk):
    return contact_form_view(request, pk, contact_pk)


# Tax codes and payment terms: a list with its form on the same page -------------------------------


@dataclass(frozen=True)
class Small:
    key: str  # URL name prefix: tax_code, payment_term
    model: type
    form_class: type
    rows: object  # selector(user) -> queryset
    save: object  # service(company=, actor=, <key>=instance or None, **fields)
    columns: list
    filename: str
    template: str
    saved: object  # lazy message with %(code)s
    writer_perms: tuple = ()  # needed besides the model's add/change permission to write

    def perm(self, action):
        return f"sales.{action}_{self.model._meta.model_name}"

    def may(self, user, action):
        return user.has_perms((self.perm(action), *self.writer_perms))


TAX_CODE = Small(
    "tax_code", TaxCode, TaxCodeForm, selectors.tax_codes_for_user, services.tax_code_save,
    [(gettext_lazy("Code"), lambda t: t.code), (gettext_lazy("Name"), lambda t: t.name),
     (gettext_lazy("Rate (%)"), lambda t: t.rate), (gettext_lazy("Default"), lambda t: yes(t.is_default)),
     (gettext_lazy("Active"), lambda t: yes(t.is_active))],
    "tax_codes", "sales/masterdata/tax_code_list.html", gettext_lazy("Tax code %(code)s saved."),
    writer_perms=(MANAGE_TERMS,),
)
PAYMENT_TERM = Small(
    "payment_term", PaymentTerm, PaymentTermForm, selectors.payment_terms_for_user, services.payment_term_save,
    [(gettext_lazy("Code"), lambda p: p.code), (gettext_lazy("Name"), lambda p: p.name),
     (gettext_lazy("Days"), lambda p: p.days),
     (gettext_lazy("From the end of the month"), lambda p: yes(p.end_of_month)),
     (gettext_lazy("Active"), lambda p: yes(p.is_active))],
    "payment_terms", "sales/masterdata/payment_term_list.html", gettext_lazy("Payment term %(code)s saved."),
    writer_perms=(MANAGE_TERMS,),
)


def small_page(request, small, *, form=None, instance=None):
    filters = SearchFilterForm(request.GET or None)
    rows = filters.apply(small.rows(request.user))
    if form is None and small.may(request.user, "add"):
        form = small.form_class(company=user_company(request.user))
    return list_or_export(request, rows, columns=small.columns, filename=small.filename, template=small.template,
                          filters=filters, form=form, editing=instance,
                          form_url=reverse(f"sales:{small.key}_edit", args=[instance.pk]) if instance
                          else reverse(f"sales:{small.key}_create"))


def small_form(request, small, instance=None):
    company = company_or_redirect(request)
    if company is None:
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    form = small.form_class(data, company=company, instance=instance)
    if data is not None and form.is_valid():
        fields = dict(form.cleaned_data)
        if instance is not None:
            instance.refresh_from_db()  # the form changed it while validating
        try:
            saved = small.save(company=company, actor=request.user, **{small.key: instance}, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, small.saved % {"code": saved.code})
            return redirect(f"sales:{small.key}_list")
    if instance is not None and data is not None:
        instance.refresh_from_db()
    return small_page(request, small, form=form, instance=instance)


def small_instance(request, small, pk):
    instance = small.rows(request.user).filter(pk=pk).first()
    if instance is None:
        raise Http404
    return instance


@permission_required("sales.view_taxcode")
def tax_code_list(request):
    return small_page(request, TAX_CODE)


@permission_required("sales.add_taxcode", MANAGE_TERMS)
def tax_code_create(request):
    return small_form(request, TAX_CODE)


@permission_required("sales.change_taxcode", MANAGE_TERMS)
def tax_code_edit(request, pk):
    return small_form(request, TAX_CODE, small_instance(request, TAX_CODE, pk))


@permission_required("sales.view_paymentterm")
def payment_term_list(request):
    return small_page(request, PAYMENT_TERM)


@permission_required("sales.add_paymentterm", MANAGE_TERMS)
def payment_term_create(request):
    return small_form(request, PAYMENT_TERM)


@permission_required("sales.change_paymentterm", MANAGE_TERMS)
def payment_term_edit(request, pk):
    return small_form(request, PAYMENT_TERM, small_instance(request, PAYMENT_TERM, pk))


# Price lists -------------------------------------------------------------------------------------

PRICE_LIST_COLUMNS = [
    (gettext_lazy("Code"), lambda p: p.code),
    (gettext_lazy("Name"), lambda p: p.name),
    (gettext_lazy("Currency"), lambda p: p.currency),
    (gettext_lazy("Default"), lambda p: yes(p.is_default)),
    (gettext_lazy("Valid from"), lambda p: p.valid_from),
    (gettext_lazy("Valid to"), lambda p: p.valid_to),
    (gettext_lazy("Prices"), lambda p: p.price_count),
    (gettext_lazy("Active"), lambda p: yes(p.is_active)),
]
PRICE_COLUMNS = [
    (gettext_lazy("Item code"), lambda p: p.item.code),
    (gettext_lazy("Item name"), lambda p: p.item.name),
    (gettext_lazy("Unit"), lambda p: p.unit.code),
    (gettext_lazy("From quantity"), lambda p: p.min_quantity),
    (gettext_lazy("Unit price"), lambda p: p.price),
    (gettext_lazy("Valid from"), lambda p: p.valid_from),
    (gettext_lazy("Valid to"), lambda p: p.valid_to),
]


@permission_required("sales.view_pricelist")
def price_list_list(request):
    filters = SearchFilterForm(request.GET or None)
    rows = filters.apply(selectors.price_lists_for_user(request.user))
    return list_or_export(request, rows, columns=PRICE_LIST_COLUMNS, filename="price_lists",
                          template="sales/masterdata/price_list_list.html", filters=filters)


def get_price_list(request, pk):
    price_list = selectors.price_lists_for_user(request.user).filter(pk=pk).first()
    if price_list is None:
        raise Http404
    return price_list


def price_list_form(request, price_list=None):
    company = company_or_redirect(request)
    if company is None:
        return redirect("home")
    data = request.POST if request.method == "POST" else None
    form = PriceListForm(data, company=company, instance=price_list)
    if data is not None and form.is_valid():
        fields = form.service_fields()
        if price_list is not None:
            price_list.refresh_from_db()
        try:
            saved = services.price_list_save(company=company, price_list=price_list, actor=request.user, **fields)
        except WRITE_ERRORS as error:
            add_service_error(form, error)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Price list %(code)s saved.") % {"code": saved.code})
            return redirect("sales:price_list_detail", pk=saved.pk)
    if price_list is not None and data is not None:
        price_list.refresh_from_db()
    return render(request, "sales/masterdata/price_list_form.html", {"form": form, "price_list": price_list})


@permission_required("sales.add_pricelist", MANAGE_TERMS)
def price_list_create(request):
    return price_list_form(request)


@permission_required("sales.change_pricelist", MANAGE_TERMS)
def price_list_edit(request, pk):
    return price_list_form(request, get_price_list(request, pk))


@permission_required("sales.view_pricelist")
def price_list_detail(request, pk):
    price_list = get_price_list(request, pk)
    filters = PriceFilterForm(request.GET or None)
    prices = filters.apply(price_list.prices.select_related("item", "unit")).order_by(
        "item__code", "unit__code", "min_quantity", "valid_from", "pk")
    if fmt := export_format(request):
        filename = "prices_" + re.sub(r"[^A-Za-z0-9_.-]", "_", price_list.code)  # a code may hold "/"
        return export_response(request, rows=prices, columns=PRICE_COLUMNS, filename=filename, fmt=fmt)
    page = paginate(request, prices)
    context = list_context(request, page, filters, price_list=price_list,
                           history=history_for(price_list, user=request.user))
    return render_list(request, "sales/masterdata/price_list_detail.html",
                       "sales/masterdata/partials/price_table.html", context)


@permission_required("sales.change_pricelist", MANAGE_TERMS)
def price_list_prices(request, pk):
    """Every price of the list in one formset; saving replaces the list's prices as a whole."""
    price_list = get_price_list(request, pk)
    data = request.POST if request.method == "POST" else None
    formset = price_formset(data, price_list=price_list)
    if data is not None and formset.is_valid():
        try:
            services.price_list_save(company=price_list.company, price_list=price_list,
                                     prices=formset.prices(), actor=request.user)
        except WRITE_ERRORS as error:
            messages_ = [error.message] if isinstance(error, DomainError) else error.messages
            for message in messages_:
                formset.add_non_form_error(message)
        except IntegrityError:
            formset.add_non_form_error(_("Someone else changed the same prices at the same time. Check and save "
                                         "again."))
        else:
            messages.success(request, _("Prices of %(code)s saved: %(count)s.") % {
                "code": price_list.code, "count": len(formset.prices())})
            return redirect("sales:price_list_detail", pk=price_list.pk)
    return render(request, "sales/masterdata/price_list_prices.html", {"price_list": price_list,
                                                                       "formset": formset})
