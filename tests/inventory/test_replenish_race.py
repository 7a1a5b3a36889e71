"""Under real concurrency on PostgreSQL: clicks on "Transfer from …" at the same moment (a double
click, two keepers of two warehouses) make one transfer for a shortage, never two."""

from decimal import Decimal

import pytest

from erp.errors import DomainError
from inventory.models import StockTransfer, UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import issue_save, receipt_post, receipt_save
from inventory.services.replenish import SHIP_TRANSFER_TASK, transfer_create_for_shortage
from office.models import Task
from tests.conftest import ensure_roles
from tests.factories import CompanyFactory, UserFactory
from tests.parallel import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_simultaneous_clicks_from_one_or_two_warehouses_make_one_transfer():
    ensure_roles()
    company = CompanyFactory(code="RACE")
    masterdata.units_seed(company=company)
    pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
    user = UserFactory(username="racer", company=company, is_superuser=True)
    item = masterdata.item_create(company=company, code="IT", name="item", base_unit=pcs)
    warehouses = [masterdata.warehouse_create(company=company, code=f"W{n}", name=f"W{n}") for n in range(3)]
    bins = [masterdata.location_create(warehouse=w, code=f"B{n}", name=f"B{n}") for n, w in enumerate(warehouses)]
    for bin_ in bins[1:]:
        receipt = receipt_save(company=company, actor=user, warehouse=bin_.warehouse, lines=[
            {"item": item, "quantity": D("36"), "unit": pcs, "location": bin_, "unit_cost": D("1")}])
        receipt_post(receipt=receipt, actor=user)
    demand = issue_save(company=company, actor=user, warehouse=warehouses[0],
                        lines=[{"item": item, "quantity": D("30"), "unit": pcs, "location": bins[0]}])

    def click(index):
        transfer_create_for_shortage(company=company, source=demand, to_warehouse=warehouses[0],
                                     from_warehouse=warehouses[1 + index % 2], lines=[(item, D("30"))], actor=user,
                                     reference="SO-RACE")
        return "made"

    outcomes, errors = run_parallel(4, click, refused=(DomainError,))

    assert errors == []
    assert sorted(outcomes) == ["made", "refused", "refused", "refused"]
    assert StockTransfer.objects.count() == 1
    assert Task.objects.filter(kind=SHIP_TRANSFER_TASK).count() == 1
