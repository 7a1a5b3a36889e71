"""A closed work order is booked (production.work_order_closed): its actual labour and overhead applied
to work in process, what is left there to production variance, so that work in process ends at zero;
once per order whatever the event's redelivery. Both charts map the roles, and books set up before
the roles existed get them on the next posting. Figures worked by hand in each test."""

import pytest
from django.db.models import Sum

from erp.events import publish
from erp.models import EventDelivery, OutboxEvent
from finance import chart
from finance import status as st
from finance.models import Account, AccountRoleAccount, JournalEntry, JournalLine
from finance.receivers import BOOK_WORK_ORDER_CLOSE
from finance.services.postings import work_order_close_book
from finance.services.setup import chart_install
from inventory import status as inventory_status
from inventory.models import ItemValuation
from inventory.services import masterdata
from production import signals as production_signals
from production import status as production_status
from production.models import WorkOrder, WorkOrderComponent
from production.services import workorders as services
from tests.production.conftest import D, _prod_shared, deliver_events, prod  # noqa: F401  (the production world)

pytestmark = pytest.mark.django_db
R = st.AccountRole


def balance(company, code):
    """Debit − credit posted to the account ``code``."""
    totals = JournalLine.objects.filter(company=company, account__code=code, date__isnull=False).aggregate(
        d=Sum("debit"), c=Sum("credit"))
    return (totals["d"] or D(0)) - (totals["c"] or D(0))


def stock_value(company):
    return ItemValuation.objects.filter(company=company).aggregate(v=Sum("value"))["v"] or D(0)


def shop(prod, template="tw"):  # noqa: F811
    """The production world with a chart, stock of TUBE (80 a kg) and RIM (200 each) and a frame BOM of
    two components and a by-product: 2.5 kg TUBE + 1 RIM a frame, 0.3 kg OFFCUT (standard cost 20)
    coming out; routing WELD (60 min setup + 90 min a unit, 600 an hour at 80 % efficiency)."""
    chart_install(company=prod.company, template=template)
    offcut = masterdata.item_create(company=prod.company, code="OFFCUT", name="鋼管餘料", base_unit=prod.kg,
                                    item_type=inventory_status.ItemType.RAW_MATERIAL, standard_cost=D("20"))
    prod.two_part_bom = prod.bom(prod.frame, [
        (prod.tube, "2.5"), (prod.rim, "1"), (offcut, "0.3", {"kind": production_status.BomLineKind.BY_PRODUCT})],
        version="9", is_default=False, routing=prod.frame_routing)
    prod.receive(prod.tube, "100", unit_cost="80")
    prod.receive(prod.rim, "10", unit_cost="200")
    return prod


def frames_issued(w):
    """A released order for 2 frames (overhead 10 % of labour) with its material issued: 5 kg TUBE
    x 80 = 400 and 2 RIM x 200 = 400, 800 in work in process."""
    order = services.work_order_save(company=w.company, actor=w.planner, item=w.frame, warehouse=w.wh,
                                     quantity=D("2"), start_date=w.today, bom=w.two_part_bom,
                                     overhead_percent=D("10"))
    services.work_order_release(work_order=order, actor=w.planner)
    rows = WorkOrderComponent.objects.filter(work_order=order)
    services.work_order_issue(work_order=order, actor=w.planner, lines=[
        services.IssueLine(component=rows.get(component=w.tube), quantity=D("5")),
        services.IssueLine(component=rows.get(component=w.rim), quantity=D("2"))])
    return order


