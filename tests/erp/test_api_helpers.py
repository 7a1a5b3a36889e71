"""The core's API tools (erp.api): query parameters, code and id fields within the user's company,
the company viewset mixin, delete-or-deactivate, errors per line and the models' digits.

A small viewset over the core's own Department (coded master data) stands in for a department's."""

import datetime
from decimal import Decimal

import pytest
from django.db import DataError
from django.http import QueryDict
from django.utils import translation
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory, force_authenticate

from erp.api import fields, params
from erp.api.serializers import LineErrorCollector, UniqueCodeMixin
from erp.api.viewsets import DepartmentRootView, MasterDataViewSet
from erp.errors import DomainError
from erp.models import Department
from tests.factories import CompanyFactory, DepartmentFactory

# A department's endpoint built on the core helpers ---------------------------------------------

deleted = []


def department_delete(*, instance, actor, deactivatable):
    """Stands in for a department's delete service: refuses what is still in use (here: a parent)."""
    if instance.children.exists():
        raise InUseForTest(f"{instance.code} still has sub-departments." + (" Deactivate it." if deactivatable else ""))
    deleted.append((instance.code, actor.username, deactivatable))
    instance.delete()


class InUseForTest(DomainError):
    http_status = 409


class DepartmentSerializer(UniqueCodeMixin, serializers.ModelSerializer):
    code = fields.CodeField()
    parent = fields.CodeRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    is_active = fields.active_field()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "parent", "is_active"]

    def create(self, validated_data):
        return Department.objects.create(company=fields.request_company(self.context), **validated_data)


class DepartmentViewSet(MasterDataViewSet):
    model = Department
    queryset = Department.objects.none()
    serializer_class = DepartmentSerializer
    delete_service = staticmethod(department_delete)


class DepartmentByIdSerializer(serializers.Serializer):
    department = fields.CompanyPrimaryKeyField(queryset=Department.objects.all())
    user = fields.UserField()


def call(user, method, action, path="/", data=None, **kwargs):
    view = DepartmentViewSet.as_view({method: action})
    request = getattr(APIRequestFactory(), method)(path, data, format="json")
    force_authenticate(request, user=user)
    return view(request, **kwargs)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin(make_user):
    return make_user("admin", "System admin")


@pytest.fixture
def other_company(db):
    return CompanyFactory(code="OTHER")


# Query parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(("parse", "raw", "message"), [
    (params.parse_bool, "maybe", "Use true or false."),
    (params.parse_int, "12a", "Enter a whole number."),
    (params.parse_day, "2026-13-01", "Enter a date as YYYY-MM-DD."),
    (params.parse_day, "yesterday", "Enter a date as YYYY-MM-DD."),
])
def test_a_bad_parameter_is_a_validation_error_naming_it(parse, raw, message):
    with pytest.raises(serializers.ValidationError) as refused:
        parse(QueryDict(f"when={raw}"), "when")

    assert refused.value.detail == {"when": [message]}


def test_parameters_parse_or_answer_none_when_not_asked():
    query = QueryDict("yes=TRUE&no=0&n=42&day=2026-03-01&empty=")

    assert (params.parse_bool(query, "yes"), params.parse_bool(query, "no"), params.parse_bool(query, "empty")) == (
        True, False, None)
    assert (params.parse_int(query, "n"), params.parse_int(query, "missing")) == (42, None)
    assert (params.parse_day(query, "day"), params.parse_day(query, "empty")) == (datetime.date(2026, 3, 1), None)


def test_a_date_range_ending_before_it_starts_is_refused_on_the_end():
    with pytest.raises(serializers.ValidationError) as refused:
        params.parse_date_range(QueryDict("date_from=2026-03-02&date_to=2026-03-01"))

    assert refused.value.detail == {"date_to": ["The end date is before the start date."]}
    assert params.parse_date_range(QueryDict("date_from=2026-03-01")) == (datetime.date(2026, 3, 1), None)


