"""Writes of the sales master data: customers (with their rep's object permission), contacts,
tax codes, payment terms, price lists and their prices.

The commercial terms (a customer's credit limit, price list, payment term, tax code and rep; price
lists, payment terms and tax codes themselves) change only for a user holding
``sales.manage_commercial_terms`` (the sales manager): checked here, so the screens, the API and the
imports refuse alike (CommercialTermsRefused, a 403). A value sent back unchanged is not a change."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import models
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import Number
from inventory.models import Item, UnitOfMeasure
from inventory.units import to_base
from sales import scoping
from sales.errors import CommercialTermsRefused
from sales.models import Customer, CustomerContact, PaymentTerm, PriceList, PriceListItem, TaxCode
from sales.scoping import SERVE, may_manage_terms


class PriceInput(TypedDict):
    """One price of ``price_list_set_prices``."""

    item: Item
    unit: UnitOfMeasure
    price: Decimal | None
    min_quantity: NotRequired[Number | None]
    valid_from: NotRequired[datetime.date | None]
    valid_to: NotRequired[datetime.date | None]


def check_same_company(company: Company, **related: models.Model | None) -> None:
    for field, obj in related.items():
        if obj is not None and getattr(obj, "company_id", company.pk) != company.pk:
            raise DomainError(_("This record belongs to another company."), field=field)


def check_owner(company: Company, owner: User | None) -> None:
    if owner is not None and owner.company_id not in (None, company.pk):
        raise DomainError(_("That user works for another company."), field="owner")


def grant_owner(customer: Customer, old_owner_id: int | None = None) -> None:
    """The customer's rep holds serve_customer on it (guardian); a new rep takes it over."""
    if old_owner_id and old_owner_id != customer.owner_id:
        old = User.objects.filter(pk=old_owner_id).first()
        if old is not None:
            remove_perm(SERVE, old, customer)
    if customer.owner_id:
        assign_perm(SERVE, customer.owner, customer)


def can_serve(user: User | None, customer: Customer) -> bool:
    """Whether ``user`` may work on ``customer``'s documents (None: the system itself); the customer
    scope of sales.scoping (a global permission costs no query)."""
    return user is None or scoping.can_serve(user, customer)


def check_can_serve(user: User | None, customer: Customer, field: str = "customer") -> None:
    if not can_serve(user, customer):
        raise DomainError(_("You do not serve customer %(customer)s: only its sales rep or a sales manager may.")
                          % {"customer": customer.code}, field=field)


def check_may_manage_terms(actor: User | None, message: str) -> None:
    if not may_manage_terms(actor):
        raise CommercialTermsRefused(message)


def term_messages() -> dict[str, str]:
    """The commercial fields of customers and sales documents, with the refusal of each."""
    rep = _("Only a sales manager may change the sales rep.")
    return {
        "credit_limit": _("Only a sales manager may change the credit limit."),
        "price_list": _("Only a sales manager may change the price list."),
        "payment_term": _("Only a sales manager may change the payment terms."),
        "tax_code": _("Only a sales manager may change the tax code."),
        "owner": rep,
        "sales_rep": rep,
    }