def entry_lines(entry):
    return [(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")
            .order_by("line_no")]


def test_a_closed_order_applies_its_labour_and_overhead_and_leaves_nothing_in_work_in_process(prod):  # noqa: F811
    w = shop(prod)
    order = frames_issued(w)
    # 1st frame: labour (60 + 90) min / 80 % = 3.125 h x 600 = 1,875.00, overhead 187.50, half the
    # material 400, less the offcut 0.3 kg x 20 = 6: 2,456.50
    services.work_order_complete(work_order=order, actor=w.planner, quantity=D("1"))
    # 2nd frame: labour 90 min / 80 % = 1.875 h x 600 = 1,125.00, overhead 112.50, the other 400, less 6:
    # 1,631.50
    services.work_order_complete(work_order=order, actor=w.planner, quantity=D("1"))
    services.work_order_close(work_order=order, actor=w.planner)

    outcomes = deliver_events()

    assert "failed" not in outcomes and "retry" not in outcomes
    order.refresh_from_db()
    assert (order.actual_material, order.actual_labour, order.actual_overhead) == (D("800"), D("3000"), D("300"))
    assert (order.received_value, order.byproduct_value) == (D("4088.00"), D("12.00"))
    entry = JournalEntry.objects.get(company=w.company, source_key=f"work-order-close:{order.pk}")
    # left in work in process: 800 + 3,000 + 300 − 4,088 − 12 = 0: no variance line
    assert entry_lines(entry) == [("1237", D("3300.00"), D("0.00")), ("5141", D("0.00"), D("3000.00")),
                                  ("5170", D("0.00"), D("300.00"))]
    assert (entry.journal.kind, entry.status, entry.document_date) == (
        st.JournalKind.INVENTORY, st.EntryStatus.POSTED, w.today)
    assert entry.source == WorkOrder.objects.get(pk=order.pk) and entry.source_reference == order.number
    assert balance(w.company, "1237") == D("0.00")  # work in process: 800 in, 4,100 out, 3,300 applied
    assert balance(w.company, "5141") == D("-3000.00")  # applied direct labour: the actual labour
    assert balance(w.company, "5170") == D("-300.00")  # applied manufacturing overhead
    assert balance(w.company, "5117") == D("0.00")
    assert balance(w.company, "1235") == stock_value(w.company)  # the stock ledger's valuation still


def test_a_redelivered_close_event_books_nothing_twice(prod):  # noqa: F811
    w = shop(prod)
    order = frames_issued(w)
    services.work_order_complete(work_order=order, actor=w.planner, quantity=D("2"))
    services.work_order_close(work_order=order, actor=w.planner)
    deliver_events()
    payload = OutboxEvent.objects.get(name=production_signals.work_order_closed.name).payload

    event = publish(production_signals.work_order_closed, company=w.company, source=order, **payload)
    deliver_events()
    again = work_order_close_book(work_order=WorkOrder.objects.get(pk=order.pk), payload=payload)

    assert EventDelivery.objects.get(event=event, subscriber=BOOK_WORK_ORDER_CLOSE).status == "done"
    entries = JournalEntry.objects.filter(company=w.company, source_key=f"work-order-close:{order.pk}")
    assert entries.count() == 1 and again.pk == entries.get().pk
    assert (balance(w.company, "1237"), balance(w.company, "5141"), balance(w.company, "5170")) == (
        D("0.00"), D("-3000.00"), D("-300.00"))


def test_an_order_closed_partly_completed_leaves_its_remaining_work_in_process_in_production_variance(prod):  # noqa: F811
    w = shop(prod)
    order = frames_issued(w)
    services.work_order_complete(work_order=order, actor=w.planner, quantity=D("1"))  # 2,456.50 as above
    services.work_order_close(work_order=order, actor=w.planner)

    deliver_events()

    entry = JournalEntry.objects.get(company=w.company, source_key=f"work-order-close:{order.pk}")
    # applied: labour 1,875.00 + overhead 187.50 = 2,062.50; left: 800 + 2,062.50 − 2,456.50 − 6 = 400
    # (the second frame's material, issued and not used) to production variance; work in process nets
    # 2,062.50 − 400 = 1,662.50
    assert entry_lines(entry) == [("1237", D("1662.50"), D("0.00")), ("5141", D("0.00"), D("1875.00")),
                                  ("5170", D("0.00"), D("187.50")), ("5117", D("400.00"), D("0.00"))]
    assert balance(w.company, "1237") == D("0.00")
    assert balance(w.company, "5117") == D("400.00")
    assert (balance(w.company, "5141"), balance(w.company, "5170")) == (D("-1875.00"), D("-187.50"))


@pytest.mark.parametrize("template, codes", [
    ("tw", {"wip": "1237", "labour": "5141", "overhead": "5170", "group": "515", "variance": "5117"}),
    ("cn", {"wip": "5001", "labour": "221101", "overhead": "510111", "group": "5101", "variance": "640102"}),
])
def test_books_set_up_before_the_applied_roles_get_them_on_the_next_posting(prod, template, codes):  # noqa: F811
    w = shop(prod, template)
    # as the books were before: no applied labour or overhead role, no applied-overhead account
    AccountRoleAccount.objects.filter(company=w.company, role__in=[R.LABOUR_APPLIED, R.OVERHEAD_APPLIED]).delete()
    Account.objects.filter(company=w.company, code=codes["overhead"]).delete()
    order = frames_issued(w)
    services.work_order_complete(work_order=order, actor=w.planner, quantity=D("1"))
    services.work_order_close(work_order=order, actor=w.planner)

    outcomes = deliver_events()

    assert "failed" not in outcomes and "retry" not in outcomes
    mapped = dict(AccountRoleAccount.objects.filter(company=w.company, role__in=[R.LABOUR_APPLIED,
                                                                                  R.OVERHEAD_APPLIED])
                  .values_list("role", "account__code"))
    assert mapped == {R.LABOUR_APPLIED: codes["labour"], R.OVERHEAD_APPLIED: codes["overhead"]}
    overhead = Account.objects.get(company=w.company, code=codes["overhead"])
    assert (overhead.parent.code, overhead.is_group, overhead.is_active) == (codes["group"], False, True)
    entry = JournalEntry.objects.get(company=w.company, source_key=f"work-order-close:{order.pk}")
    assert entry_lines(entry) == [
        (codes["wip"], D("1662.50"), D("0.00")), (codes["labour"], D("0.00"), D("1875.00")),
        (codes["overhead"], D("0.00"), D("187.50")), (codes["variance"], D("400.00"), D("0.00"))]
    assert balance(w.company, codes["wip"]) == D("0.00")


@pytest.mark.parametrize("template", sorted(chart.TEMPLATES))
def test_each_chart_maps_every_role_to_a_postable_account(template):
    data = chart.template_data(template)
    postable = {row["code"] for row in data["accounts"] if not row["group"]}

    assert set(data["roles"]) == set(R.values)
    assert set(data["roles"].values()) <= postable