def test_a_choice_is_trimmed_and_an_unknown_one_refused_with_the_given_message():
    assert params.parse_choice(QueryDict("status= open "), "status", ["open", "done"], "Unknown status.") == "open"
    with pytest.raises(serializers.ValidationError) as refused:
        params.parse_choice(QueryDict("status=lost"), "status", ["open", "done"], "Unknown status.")

    assert refused.value.detail == {"status": ["Unknown status."]}


def test_by_code_finds_the_record_in_the_users_company_only(admin, company, other_company):
    ours = DepartmentFactory(company=company, code="QA")
    DepartmentFactory(company=other_company, code="RND")

    found = params.by_code(Department, admin, QueryDict("dept= qa "), "dept")
    with pytest.raises(serializers.ValidationError) as refused:
        params.by_code(Department, admin, QueryDict("dept=rnd"), "dept")

    assert found == ours
    assert refused.value.detail == {"dept": ["No record with the code RND."]}
    assert params.by_code(Department, admin, QueryDict(""), "dept") is None


def test_by_username_finds_a_user_of_the_users_company_only(admin, make_user, other_company):
    colleague = make_user("colleague")
    make_user("stranger", company=other_company)

    with pytest.raises(serializers.ValidationError) as refused:
        params.by_username(admin, QueryDict("rep=stranger"), "rep")

    assert params.by_username(admin, QueryDict("rep=colleague"), "rep") == colleague
    assert refused.value.detail == {"rep": ["No user with the username stranger."]}


def test_a_bad_parameter_answers_400_naming_it(admin):
    response = call(admin, "get", "list", "/?active=perhaps")

    assert response.status_code == 400
    assert response.data == {"active": ["Use true or false."]}


# The company viewset -----------------------------------------------------------------------------


def test_the_list_shows_the_users_company_only_filtered_by_search_and_active(admin, company, other_company):
    DepartmentFactory(company=company, code="QA", name="Quality")
    DepartmentFactory(company=company, code="QC", name="Quality control", is_active=False)
    DepartmentFactory(company=company, code="HR", name="People")
    DepartmentFactory(company=other_company, code="QB", name="Quality elsewhere")

    everything = call(admin, "get", "list")
    active_quality = call(admin, "get", "list", "/?search=qual&active=true")

    assert [row["code"] for row in everything.data["results"]] == ["HR", "QA", "QC"]
    assert [row["code"] for row in active_quality.data["results"]] == ["QA"]


def test_a_code_related_field_resolves_within_the_users_company_only(admin, company, other_company):
    DepartmentFactory(company=other_company, code="OPS")
    ours = DepartmentFactory(company=company, code="OPS")

    created = call(admin, "post", "create", data={"code": "ops-east", "name": "East", "parent": " ops "})
    elsewhere = DepartmentFactory(company=other_company, code="FAR")
    refused = call(admin, "post", "create", data={"code": "NEAR", "name": "Near", "parent": "FAR"})

    assert created.status_code == 201
    assert (created.data["code"], created.data["parent"]) == ("OPS-EAST", "OPS")
    assert Department.objects.get(code="OPS-EAST").parent == ours
    assert refused.status_code == 400 and list(refused.data) == ["parent"]
    assert not Department.objects.filter(code="NEAR").exists()
    assert elsewhere.children.count() == 0


def test_a_code_taken_in_the_company_is_refused_on_the_code_field(admin, company, other_company):
    DepartmentFactory(company=company, code="QA")
    DepartmentFactory(company=other_company, code="RND")

    taken = call(admin, "post", "create", data={"code": "qa", "name": "Again"})
    free_here = call(admin, "post", "create", data={"code": "RND", "name": "Research"})

    assert taken.status_code == 400 and list(taken.data) == ["code"]
    assert free_here.status_code == 201


def test_id_and_username_fields_resolve_within_the_users_company_only(admin, make_user, company, other_company):
    ours, theirs = DepartmentFactory(company=company), DepartmentFactory(company=other_company)
    make_user("stranger", company=other_company)
    make_user("retired", is_active=False)
    request = APIRequestFactory().post("/")
    request.user = admin

    def check(data):
        serializer = DepartmentByIdSerializer(data=data, context={"request": request})
        return serializer.is_valid(), serializer.errors

    assert check({"department": ours.pk, "user": "admin"}) == (True, {})
    valid, errors = check({"department": theirs.pk, "user": "stranger"})
    assert not valid and set(errors) == {"department", "user"}
    assert not check({"department": ours.pk, "user": "retired"})[0]


