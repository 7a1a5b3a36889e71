"""Bad input is refused with a clear message naming the line and field, and nothing is saved;
prices come from the price list with quantity breaks and validity; totals round explicitly."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as s

from erp.errors import DomainError
from erp.models import Company
from inventory.services import masterdata
from sales.models import Quotation, SalesOrder, SalesOrderLine
from sales.services.masterdata import price_list_save
from sales.services.pricing import document_totals, line_amount
from sales.services.quotations import quotation_convert, quotation_save, quotation_send

D = Decimal
pytestmark = pytest.mark.django_db


def refused(sal, lines, actor=None, customer=None, **header):
    with translation.override("en"), pytest.raises(DomainError) as error:
        sal.order(lines, actor=actor, customer=customer, **header)
    assert SalesOrder.objects.count() == 0 and SalesOrderLine.objects.count() == 0
    return error.value


def test_an_inactive_item_is_refused(sal):
    sal.pump.is_active = False
    sal.pump.save()
    error = refused(sal, [{"item": sal.widget, "quantity": D("1")}, {"item": sal.pump, "quantity": D("1")}])
    assert str(error.message) == "Line 2: PMP-1 is inactive and cannot be sold." and error.field == "lines"


@pytest.mark.parametrize("quantity", [D("0"), D("-3")])
def test_a_zero_or_negative_quantity_is_refused(sal, quantity):
    error = refused(sal, [{"item": sal.widget, "quantity": quantity}])
    assert str(error.message) == "Line 1: the quantity must be greater than zero."


def test_a_unit_the_item_lacks_is_refused(sal):
    error = refused(sal, [{"item": sal.pump, "quantity": D("1"), "unit": sal.box}])
    assert str(error.message) == "Line 1: PMP-1 is not sold in BOX: choose one of its units."


def test_a_negative_price_is_refused(sal):
    error = refused(sal, [{"item": sal.widget, "quantity": D("1"), "unit_price": D("-1")}], actor=sal.manager)
    assert str(error.message) == "Line 1: the unit price must not be negative."


def test_a_requested_date_in_the_past_is_refused(sal):
    yesterday = sal.today - datetime.timedelta(days=1)
    error = refused(sal, [{"item": sal.widget, "quantity": D("1"), "requested_date": yesterday}])
    assert str(error.message) == "Line 1: the requested date is in the past."
    error = refused(sal, [{"item": sal.widget, "quantity": D("1")}], requested_date=yesterday)
    assert error.field == "requested_date"


def test_a_customer_of_another_rep_is_refused(sal):
    error = refused(sal, [{"item": sal.widget, "quantity": D("1")}], customer=sal.other_customer)
    assert error.field == "customer" and "C002" in str(error.message)


def test_a_customer_of_another_company_is_refused(sal):
    other = Company.objects.create(code="OTHER", name="別家公司")
    from sales.services.masterdata import customer_create

    stranger = customer_create(company=other, code="X1", name="外人")
    error = refused(sal, [{"item": sal.widget, "quantity": D("1")}], customer=stranger, actor=sal.manager)
    assert str(error.message) == "This customer belongs to another company."


def test_a_rep_cannot_change_the_list_price_but_a_manager_can(sal):
    error = refused(sal, [{"item": sal.widget, "quantity": D("1"), "unit_price": D("80")}])
    assert str(error.message) == "Line 1: only a sales manager may change the list price (100.0000)."
    order = sal.order([{"item": sal.widget, "quantity": D("1"), "unit_price": D("80")}], actor=sal.manager)
    assert order.lines.get().unit_price == D("80") and order.lines.get().list_price == D("100")


def test_prices_follow_quantity_breaks_units_and_validity(sal):
    order = sal.order([
        {"item": sal.widget, "quantity": D("99")},
        {"item": sal.widget, "quantity": D("100")},
        {"item": sal.widget, "quantity": D("10"), "unit": sal.box},  # 120 pcs: the 100+ break, × 12
    ])
    assert [line.unit_price for line in order.lines.all()] == [D("100"), D("90"), D("1080")]
    price_list_save(company=sal.company, price_list=sal.prices, prices=[
        {"item": sal.widget, "unit": sal.pcs, "price": D("100")},
        {"item": sal.widget, "unit": sal.pcs, "price": D("95"), "valid_from": sal.today,
         "valid_to": sal.in_a_week},
    ])
    later = sal.order([{"item": sal.widget, "quantity": D("1")}],
                      document_date=sal.in_a_week + datetime.timedelta(days=1))
    now = sal.order([{"item": sal.widget, "quantity": D("1")}])
    assert now.lines.get().unit_price == D("95") and later.lines.get().unit_price == D("100")


def test_an_item_without_a_price_needs_one_entered(sal):
    gizmo = masterdata.item_create(company=sal.company, code="GIZ", name="小零件", base_unit=sal.pcs)
    error = refused(sal, [{"item": gizmo, "quantity": D("1")}])
    assert str(error.message) == "Line 1: GIZ has no price on the price list: enter a unit price."
    order = sal.order([{"item": gizmo, "quantity": D("3"), "unit_price": D("12.5")}])
    assert order.net_amount == D("37.50") and order.tax_amount == D("1.88") and order.total_amount == D("39.38")


def test_a_quotation_converts_into_an_order_once(sal):
    quotation = quotation_save(company=sal.company, actor=sal.rep, customer=sal.customer,
                               lines=[{"item": sal.widget, "quantity": D("5"), "unit": sal.pcs}])
    quotation_send(quotation=quotation, actor=sal.rep)
    order = quotation_convert(quotation=quotation, actor=sal.rep)
    again = quotation_convert(quotation=quotation, actor=sal.rep)
    assert again.pk == order.pk and SalesOrder.objects.count() == 1
    assert order.quotation_id == quotation.pk and order.total_amount == quotation.total_amount
    assert order.lines.get().quantity == D("5")
    assert Quotation.objects.get().status == "converted"


def test_the_document_tax_is_rounded_once_per_rate():
    # Three lines of 0.10 at 5 %: per line the tax would be 3 × 0.01 = 0.03; on the document it is 0.02.
    assert document_totals([(D("0.10"), D("5"))] * 3) == (D("0.30"), D("0.02"), D("0.32"))


@settings(max_examples=200, deadline=None)
@given(s.lists(s.tuples(s.decimals(min_value=D("0.0001"), max_value=D("99999"), places=4),
                        s.decimals(min_value=D("0"), max_value=D("99999"), places=4),
                        s.decimals(min_value=D("0"), max_value=D("100"), places=2),
                        s.sampled_from([D("0"), D("5"), D("10")])), min_size=1, max_size=20))
def test_totals_are_the_sum_of_rounded_lines_plus_tax_rounded_per_rate(lines):
    amounts = [(line_amount(q, p, d), rate) for q, p, d, rate in lines]
    net, tax, total = document_totals(amounts)
    assert net == sum(a for a, _r in amounts) and total == net + tax
    for (q, p, d, _rate), (amount, _r) in zip(lines, amounts, strict=True):
        assert abs(amount - q * p * (100 - d) / 100) <= D("0.005")
    exact_tax = sum(a * r / 100 for a, r in amounts)
    assert abs(tax - exact_tax) <= D("0.005") * 3  # at most half a cent per rate
