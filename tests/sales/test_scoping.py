"""Who sees which sales rows (sales.scoping through erp.scoping.restrict): a rep's customers granted
to them or to one of their groups, everything that hangs off those customers, nothing of another
company; the rep's order list as one array of ids the planner can use."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.test import APIClient

from erp.models import User
from erp.scoping import CHANGE, restrict
from inventory.models import DeliveryNote, DeliveryNoteLine
from sales import selectors
from sales.models import CreditApproval, Customer, CustomerContact, SalesOrder, SalesOrderLine
from sales.scoping import can_serve, sees_all_customers
from sales.services import masterdata as sales_masterdata
from sales.services.orders import order_confirm
from sales.services.quotations import quotation_save
from tests.factories import CompanyFactory, UserFactory
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def key_accounts(sal, make_user):
    """A rep who serves no customer of their own but the group "Key accounts" serves 大同機械 (C001)."""
    group = Group.objects.create(name="Key accounts")
    assign_perm("sales.serve_customer", group, sal.customer)
    remove_perm("sales.serve_customer", sal.rep, sal.customer)  # C001 is the group's, not the owner's
    member = make_user("member", "Sales", language="en")
    member.groups.add(group)
    sal.group, sal.member = group, member
    return sal


def confirmed(sal, customer=None):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("2")}], customer=customer, actor=sal.admin)
    order_confirm(order=order, actor=sal.admin)
    deliver_events()
    return order


def test_a_rep_sees_the_customers_of_their_group_and_everything_that_hangs_off_them(key_accounts):
    sal = key_accounts
    order = confirmed(sal)
    other = confirmed(sal, customer=sal.other_customer)
    quotation_save(company=sal.company, actor=sal.admin, customer=sal.customer,
                   lines=[{"item": sal.widget, "quantity": D("1"), "unit": sal.pcs}])
    sales_masterdata.contact_save(customer=sal.customer, name="陳經理")
    member = sal.member

    assert list(selectors.customers_for_user(member)) == [sal.customer]
    assert list(selectors.orders_for_user(member)) == [order]
    assert [q.customer for q in selectors.quotations_for_user(member)] == [sal.customer]
    assert list(SalesOrderLine.objects.restrict(member).values_list("order", flat=True)) == [order.pk]
    assert [c.name for c in CustomerContact.objects.restrict(member)] == ["陳經理"]
    assert [n.source_id for n in DeliveryNote.objects.restrict(member)] == [order.pk]
    assert set(DeliveryNoteLine.objects.restrict(member).values_list("document__source_id", flat=True)) == {order.pk}
    assert can_serve(member, sal.customer) and not can_serve(member, sal.other_customer)
    assert not sees_all_customers(member)
    assert other.customer == sal.other_customer and other not in selectors.orders_for_user(member)


def test_leaving_the_group_takes_the_customers_away_at_once(key_accounts):
    sal = key_accounts
    member = sal.member
    assert selectors.customers_for_user(member).count() == 1  # read (and kept for the request)

    member.groups.remove(sal.group)

    assert selectors.customers_for_user(member).count() == 0
    assert not can_serve(member, sal.customer)


def test_the_group_member_works_on_the_groups_customer_through_the_screens_and_the_api(key_accounts, client):
    sal = key_accounts
    order = confirmed(sal)
    other = confirmed(sal, customer=sal.other_customer)
    client.force_login(sal.member)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(sal.member)

    listed = api.get("/api/sales/orders/").json()

    assert client.get(f"/sales/orders/{order.pk}/").status_code == 200
    assert client.get(f"/sales/orders/{other.pk}/").status_code == 404
    assert [row["id"] for row in listed["results"]] == [order.pk]
    assert api.get(f"/api/sales/customers/{sal.customer.pk}/").status_code == 200
    assert api.get(f"/api/sales/customers/{sal.other_customer.pk}/").status_code == 404


def test_a_rep_of_another_company_sees_nothing_of_this_one(sal):
    confirmed(sal)
    stranger_company = CompanyFactory(code="ELSE")
    stranger = UserFactory(username="else-mgr", company=stranger_company, roles=["Sales manager"])
    stranger_rep = UserFactory(username="else-rep", company=stranger_company, roles=["Sales"])
    assign_perm("sales.serve_customer", stranger_rep, sal.customer)  # a grant across companies counts for nothing

    for user in (stranger, stranger_rep):
        assert selectors.customers_for_user(user).count() == 0
        assert selectors.orders_for_user(user).count() == 0
        assert selectors.quotations_for_user(user).count() == 0
        assert SalesOrderLine.objects.restrict(user).count() == 0
        assert DeliveryNote.objects.restrict(user).count() == 0
        assert not can_serve(user, sal.customer)
    assert sees_all_customers(stranger)  # globally, in their own company


def test_every_model_hanging_off_a_customer_follows_its_scope(sal):
    order = confirmed(sal, customer=sal.other_customer)
    CreditApproval.objects.create(company=sal.company, order=order, approved_by=sal.manager, order_total=D("1"),
                                  exposure=D("0"), credit_limit=D("1"))
    rep = sal.rep  # serves C001 only

    assert Customer.objects.restrict(rep).get() == sal.customer
    for model in (SalesOrder, SalesOrderLine, CreditApproval, DeliveryNote, DeliveryNoteLine):
        assert model.objects.restrict(rep).count() == 0, model
        assert model.objects.restrict(rep, CHANGE).count() == 0, model
        assert model.objects.restrict(sal.manager).count() >= 1, model


def test_a_reps_orders_are_narrowed_by_one_array_of_their_customers_read_once_a_request(sal):
    sal.order([{"item": sal.widget, "quantity": D("1")}])
    rep = User.objects.get(pk=sal.rep.pk)  # as a request loads them

    with CaptureQueriesContext(connection) as queries:
        first = list(selectors.orders_for_user(rep))
        second = selectors.orders_for_user(rep).count()

    grant_reads = [q["sql"] for q in queries.captured_queries if "guardian_userobjectpermission" in q["sql"]]
    order_sql = [q["sql"] for q in queries.captured_queries if 'FROM "sales_salesorder"' in q["sql"]]
    assert (len(first), second, len(grant_reads)) == (1, 1, 1)
    assert all("= ANY(" in sql and '"sales_salesorder"."company_id" = ' in sql for sql in order_sql)
    assert restrict(SalesOrder.objects.all(), sal.manager).query.where.children  # the company only
    assert "ANY" not in str(selectors.orders_for_user(sal.manager).query)


def test_the_apis_customer_filter_knows_only_the_reps_customers(sal):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(sal.rep)

    own = api.get("/api/sales/orders/", {"customer": "C001"})
    others = api.get("/api/sales/orders/", {"customer": "C002"})

    assert own.status_code == 200
    assert (others.status_code, others.json()) == (400, {"customer": ["No record with the code C002."]})
