"""Automatic postings: stock postings book their moves' values (receipts against goods received not
invoiced, issues, adjustments, transfers), a posted supplier invoice books the payable, input tax and
the price variance; each once, whatever the events' redelivery; the inventory accounts equal the stock
valuation to the cent."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from erp.events import publish
from erp.models import EventDelivery
from finance import status as st
from finance.models import Account, AccountRoleAccount, JournalEntry, JournalLine
from finance.receivers import BOOK_STOCK
from finance.services.postings import stock_moves_book
from inventory import signals as inventory_signals
from inventory.models import AdjustmentReason, GoodsReceipt, ItemValuation, StockMove, UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import (
    adjustment_post,
    adjustment_save,
    issue_post,
    issue_save,
    receipt_post,
    receipt_save,
    transfer_receive,
    transfer_save,
    transfer_ship,
)
from purchasing.services import invoices as purchasing_invoices
from purchasing.services.receiving import receipt_create_for_order
from tests.finance.conftest import D, deliver_events
from tests.purchasing.conftest import _pur_shared, pur  # noqa: F401  (the purchasing world's fixtures)

R = st.AccountRole


def balance(company, role=None, account=None):
    """Debit − credit posted to ``account`` (or to every account mapped to ``role``)."""
    lines = JournalLine.objects.filter(company=company, date__isnull=False)
    if account is not None:
        lines = lines.filter(account=account)
    else:
        ids = AccountRoleAccount.objects.filter(company=company, role=role).values_list("account_id", flat=True)
        lines = lines.filter(account_id__in=ids)
    totals = lines.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or Decimal(0)) - (totals["c"] or Decimal(0))


def stock_value(company):
    return ItemValuation.objects.filter(company=company).aggregate(v=Sum("value"))["v"] or Decimal(0)


@pytest.fixture
def stock(fin):
    masterdata.units_seed(company=fin.company)
    fin.pcs = UnitOfMeasure.objects.get(company=fin.company, code="PCS")
    fin.fg = masterdata.warehouse_create(company=fin.company, code="FG", name="成品倉")
    fin.a1 = masterdata.location_create(warehouse=fin.fg, code="A-01", name="A 區 01")
    fin.rm = masterdata.warehouse_create(company=fin.company, code="RM", name="原料倉")
    fin.b1 = masterdata.location_create(warehouse=fin.rm, code="B-01", name="B 區 01")
    fin.gear = masterdata.item_create(company=fin.company, code="GEAR", name="齒輪", base_unit=fin.pcs)
    return fin


def receive(w, quantity, cost, location=None):
    location = location or w.a1
    receipt = receipt_save(company=w.company, actor=w.admin, warehouse=location.warehouse, lines=[
        {"item": w.gear, "quantity": D(quantity), "unit": w.pcs, "location": location, "unit_cost": D(cost)}])
    return receipt_post(receipt=receipt, actor=w.admin)


def test_receipts_issues_adjustments_and_transfers_keep_the_inventory_account_equal_to_the_valuation(stock):
    w = stock
    # the raw-material warehouse keeps its stock on an account of its own
    raw_materials = Account.objects.get(company=w.company, code="1234" if Account.objects.filter(
        company=w.company, code="1234").exists() else "1231")
    AccountRoleAccount.objects.create(company=w.company, role=R.INVENTORY, warehouse=w.rm, account=raw_materials)
    first = receive(w, "10", "10")
    receive(w, "10", "16")  # the average is now 13
    issue = issue_save(company=w.company, actor=w.admin, warehouse=w.fg,
                       lines=[{"item": w.gear, "quantity": D("5"), "location": w.a1}])
    issue_post(issue=issue, actor=w.admin)
    reason = AdjustmentReason.objects.filter(company=w.company).first()
    adjustment = adjustment_save(company=w.company, actor=w.admin, warehouse=w.fg, reason=reason,
                                 lines=[{"item": w.gear, "quantity_change": D("-1"), "location": w.a1}])
    adjustment_post(adjustment=adjustment, actor=w.admin)
    transfer = transfer_save(company=w.company, actor=w.admin, warehouse=w.fg, to_warehouse=w.rm, lines=[
        {"item": w.gear, "quantity": D("4"), "from_location": w.a1, "to_location": w.b1}])
    transfer_receive(transfer=transfer_ship(transfer=transfer, actor=w.admin), actor=w.admin)

    assert not JournalEntry.objects.filter(company=w.company).exists()  # booked after commit, by the events
    outcomes = deliver_events()
    errors = list(EventDelivery.objects.exclude(status="done").values_list("subscriber", "last_error"))
    assert "failed" not in outcomes and "retry" not in outcomes, errors

    assert balance(w.company, R.GRNI) == D("-260.00")
    assert balance(w.company, R.STOCK_ISSUE) == D("65.00")
    assert balance(w.company, R.STOCK_ADJUSTMENT) == D("13.00")
    assert balance(w.company, account=raw_materials) == D("52.00")
    assert balance(w.company, R.INVENTORY) == stock_value(w.company) == D("182.00")
    entry = JournalEntry.objects.get(company=w.company, source_id=first.pk, source_type__model="goodsreceipt")
    assert entry.journal.kind == st.JournalKind.INVENTORY and entry.status == st.EntryStatus.POSTED
    assert entry.source_reference == first.number and entry.total == D("100.00")


def test_a_redelivered_or_repeated_stock_event_books_nothing_twice(stock):
    w = stock
    receipt = receive(w, "3", "7.5")
    deliver_events()
    moves = list(StockMove.objects.filter(document_id=receipt.pk).values_list("pk", flat=True))
    again = stock_moves_book(company=w.company, move_ids=moves)
    event = publish(inventory_signals.stock_posted, company=w.company, source=receipt, move_ids=moves)
    deliver_events()
    assert EventDelivery.objects.get(event=event, subscriber=BOOK_STOCK).status == "done"
    entries = JournalEntry.objects.filter(company=w.company)
    assert entries.count() == 1 and again.pk == entries.get().pk
    assert balance(w.company, R.INVENTORY) == D("22.50")


def test_a_voided_receipt_is_booked_back(stock):
    from inventory.services.documents import receipt_cancel

    w = stock
    receipt = receive(w, "4", "25")
    receipt_cancel(receipt=GoodsReceipt.objects.get(pk=receipt.pk), actor=w.admin, reason="wrong supplier")
    deliver_events()
    assert JournalEntry.objects.filter(company=w.company).count() == 2
    assert balance(w.company, R.INVENTORY) == balance(w.company, R.GRNI) == stock_value(w.company) == 0


def adjust(w, quantity, reason_code, lines=1):
    """A posted adjustment of GEAR at A-01 with the reason ``reason_code``, in ``lines`` equal lines."""
    reason = AdjustmentReason.objects.get(company=w.company, code=reason_code)
    adjustment = adjustment_save(company=w.company, actor=w.admin, warehouse=w.fg, reason=reason, lines=[
        {"item": w.gear, "quantity_change": D(quantity), "location": w.a1} for _n in range(lines)])
    return adjustment_post(adjustment=adjustment, actor=w.admin)


def test_an_adjustment_books_against_the_account_of_its_reason_and_an_unmapped_reason_against_the_general_one(stock):
    from finance.services.accounts import role_account_set

    w = stock
    general = AccountRoleAccount.objects.get(company=w.company, role=R.STOCK_ADJUSTMENT, item_category=None,
                                             warehouse=None, adjustment_reason=None).account  # 5114
    scrap_loss, found_gain = (Account.objects.get(company=w.company, code=code) for code in ("5115", "5113"))
    for code, account in (("DAMAGE", scrap_loss), ("FOUND", found_gain)):
        role_account_set(company=w.company, actor=w.accountant, role=R.STOCK_ADJUSTMENT, account=account,
                         adjustment_reason=AdjustmentReason.objects.get(company=w.company, code=code))
    receive(w, "10", "10")
    damaged = adjust(w, "-2", "DAMAGE")
    found = adjust(w, "3", "FOUND")
    lost = adjust(w, "-1", "LOST")

    deliver_events()

    def booked(document):
        entry = JournalEntry.objects.get(company=w.company, source_id=document.pk,
                                         source_type__model="stockadjustment")
        return sorted((line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account"))

    inventory = w.account(R.INVENTORY).code
    assert booked(damaged) == sorted([(inventory, D("0"), D("20.00")), ("5115", D("20.00"), D("0"))])
    assert booked(found) == sorted([("5113", D("0"), D("30.00")), (inventory, D("30.00"), D("0"))])
    assert booked(lost) == sorted([(general.code, D("10.00"), D("0")), (inventory, D("0"), D("10.00"))])
    assert (balance(w.company, account=scrap_loss), balance(w.company, account=found_gain),
            balance(w.company, account=general)) == (D("20.00"), D("-30.00"), D("10.00"))
    assert balance(w.company, R.INVENTORY) == stock_value(w.company) == D("100.00")


def test_the_reasons_of_adjustments_are_read_in_one_query_whatever_their_lines(stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = stock
    receive(w, "10", "10")
    deliver_events()
    one, three = adjust(w, "-1", "DAMAGE"), adjust(w, "-1", "DAMAGE", lines=3)

    counts = []
    for document in (one, three):
        moves = list(StockMove.objects.filter(document_id=document.pk, move_type="adjustment")
                     .values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            stock_moves_book(company=w.company, move_ids=moves)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert balance(w.company, R.STOCK_ADJUSTMENT) == D("40.00")


def test_an_adjustment_reason_on_another_role_is_refused_by_the_service_the_model_and_the_database(stock):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils import translation

    from erp.errors import DomainError
    from finance.services.accounts import role_account_set

    w = stock
    reason = AdjustmentReason.objects.get(company=w.company, code="DAMAGE")
    bank = w.account(R.BANK)
    before = AccountRoleAccount.objects.count()

    with translation.override("en"), pytest.raises(DomainError) as refused:
        role_account_set(company=w.company, actor=w.accountant, role=R.BANK, account=bank, adjustment_reason=reason)
    mapping = AccountRoleAccount(company=w.company, role=R.BANK, account=bank, adjustment_reason=reason)
    with translation.override("en"), pytest.raises(ValidationError) as invalid:
        mapping.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        mapping.save()

    message = "Only the role “Inventory adjustments” is mapped per adjustment reason: leave the reason empty."
    assert (refused.value.field, str(refused.value.message)) == ("adjustment_reason", message)
    assert invalid.value.message_dict["adjustment_reason"] == [message]
    assert AccountRoleAccount.objects.count() == before


def test_a_supplier_invoice_books_grni_price_variance_input_tax_and_the_payable(pur):  # noqa: F811
    from finance.services.setup import chart_install

    chart_install(company=pur.company, template="tw")
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    order.lines.update(tax_rate=D("5"))
    receipt_post(receipt=receipt_create_for_order(order=order, actor=pur.keeper), actor=pur.keeper)
    invoice = purchasing_invoices.invoice_save(
        company=pur.company, actor=pur.buyer, supplier=pur.acme_parts, supplier_invoice_number="AB12345678",
        lines=[{"order_line": order.lines.get(), "quantity": D("10"), "unit_price": D("800.3")}])
    purchasing_invoices.invoice_post(invoice=invoice, actor=pur.buyer)
    deliver_events()
    entry = JournalEntry.objects.get(company=pur.company, source_key=f"supplier-invoice:{invoice.pk}")
    assert entry.journal.kind == st.JournalKind.PURCHASES
    assert balance(pur.company, R.GRNI) == 0  # received 8,000 at the order price, invoiced against it
    invoice.refresh_from_db()
    assert (invoice.net_amount, invoice.tax_amount) == (D("8003.00"), D("400.15"))
    assert balance(pur.company, R.PRICE_VARIANCE) == D("3.00")
    assert balance(pur.company, R.INPUT_TAX) == D("400.15")
    assert balance(pur.company, R.PAYABLE) == D("-8403.15")
    payable = entry.lines.get(credit__gt=0)
    assert payable.supplier_id == pur.acme_parts.pk
    assert balance(pur.company, R.INVENTORY) == stock_value(pur.company) == D("8000.00")
