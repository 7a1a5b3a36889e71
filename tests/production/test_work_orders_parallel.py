"""Two work orders releasing against the same scarce component at once, on real PostgreSQL: together
they never reserve more than is there; and a double click completes once."""

import pytest

from erp.errors import DomainError
from inventory import status as inventory_status
from inventory.models import Reservation, StockBalance, StockMove
from production.models import WorkOrder
from production.services import workorders as services
from tests.parallel import run_parallel
from tests.production.conftest import D


def wheels(prod, quantity):
    return services.work_order_save(company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh,
                                    quantity=D(quantity), start_date=prod.today)


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_never_reserve_more_than_is_there(prod):
    prod.receive(prod.rim, "5", unit_cost="200")
    prod.receive(prod.spoke, "1000", unit_cost="2")
    orders = [wheels(prod, "4"), wheels(prod, "4")]

    outcomes, errors = run_parallel(2, lambda i: sum(
        (s.short for s in services.work_order_release(work_order=orders[i], actor=prod.planner).shortages
         if s.component.code == "RIM"), D("0")))

    assert errors == []
    assert sorted(outcomes) == [D("0"), D("3")]  # one got 4 rims, the other the last one
    active = Reservation.objects.filter(item=prod.rim, status=inventory_status.ReservationStatus.ACTIVE)
    assert sum(r.quantity for r in active) == D("5")
    balance = StockBalance.objects.get(item=prod.rim)
    assert (balance.on_hand, balance.reserved) == (D("5"), D("5"))
    assert all(order.status == "released" for order in WorkOrder.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_double_click_completes_once(prod):
    prod.receive(prod.rim, "5", unit_cost="200")
    prod.receive(prod.spoke, "1000", unit_cost="2")
    order = wheels(prod, "2")
    services.work_order_release(work_order=order, actor=prod.planner)

    outcomes, errors = run_parallel(2, lambda i: services.work_order_complete(
        work_order=WorkOrder.objects.get(pk=order.pk), actor=prod.planner, quantity="2").status,
        refused=(DomainError,))

    assert errors == []
    assert sorted(outcomes) == ["completed", "refused"]
    assert StockMove.objects.filter(move_type=inventory_status.MoveType.PRODUCTION_OUTPUT).count() == 1
    assert WorkOrder.objects.get(pk=order.pk).completed_quantity == D("2")
