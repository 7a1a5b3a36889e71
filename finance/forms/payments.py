"""Forms of the payment screens: the list filter, and a payment (money received from a customer or paid
to a supplier through a bank or cash account) with its allocation table: one amount field per open
invoice of the partner (沖帳), and the choice to keep what is left over as the partner's credit.

The table's invoices are the partner's open ones (finance.selectors.open_invoices_of); the form checks
that no invoice gets more than it has open and that the allocations do not add up to more than the
payment, beside the field. Every other rule is finance.services.payments', whose refusals the view
shows beside the field they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from erp.codes import normalise_code
from erp.money import MONEY, format_money
from finance import selectors
from finance import status as st
from finance.forms import DATE, styled
from finance.forms.entries import AccountCodeField, check_years
from finance.forms.invoices import CustomerCodeField
from finance.models import Payment
from purchasing.forms.orders import SupplierCodeField
from purchasing.models import Supplier
from sales.models import Customer
from sales.selectors import customers_for_user

ZERO = Decimal("0")
ALLOCATE = "allocate_"


class PaymentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput(
        attrs={"placeholder": _("Number, bank reference or partner")}))
    direction = forms.ChoiceField(label=_("Direction"), required=False,
                                  choices=[("", _("Received and paid")), *st.PaymentDirection.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *st.PaymentStatus.choices])
    customer = CustomerCodeField()
    supplier = SupplierCodeField()
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_for_user(user)
        self.fields["supplier"].queryset = Supplier.objects.restrict(user)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "date_from", "date_to")
        return data


class PaymentForm(forms.Form):
    """A draft payment and its allocations, named as ``payment_save``'s arguments (the partner is the
    customer for money received, the supplier for money paid)."""

    direction = forms.ChoiceField(label=_("Direction"), choices=st.PaymentDirection.choices)
    customer = CustomerCodeField(help_text=_("For money received."))
    supplier = SupplierCodeField(help_text=_("For money paid."))
    account = AccountCodeField(label=_("Bank or cash account"),
                               help_text=_("The code of the bank or cash account (any postable asset account)."))
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False,
                                help_text=_("The bank's transaction reference or the cheque number."))
    keep_overpayment = forms.BooleanField(
        label=_("Keep the rest as the partner's credit"), required=False,
        help_text=_("What is not allocated to an invoice stays as an advance from the customer (預收款) or a "
                    "prepayment to the supplier."))

    def __init__(self, data: Any = None, *, user: Any, company: Any, payment: Payment | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user, self.company, self.payment = user, company, payment
        self.fields["customer"].queryset = customers_for_user(user)
        self.fields["supplier"].queryset = Supplier.objects.restrict(user)
        self.fields["account"].queryset = selectors.payment_accounts(user)
        self.fields["account"].widget.attrs.update({"list": "account-codes", "autocomplete": "off", "size": 10})
        for name in ("customer", "supplier"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "size": 10})
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"
        self.invoices = self.open_invoices()
        for invoice in self.invoices:
            self.fields[ALLOCATE + invoice.key] = forms.DecimalField(
                label=invoice.invoice.reference, required=False, min_value=Decimal("0.01"), **MONEY)
        styled(self)

    # The partner and its open invoices, read before the form is validated (the table follows the
    # partner as typed).

    def value_of(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name, self.fields[name].initial)
        return value() if callable(value) else value

    def chosen_direction(self) -> str:
        value = self.value_of("direction")
        return value if value in st.PaymentDirection.values else st.PaymentDirection.IN

    def partner(self) -> Customer | Supplier | None:
        """The customer (money received) or supplier (paid) named so far, as the user may see it."""
        name = "customer" if self.chosen_direction() == st.PaymentDirection.IN else "supplier"
        value = self.value_of(name)
        if isinstance(value, Customer | Supplier):
            return value
        code = normalise_code(str(value or "")).strip()
        if not code:
            return None
        found: Customer | Supplier | None = self.fields[name].queryset.filter(code=code).first()
        return found

    def open_invoices(self) -> list[selectors.OpenInvoice]:
        partner = self.partner()
        if partner is None or self.company is None:
            return []
        include: list[int] = []
        if self.payment is not None:
            include = [a.customer_invoice_id or a.supplier_invoice_id for a in self.payment.allocations.all()
                       if (a.customer_invoice_id if isinstance(partner, Customer) else a.supplier_invoice_id)]
        if isinstance(partner, Customer):
            return selectors.open_invoices_of(self.company, customer=partner, include=include)
        return selectors.open_invoices_of(self.company, supplier=partner, include=include)

    def allocation_rows(self) -> list[tuple[selectors.OpenInvoice, forms.BoundField]]:
        return [(invoice, self[ALLOCATE + invoice.key]) for invoice in self.invoices]

    # Validation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "document_date")
        direction = data.get("direction")
        if direction == st.PaymentDirection.IN and not data.get("customer") and "customer" not in self.errors:
            self.add_error("customer", gettext("Give the customer's code."))
        if direction == st.PaymentDirection.OUT and not data.get("supplier") and "supplier" not in self.errors:
            self.add_error("supplier", gettext("Give the supplier's code."))
        total = ZERO
        for invoice, field in self.allocation_rows():
            amount = data.get(field.name)
            if not amount:
                continue
            total += amount
            if amount > invoice.open:
                self.add_error(field.name, gettext("Only %(open)s is open.") % {"open": format_money(invoice.open)})
        amount = data.get("amount")
        if amount is not None and total > amount:
            message = gettext("The allocations (%(allocated)s) add up to more than the payment (%(amount)s).")
            self.add_error(None, message % {"allocated": format_money(total), "amount": format_money(amount)})
        return data

    def partner_field(self) -> str:
        return "customer" if self.cleaned_data.get("direction") == st.PaymentDirection.IN else "supplier"

    def values(self) -> dict[str, Any]:
        """``payment_save``'s keyword arguments (but company, actor and the payment)."""
        data = self.cleaned_data
        allocations = [(invoice.invoice, data[field.name]) for invoice, field in self.allocation_rows()
                       if data.get(field.name)]
        return {"direction": data["direction"], "partner": data[self.partner_field()], "account": data["account"],
                "amount": data["amount"], "document_date": data["document_date"], "reference": data["reference"],
                "allocations": allocations}


def payment_initial(payment: Payment) -> dict[str, Any]:
    """A draft's values for its form (its allocations in the amount fields)."""
    initial: dict[str, Any] = {
        "direction": payment.direction, "customer": payment.customer, "supplier": payment.supplier,
        "account": payment.account, "amount": payment.amount, "document_date": payment.document_date,
        "reference": payment.bank_reference}
    for allocation in payment.allocations.all():
        key = f"c{allocation.customer_invoice_id}" if allocation.customer_invoice_id else \
            f"s{allocation.supplier_invoice_id}"
        initial[ALLOCATE + key] = allocation.amount
    return initial
