"""Under real concurrency on PostgreSQL: no negative stock, no overselling, no deadlocks."""

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from erp.db import atomic_with_retry
from erp.money import round_quantity
from inventory import status as st
from inventory.errors import InsufficientStock
from inventory.models import Reservation, StockBalance, StockCount, StockCountLine, StockMove
from inventory.services import masterdata
from inventory.services.documents import count_create
from inventory.services.stock import MoveSpec, post_moves, reserve
from tests.factories import CompanyFactory, UserFactory
from tests.parallel import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def world():
    company = CompanyFactory(code="RACE")
    masterdata.units_seed(company=company)
    from inventory.models import UnitOfMeasure

    pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
    user = UserFactory(username="racer", company=company, is_superuser=True)
    warehouse = masterdata.warehouse_create(company=company, code="WH", name="WH")
    bin_a = masterdata.location_create(warehouse=warehouse, code="A", name="A")
    items = [masterdata.item_create(company=company, code=f"IT{n}", name=f"item {n}", base_unit=pcs) for n in range(2)]
    return company, user, bin_a, items


def deadlocks_so_far():
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_fifty_transactions_taking_the_last_units_never_oversell():
    company, user, bin_a, (item, _other) = world()
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=item, location=bin_a, quantity=Decimal("30"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1"))])

    @atomic_with_retry
    def take_one(index):
        post_moves(company=company, actor=user, specs=[
            MoveSpec(item=item, location=bin_a, quantity=Decimal("-1"), move_type=st.MoveType.ISSUE)])
        return "taken"

    outcomes, errors = run_parallel(50, take_one, refused=(InsufficientStock,))

    assert errors == []
    assert outcomes.count("taken") == 30
    assert outcomes.count("refused") == 20
    assert StockBalance.objects.get(item=item).on_hand == 0
    assert StockMove.objects.filter(move_type=st.MoveType.ISSUE).count() == 30


def test_documents_touching_the_same_items_in_opposite_orders_do_not_deadlock():
    company, user, bin_a, (first, second) = world()
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=i, location=bin_a, quantity=Decimal("1000"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1")) for i in (first, second)])
    before = deadlocks_so_far()

    @atomic_with_retry(attempts=1)  # a deadlock would surface as an error, not be retried away
    def issue_both(index):
        pair = (first, second) if index % 2 else (second, first)
        post_moves(company=company, actor=user, specs=[
            MoveSpec(item=i, location=bin_a, quantity=Decimal("-1"), move_type=st.MoveType.ISSUE) for i in pair])
        return "posted"

    outcomes, errors = run_parallel(40, issue_both, refused=(InsufficientStock,))

    assert errors == []
    assert outcomes.count("posted") == 40
    assert deadlocks_so_far() == before
    assert [StockBalance.objects.get(item=i).on_hand for i in (first, second)] == [Decimal("960"), Decimal("960")]


def test_parallel_reservations_never_reserve_more_than_is_on_hand():
    company, user, bin_a, (item, _other) = world()
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=item, location=bin_a, quantity=Decimal("10"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1"))])

    def reserve_three(index):
        reserve(company=company, item=item, warehouse=bin_a.warehouse, quantity=Decimal("3"), document=user,
                line_id=index, actor=user)
        return "reserved"

    outcomes, errors = run_parallel(20, reserve_three, refused=(InsufficientStock,))

    balance = StockBalance.objects.get(item=item)
    assert errors == []
    assert outcomes.count("reserved") == 3
    assert balance.reserved == Decimal("9")
    assert sum(r.quantity for r in Reservation.objects.all()) == Decimal("9")


def test_issues_and_reservations_racing_keep_available_non_negative():
    company, user, bin_a, (item, _other) = world()
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=item, location=bin_a, quantity=Decimal("20"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1"))])

    @atomic_with_retry
    def contend(index):
        if index % 2:
            reserve(company=company, item=item, warehouse=bin_a.warehouse, quantity=Decimal("2"), document=user,
                    line_id=index, actor=user)
            return "reserved"
        post_moves(company=company, actor=user, specs=[
            MoveSpec(item=item, location=bin_a, quantity=Decimal("-2"), move_type=st.MoveType.ISSUE)])
        return "issued"

    outcomes, errors = run_parallel(30, contend, refused=(InsufficientStock,))

    balance = StockBalance.objects.get(item=item)
    assert errors == []
    assert (outcomes.count("reserved") + outcomes.count("issued")) == 10
    assert balance.on_hand - balance.reserved == round_quantity(0)
    assert balance.on_hand == Decimal("20") - 2 * outcomes.count("issued")


def test_two_parallel_starts_of_a_count_one_makes_the_sheet_the_other_is_a_409():
    company, user, bin_a, items = world()
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=item, location=bin_a, quantity=Decimal("5"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1")) for item in items])
    count = count_create(company=company, warehouse=bin_a.warehouse, actor=user)

    def start(index):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client.post(f"/api/inventory/counts/{count.pk}/start/").status_code

    outcomes, errors = run_parallel(2, start, refused=(InsufficientStock,))

    assert errors == []
    assert sorted(outcomes) == [200, 409]
    assert StockCount.objects.get(pk=count.pk).status == st.CountStatus.COUNTING
    assert StockCountLine.objects.filter(document=count).count() == 2