def test_delete_goes_through_the_departments_service_with_the_actor_and_a_refusal_is_409(admin, company):
    parent = DepartmentFactory(company=company, code="OPS")
    child = DepartmentFactory(company=company, code="OPS-1", parent=parent)
    deleted.clear()

    in_use = call(admin, "delete", "destroy", pk=parent.pk)
    unused = call(admin, "delete", "destroy", pk=child.pk)

    assert in_use.status_code == 409
    assert in_use.data == {"detail": "OPS still has sub-departments. Deactivate it."}
    assert unused.status_code == 204
    assert deleted == [("OPS-1", "admin", True)]
    assert list(Department.objects.values_list("code", flat=True)) == ["OPS"]


def test_a_number_beyond_the_columns_digits_is_a_400_not_a_500(admin, monkeypatch):
    def too_large(self, serializer):
        raise DataError("numeric field overflow")

    monkeypatch.setattr(DepartmentViewSet, "perform_create", too_large)

    response = call(admin, "post", "create", data={"code": "BIG", "name": "Big"})

    assert response.status_code == 400
    assert response.data == {"detail": "A number is too large or has too many decimals."}


def test_without_the_models_permission_the_viewset_answers_403(make_user, company):
    DepartmentFactory(company=company)

    assert call(make_user("clerk", "Office staff"), "get", "list").status_code == 403


class CoreRootView(DepartmentRootView):
    """The core's endpoints."""

    app_label = "erp"


def test_a_departments_root_opens_only_to_users_holding_one_of_its_permissions(make_user):
    def allowed(user):
        request = APIRequestFactory().get("/")
        request.user = user
        return all(permission.has_permission(request, CoreRootView()) for permission in
                   (cls() for cls in CoreRootView.permission_classes))

    def answer_to(user):
        request = APIRequestFactory().get("/")
        force_authenticate(request, user=user)
        return CoreRootView.as_view(api_root_dict={})(request).status_code

    clerk = make_user("clerk", "Office staff")  # office.* only

    assert allowed(make_user("manager", "Manager"))  # erp.view_* among others
    assert not allowed(clerk)
    assert answer_to(clerk) == 403


# Lines and digits --------------------------------------------------------------------------------


def test_line_errors_shape_follows_drfs_setting():
    collector = LineErrorCollector()
    collector.start_line()
    collector.start_line()["item"] = ["Unknown item."]

    with pytest.raises(serializers.ValidationError) as refused:
        collector.raise_if_any()

    if api_settings.LIST_SERIALIZER_ERRORS_AS_DICT:
        assert refused.value.detail == {"lines": {1: {"item": ["Unknown item."]}}}
    else:
        assert refused.value.detail == {"lines": [{}, {"item": ["Unknown item."]}]}


def test_no_line_errors_raise_nothing():
    collector = LineErrorCollector()
    collector.start_line()
    collector.start_line()

    collector.raise_if_any()


@pytest.mark.parametrize(("field", "model_field"), [
    (fields.qty_field, "sales.SalesOrderLine.quantity"),
    (fields.qty_field, "inventory.GoodsReceiptLine.quantity"),
    (fields.base_qty_field, "sales.SalesOrderLine.quantity_base"),
    (fields.base_qty_field, "inventory.StockBalance.on_hand"),
    (fields.price_field, "sales.SalesOrderLine.unit_price"),
    (fields.cost_field, "inventory.GoodsReceiptLine.unit_cost"),
    (fields.money_field, "sales.SalesOrder.total_amount"),
    (fields.rate_field, "sales.SalesOrderLine.discount_percent"),
])
def test_decimal_fields_carry_the_models_digits(field, model_field):
    from django.apps import apps

    app_label, model_name, name = model_field.split(".")
    column = apps.get_model(app_label, model_name)._meta.get_field(name)
    made = field()

    assert (made.max_digits, made.decimal_places) == (column.max_digits, column.decimal_places)
    assert made.to_internal_value("1.5") == Decimal("1.5")