def _key(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def check_terms_unchanged(actor: User | None, fields: Mapping[str, Any], allowed: Mapping[str, Iterable[Any]]) -> None:
    """Refuse a commercial field of ``fields`` whose value is not among its ``allowed`` values (the
    current one, or the defaults of a new record) unless ``actor`` may manage the terms."""
    if may_manage_terms(actor):
        return
    messages = term_messages()
    for name, values in allowed.items():
        if name in fields and _key(fields[name]) not in {_key(v) for v in values}:
            raise CommercialTermsRefused(messages[name], field=name)


@atomic_with_retry
def customer_create(*, company: Company, actor: User | None = None, contacts: Iterable[Mapping[str, Any]] = (),
                    **fields: Any) -> Customer:
    check_same_company(company, **{k: fields.get(k) for k in ("price_list", "tax_code", "payment_term")})
    check_owner(company, fields.get("owner"))
    # Without the permission: the defaults (no limit, the default price list, no terms) and oneself as the rep.
    # (Naming the company's default tax code is the same as leaving it empty.)
    default_tax = TaxCode.objects.filter(company=company, is_default=True).first()
    check_terms_unchanged(actor, fields, {"credit_limit": [None], "price_list": [None], "payment_term": [None],
                                          "tax_code": [None, default_tax], "owner": [None, actor]})
    if fields.get("owner") is None and actor is not None and not may_manage_terms(actor):
        fields["owner"] = actor  # a rep's new customer is their own
    fields.setdefault("currency", company.base_currency or "TWD")
    customer = Customer(company=company, **fields)
    customer.full_clean()
    customer.save()
    grant_owner(customer)
    for contact in contacts:
        contact_save(customer=customer, actor=actor, **contact)
    return customer


@atomic_with_retry
def customer_update(*, customer: Customer, actor: User | None = None, **fields: Any) -> Customer:
    check_can_serve(actor, customer)
    check_same_company(customer.company, **{k: fields.get(k) for k in ("price_list", "tax_code", "payment_term")})
    if "owner" in fields:
        check_owner(customer.company, fields["owner"])
    check_terms_unchanged(actor, fields, {name: [getattr(customer, name)]
                                          for name in ("credit_limit", "price_list", "payment_term", "tax_code",
                                                       "owner")})
    old_owner_id = customer.owner_id
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save()
    grant_owner(customer, old_owner_id)
    return customer


@atomic_with_retry
def contact_save(*, customer: Customer, actor: User | None = None, contact: CustomerContact | None = None,
                 **fields: Any) -> CustomerContact:
    if contact is None:
        contact = CustomerContact(customer=customer)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        others = CustomerContact.objects.filter(customer=customer, is_primary=True).exclude(pk=contact.pk)
        audit.update_queryset(others, actor=actor, is_primary=False)
    return contact


@atomic_with_retry
def tax_code_save(*, company: Company, tax_code: TaxCode | None = None, actor: User | None = None,
                  **fields: Any) -> TaxCode:
    # A tax code's rate prices every line that uses it: the sales manager's, like price lists.
    check_may_manage_terms(actor, _("Only a sales manager may change tax codes."))
    tax_code = tax_code or TaxCode(company=company)
    for name, value in fields.items():
        setattr(tax_code, name, value)
    tax_code.full_clean()
    tax_code.save()
    if tax_code.is_default:
        audit.update_queryset(TaxCode.objects.filter(company=company, is_default=True).exclude(pk=tax_code.pk),
                              actor=actor, is_default=False)
    return tax_code


@atomic_with_retry
def payment_term_save(*, company: Company, payment_term: PaymentTerm | None = None, actor: User | None = None,
                      **fields: Any) -> PaymentTerm:
    check_may_manage_terms(actor, _("Only a sales manager may change payment terms."))
    payment_term = payment_term or PaymentTerm(company=company)
    for name, value in fields.items():
        setattr(payment_term, name, value)
    payment_term.full_clean()
    payment_term.save()
    return payment_term


@atomic_with_retry
def price_list_save(*, company: Company, price_list: PriceList | None = None,
                    prices: Iterable[PriceInput] | None = None, actor: User | None = None,
                    **fields: Any) -> PriceList:
    """Create or update a price list; ``prices`` (if given) replaces its prices as a whole:
    [{item, unit, price, min_quantity?, valid_from?, valid_to?}]."""
    check_may_manage_terms(actor, _("Only a sales manager may change price lists."))
    price_list = price_list or PriceList(company=company)
    fields.setdefault("currency", price_list.currency or company.base_currency or "TWD")
    for name, value in fields.items():
        setattr(price_list, name, value)
    price_list.full_clean()
    price_list.save()
    if price_list.is_default:
        audit.update_queryset(PriceList.objects.filter(company=company, is_default=True).exclude(pk=price_list.pk),
                              actor=actor, is_default=False)
    if prices is not None:
        price_list_set_prices(price_list=price_list, prices=prices, actor=actor)
    return price_list


def price_list_set_prices(*, price_list: PriceList, prices: Iterable[PriceInput], replace: bool = True,
                          actor: User | None = None) -> list[PriceListItem]:
    check_may_manage_terms(actor, _("Only a sales manager may change price lists."))
    rows: list[PriceListItem] = []
    seen: set[tuple[int, int, Number, datetime.date | None]] = set()
    for n, fields in enumerate(prices, start=1):
        item, unit = fields["item"], fields["unit"]
        prefix = _("Line %(n)s: ") % {"n": n}
        if item.company_id != price_list.company_id:
            raise DomainError(prefix + _("the item belongs to another company."), field="prices")
        if to_base(item, 1, unit) is None:
            raise DomainError(prefix + _("%(item)s has no unit %(unit)s.") % {"item": item.code, "unit": unit.code},
                              field="prices")
        if fields["price"] is None or fields["price"] < 0:
            raise DomainError(prefix + _("the price must not be negative."), field="prices")
        key = (item.pk, unit.pk, fields.get("min_quantity") or 0, fields.get("valid_from"))
        if key in seen:
            raise DomainError(prefix + _("the same item, unit, quantity break and start date appear twice."),
                              field="prices")
        seen.add(key)
        row = PriceListItem(price_list=price_list, item=item, unit=unit, price=fields["price"],
                            min_quantity=fields.get("min_quantity") or 0, valid_from=fields.get("valid_from"),
                            valid_to=fields.get("valid_to"))
        if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
            raise DomainError(prefix + _("the end date is before the start date."), field="prices")
        rows.append(row)
    if replace:
        PriceListItem.objects.filter(price_list=price_list).delete()
    audit.record_created(PriceListItem.objects.bulk_create(rows))
    return rows
