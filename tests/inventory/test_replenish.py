"""Stock of another warehouse for a shortage: ``selectors.available_elsewhere`` (where else an item is
available, two queries) and ``replenish.transfer_create_for_shortage`` (a draft transfer for what is
short and available there, with the warehouse's ship task; a second click refused). The source
document here is a stock issue of WH1 standing for any document short of stock: inventory names it
generically, it knows nothing of sales."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from erp.errors import DomainError
from inventory import status as st
from inventory.errors import InsufficientStock
from inventory.models import Location, StockMove, StockTransfer, StockTransferLine
from inventory.selectors import WarehouseStock, available_elsewhere, open_transfer_quantities
from inventory.services import masterdata
from inventory.services.documents import (
    issue_reserve,
    issue_save,
    transfer_cancel,
    transfer_receive,
    transfer_save,
    transfer_ship,
)
from inventory.services.replenish import SHIP_TRANSFER_TASK, transfer_create_for_shortage
from office.models import Task
from tests.factories import CompanyFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(inv):
    """WH1 short of screws; WH2 holds 36 of which 4 are reserved, WH3 holds 5; WH1 itself 10."""
    inv.wh3 = masterdata.warehouse_create(company=inv.company, code="WH3", name="外倉")
    inv.c1 = masterdata.location_create(warehouse=inv.wh3, code="C-01", name="C 01")
    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.screw, "36", inv.b1)
    inv.receive(inv.screw, "5", inv.c1)
    held = issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2,
                      lines=[{"item": inv.screw, "quantity": D("4"), "unit": inv.pcs, "location": inv.b1}])
    issue_reserve(issue=held, actor=inv.admin)
    inv.demand = issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                            lines=[{"item": inv.screw, "quantity": D("100"), "unit": inv.pcs, "location": inv.a1}])
    return inv


def shortage_transfer(world, from_warehouse, lines=None, source=None):
    return transfer_create_for_shortage(
        company=world.company, source=source or world.demand, to_warehouse=world.wh1, from_warehouse=from_warehouse,
        lines=lines or [(world.screw, D("100"))], actor=world.keeper, reference="SO-TEST-1")


def rows(transfer):
    return [(line.item.code, line.quantity, line.unit.code, line.from_location.code, line.to_location.code,
             line.lot.number if line.lot else None)
            for line in transfer.lines.select_related("item", "unit", "from_location", "to_location", "lot")
            .order_by("pk")]


# available_elsewhere ---------------------------------------------------------------------------


def test_available_elsewhere_is_on_hand_less_reserved_per_warehouse_leaving_out_the_demands_own(world):
    world.receive(world.resin, "2.5", world.b1, lot_number="R-1")

    found = available_elsewhere(world.company, [world.screw, world.resin], world.wh1)

    assert found == {
        world.screw.pk: [WarehouseStock(world.wh2, D("32")), WarehouseStock(world.wh3, D("5"))],
        world.resin.pk: [WarehouseStock(world.wh2, D("2.5"))],
    }


def test_available_elsewhere_leaves_out_inactive_locations_empty_warehouses_and_unseen_ones(world):
    b2 = masterdata.location_create(warehouse=world.wh2, code="B-02", name="B 02")
    world.receive(world.screw, "7", b2)
    Location.objects.filter(pk=b2.pk).update(is_active=False)
    issue = issue_save(company=world.company, actor=world.admin, warehouse=world.wh3,
                       lines=[{"item": world.screw, "quantity": D("5"), "unit": world.pcs, "location": world.c1}])
    issue_reserve(issue=issue, actor=world.admin)  # all of WH3's

    everywhere = available_elsewhere(world.company, [world.screw], world.wh1)
    only_wh3 = available_elsewhere(world.company, [world.screw.pk], world.wh1, warehouses=[world.wh3.pk])

    assert everywhere == {world.screw.pk: [WarehouseStock(world.wh2, D("32"))]}
    assert only_wh3 == {}


def test_available_elsewhere_takes_three_queries_at_most_whatever_the_items_and_warehouses(
        world, django_assert_num_queries):
    with django_assert_num_queries(2):  # the balances, the draft transfers' lines (none)
        few = available_elsewhere(world.company, [world.screw], world.wh1)
    for n in range(4, 8):
        warehouse = masterdata.warehouse_create(company=world.company, code=f"WH{n}", name=f"倉 {n}")
        bin_ = masterdata.location_create(warehouse=warehouse, code=f"X-{n}", name=f"X {n}")
        world.receive(world.screw, "1", bin_)
        world.receive(world.resin, "1", bin_, lot_number=f"R-{n}")
        transfer_save(company=world.company, actor=world.keeper, warehouse=warehouse, to_warehouse=world.wh1,
                      lines=[{"item": world.screw, "quantity": D("1"), "unit": world.pcs, "from_location": bin_,
                              "to_location": world.a1}])

    with django_assert_num_queries(3):  # and the units of the draft lines
        many = available_elsewhere(world.company, [world.screw, world.resin], world.wh1)
    with django_assert_num_queries(0):
        none = available_elsewhere(world.company, [], world.wh1)

    assert len(few[world.screw.pk]) == 2
    assert len(many[world.screw.pk]) == 2 and len(many[world.resin.pk]) == 4  # WH4-7's screw is on drafts
    assert none == {}


# transfer_create_for_shortage --------------------------------------------------------------------


def test_a_shortage_transfer_takes_what_is_free_there_into_the_items_location_and_tasks_the_warehouse(world):
    transfer = shortage_transfer(world, world.wh2)

    assert (transfer.status, transfer.warehouse, transfer.to_warehouse) == ("draft", world.wh2, world.wh1)
    assert rows(transfer) == [("SCR-M3", D("32"), "PCS", "B-01", "A-01", None)]  # 36 less the 4 reserved
    assert transfer.source == world.demand and transfer.source_reference == "SO-TEST-1"
    assert transfer.created_by == world.keeper
    task = Task.objects.get(kind=SHIP_TRANSFER_TASK)
    assert (task.status, task.assignee_role.name, task.close_on_status) == ("open", "Warehouse", "received")
    assert (task.document_type, task.document_id) == (ContentType.objects.get_for_model(StockTransfer), transfer.pk)
    assert "WH2" in task.title and "WH1" in task.title and "SO-TEST-1" in task.title
    assert not StockMove.objects.filter(document_id=transfer.pk).exists()  # nothing moves or is reserved yet


def test_a_lot_tracked_shortage_takes_the_first_expiring_lots_first(world):
    world.receive(world.resin, "5", world.b1, lot_number="LATE")
    world.receive(world.resin, "1", world.b1, lot_number="EARLY")
    world.resin.lots.filter(number="EARLY").update(expires_on="2026-01-31")
    world.resin.lots.filter(number="LATE").update(expires_on="2027-06-30")

    transfer = shortage_transfer(world, world.wh2, lines=[(world.resin, D("3"))])

    assert rows(transfer) == [("RES-01", D("1"), "KG", "B-01", "A-01", "EARLY"),
                              ("RES-01", D("2"), "KG", "B-01", "A-01", "LATE")]


def test_a_second_click_is_refused_and_writes_nothing(world):
    first = shortage_transfer(world, world.wh2, lines=[(world.screw, D("30"))])

    with pytest.raises(DomainError, match="already cover"):
        shortage_transfer(world, world.wh2, lines=[(world.screw, D("30"))])

    assert rows(first) == [("SCR-M3", D("30"), "PCS", "B-01", "A-01", None)]
    assert StockTransfer.objects.count() == 1 and StockTransferLine.objects.count() == 1
    assert Task.objects.filter(kind=SHIP_TRANSFER_TASK).count() == 1
    assert open_transfer_quantities(world.demand) == {world.screw.pk: D("30")}


def test_another_warehouse_brings_only_the_rest_and_stock_on_a_draft_transfer_is_not_offered_twice(world):
    first = shortage_transfer(world, world.wh2, lines=[(world.screw, D("34"))])

    with pytest.raises(DomainError, match="nothing available"):  # its 32 free are on the first draft
        shortage_transfer(world, world.wh2, lines=[(world.screw, D("34"))])
    rest = shortage_transfer(world, world.wh3, lines=[(world.screw, D("34"))])

    assert rows(first) == [("SCR-M3", D("32"), "PCS", "B-01", "A-01", None)]
    assert rows(rest) == [("SCR-M3", D("2"), "PCS", "C-01", "A-01", None)]  # 34 short, 32 on the way
    assert available_elsewhere(world.company, [world.screw], world.wh1) == {
        world.screw.pk: [WarehouseStock(world.wh3, D("3"))]}
    assert Task.objects.filter(kind=SHIP_TRANSFER_TASK).count() == 2


def test_a_cancelled_transfer_no_longer_covers_the_shortage_and_its_task_closes(world):
    first = shortage_transfer(world, world.wh2)

    transfer_cancel(transfer=first, actor=world.keeper, reason="改由採購")
    again = shortage_transfer(world, world.wh2)

    assert Task.objects.get(document_id=first.pk, kind=SHIP_TRANSFER_TASK).status == "cancelled"
    assert rows(again) == [("SCR-M3", D("32"), "PCS", "B-01", "A-01", None)]


def test_receiving_the_transfer_puts_the_goods_in_the_demands_warehouse_and_closes_the_task(world):
    transfer = shortage_transfer(world, world.wh2)

    transfer_ship(transfer=transfer, actor=world.keeper)
    transfer_receive(transfer=transfer, actor=world.keeper)

    # WH1: 10 + 32; WH2: the 4 left are reserved
    assert available_elsewhere(world.company, [world.screw], world.wh3) == {
        world.screw.pk: [WarehouseStock(world.wh1, D("42"))]}
    assert Task.objects.get(kind=SHIP_TRANSFER_TASK).status == "done"
    assert open_transfer_quantities(world.demand) == {}


def test_shipping_never_takes_more_than_is_free_at_the_time(world):
    transfer = shortage_transfer(world, world.wh2)
    later = issue_save(company=world.company, actor=world.admin, warehouse=world.wh2,
                       lines=[{"item": world.screw, "quantity": D("1"), "unit": world.pcs, "location": world.b1}])
    issue_reserve(issue=later, actor=world.admin)  # someone took one of the 32 since

    with pytest.raises(InsufficientStock):
        transfer_ship(transfer=transfer, actor=world.keeper)

    transfer.refresh_from_db()
    assert transfer.status == "draft"
    assert not StockMove.objects.filter(document_id=transfer.pk, move_type=st.MoveType.TRANSFER_OUT).exists()


@pytest.mark.parametrize("case", ["another company's source", "another company's destination", "same warehouse",
                                  "nothing available", "nothing short"])
def test_refusals_write_nothing(world, case):
    other = CompanyFactory(code="OTHER", name="別家公司")
    elsewhere = masterdata.warehouse_create(company=other, code="OW", name="別家倉")
    masterdata.location_create(warehouse=elsewhere, code="O-01", name="O 01")
    empty = masterdata.warehouse_create(company=world.company, code="WH9", name="空倉")
    masterdata.location_create(warehouse=empty, code="E-01", name="E 01")
    call = {"company": world.company, "source": world.demand, "to_warehouse": world.wh1, "from_warehouse": world.wh2,
            "lines": [(world.screw, D("10"))], "actor": world.keeper}
    call.update({
        "another company's source": {"from_warehouse": elsewhere},
        "another company's destination": {"to_warehouse": elsewhere},
        "same warehouse": {"from_warehouse": world.wh1},
        "nothing available": {"from_warehouse": empty},
        "nothing short": {"lines": [(world.screw, D("0"))]},
    }[case])
    transfers, tasks = StockTransfer.objects.count(), Task.objects.count()

    with pytest.raises(DomainError):
        transfer_create_for_shortage(**call)

    assert (StockTransfer.objects.count(), Task.objects.count()) == (transfers, tasks)
    assert not StockTransferLine.objects.exists()


def test_a_transfer_entered_by_hand_names_no_source(world):
    transfer = transfer_save(company=world.company, actor=world.keeper, warehouse=world.wh2, to_warehouse=world.wh1,
                             lines=[{"item": world.screw, "quantity": D("1"), "unit": world.pcs,
                                     "from_location": world.b1, "to_location": world.a1}])

    assert (transfer.source_type, transfer.source_id, transfer.source_reference) == (None, None, "")
    assert open_transfer_quantities(world.demand) == {}


def test_stock_on_a_draft_transfer_in_another_unit_is_not_available_again(world):
    transfer_save(company=world.company, actor=world.keeper, warehouse=world.wh2, to_warehouse=world.wh3,
                  lines=[{"item": world.screw, "quantity": D("2"), "unit": world.box, "from_location": world.b1,
                          "to_location": world.c1}])

    found = available_elsewhere(world.company, [world.screw], world.wh1)

    assert found == {world.screw.pk: [WarehouseStock(world.wh2, D("8")), WarehouseStock(world.wh3, D("5"))]}
