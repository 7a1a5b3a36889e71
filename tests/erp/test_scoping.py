"""The core's scoping mechanism (erp.scoping): restrict() keeps the user's company and applies the
rules the departments registered; grants come from the user and their groups; every business model
can be read through it."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from guardian.shortcuts import assign_perm

from erp import scoping
from erp.models import CompanyOwned, ExportJob
from erp.scoping import CHANGE, VIEW, AnyOf, GrantScope, RestrictedManager, restrict
from inventory.models import UnitOfMeasure, Warehouse
from inventory.services import masterdata
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_companies(company, roles):
    other = CompanyFactory(code="ELSE")
    masterdata.units_seed(company=company)
    masterdata.units_seed(company=other)
    return company, other


def test_restrict_keeps_the_users_company_and_nobody_without_one_sees_anything(two_companies):
    mine, other = two_companies
    me = UserFactory(username="me", company=mine, roles=["Manager"])
    nobody = UserFactory(username="nobody", company=None, roles=["Manager"])
    inactive = UserFactory(username="gone", company=mine, roles=["Manager"], is_active=False)

    assert set(UnitOfMeasure.objects.restrict(me).values_list("company", flat=True)) == {mine.pk}
    assert UnitOfMeasure.objects.restrict(nobody).count() == 0
    assert UnitOfMeasure.objects.restrict(inactive).count() == 0
    assert UnitOfMeasure.objects.restrict(AnonymousUser()).count() == 0
    assert restrict(UnitOfMeasure.objects.all(), None).count() == 0


def test_a_grant_scope_honours_the_users_own_and_their_groups_object_permissions(two_companies):
    mine, _other = two_companies
    east = masterdata.warehouse_create(company=mine, code="EAST", name="東倉")
    west = masterdata.warehouse_create(company=mine, code="WEST", name="西倉")
    masterdata.warehouse_create(company=mine, code="NORTH", name="北倉")
    keeper = UserFactory(username="k", company=mine, roles=["Warehouse"])
    crew = Group.objects.create(name="West crew")
    crew.user_set.add(keeper)
    assign_perm("inventory.operate_warehouse", keeper, east)
    assign_perm("inventory.operate_warehouse", crew, west)
    scope = GrantScope(paths=("pk",), perm="inventory.operate_warehouse", model="inventory.warehouse")

    assert set(scope(Warehouse.objects.all(), keeper, VIEW)) == {east, west}
    assert scope.allows(keeper, west) and scope.allows(keeper, east)
    assert set(Warehouse.objects.restrict(keeper, CHANGE)) == {east, west}


def test_many_granted_objects_stay_a_subquery(two_companies, monkeypatch):
    mine, _other = two_companies
    keeper = UserFactory(username="k", company=mine, roles=["Warehouse"])
    for code in ("A", "B", "C"):
        assign_perm("inventory.operate_warehouse", keeper,
                    masterdata.warehouse_create(company=mine, code=code, name=code))
    monkeypatch.setattr(scoping, "LITERAL_IDS_LIMIT", 2)

    warehouses = Warehouse.objects.restrict(keeper)

    assert "UNION" in str(warehouses.query)
    assert warehouses.count() == 3


def test_a_short_grant_list_is_one_array_parameter(two_companies):
    mine, _other = two_companies
    warehouse = masterdata.warehouse_create(company=mine, code="A", name="A")
    sql, params = Warehouse.objects.filter(AnyOf("pk", [warehouse.pk, 7])).query.sql_with_params()

    assert '"inventory_warehouse"."id" = ANY(%s::bigint[])' in sql
    assert params == ([warehouse.pk, 7],)
    assert list(Warehouse.objects.filter(AnyOf("pk", [warehouse.pk, 7]))) == [warehouse]
    assert list(Warehouse.objects.filter(AnyOf("pk", []))) == []


def test_every_business_model_reads_through_restrict_and_is_limited_by_a_company_or_a_rule():
    departments = [model for app in ("office", "inventory", "sales") for model in apps.get_app_config(app).get_models()]
    core = [model for model in apps.get_app_config("erp").get_models() if issubclass(model, CompanyOwned)]

    assert [model._meta.label for model in [*departments, *core, ExportJob]
            if not isinstance(model._default_manager, RestrictedManager)] == []
    assert scoping.unscoped_models(apps.get_models()) == []
    assert scoping.check_scope_rules(apps.get_models()) == []
    assert scoping.check_scopes() == []


def test_the_system_check_names_a_rule_for_a_model_that_does_not_exist(monkeypatch):
    monkeypatch.setitem(scoping.SCOPE_RULES, "inventory.warehous", [lambda queryset, user, action: queryset])

    assert [e.id for e in scoping.check_scopes()] == ["erp.E101"]


def test_an_export_is_its_owners_alone(two_companies):
    mine, _other = two_companies
    owner = UserFactory(username="owner", company=mine)
    colleague = UserFactory(username="colleague", company=mine, is_superuser=True)
    job = ExportJob.objects.create(user=owner, filename="orders", fmt="csv", path="/sales/orders/",
                                   rows_total=Decimal("1"))

    assert list(ExportJob.objects.restrict(owner)) == [job]
    assert ExportJob.objects.restrict(colleague).count() == 0
