"""/admin/ within a company (erp.admin_scoping): a company's System admin (staff, not a superuser)
reaches nothing of another company, cannot raise their own privileges, and reaches no model that has
no company; a superuser's admin is unchanged.

The first company is the URL walk's world (tests/erp/scope_world.py: an object of every business
model); the second company has its own System admin, who walks every URL of every registered
ModelAdmin against the first company's objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import models
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_perms

from erp.admin_scoping import (
    ScopedAdmin,
    SuperuserOnlyAdmin,
    check_admin_scopes,
    derived_company_path,
    is_covered,
    lock_down,
)
from erp.models import AccessLog, ApiToken, Company, EventDelivery, NumberingRule, User
from erp.scoping import RestrictedManager, restrict
from inventory.models import StockCount
from inventory.services import documents
from sales.models import CreditApproval, Customer, SalesOrder
from tests.conftest import PASSWORD, shared_data
from tests.erp import scope_world
from tests.factories import DepartmentFactory, api_token_for

NEW_PASSWORD = "Changed-by-an-outsider-2026"


@dataclass
class AdminWorld:
    company: Company
    other: Company
    root: Any  # a superuser of the other company: sees everything
    admin_a: Any  # the first company's System admin (staff)
    staff_a: Any  # another staff member of the first company
    admin_b: Any  # the second company's System admin (staff)
    employee_a: Any  # a plain user of the first company (a rep)
    keepers: Group  # a group made by a superuser for object permissions


def build() -> AdminWorld:
    sequences: dict[str, Any] = {}
    try:
        world = scope_world.build(sequences)
    finally:
        scope_world.restore_sequences(sequences)
    company, other = world.company, world.other_company
    rep = User.objects.get(username="rep")
    keepers = Group.objects.get(name="Keepers of OWN")
    rep.groups.add(keepers)
    admin_a = scope_world.user("admin-a", company, "System admin", is_staff=True)
    staff_a = scope_world.user("staff-a", company, "System admin", is_staff=True)
    admin_b = scope_world.user("admin-b", other, "System admin", is_staff=True)
    DepartmentFactory(company=company, code="DA", name="甲部門")
    DepartmentFactory(company=other, code="DB", name="乙部門")
    NumberingRule.objects.get_or_create(company=company, doc_type="walk", defaults={"prefix": "W"})
    AccessLog.objects.create(kind=AccessLog.Kind.LOGIN, user=rep, username=rep.username)
    api_token_for(rep)
    AccessAttempt.objects.create(username=rep.username, ip_address="192.0.2.1", user_agent="walk",
                                 failures_since_start=1, get_data="", post_data="")  # django-axes' failed sign-ins
    documents.count_start(count=StockCount.objects.get(company=company), actor=world.insider)  # its sheet lines
    order = SalesOrder.objects.filter(company=company).first()
    CreditApproval.objects.create(company=company, order=order, order_total=order.total_amount, exposure=0,
                                  credit_limit=0, approved_by=world.insider)
    return AdminWorld(company=company, other=other, root=world.users["another company's superuser"],
                      admin_a=admin_a, staff_a=staff_a, admin_b=admin_b, employee_a=rep, keepers=keepers)


@pytest.fixture(scope="module")
def _shared(django_db_setup, django_db_blocker):
    from tests.conftest import ensure_roles

    def build_with_roles() -> AdminWorld:
        ensure_roles()
        return build()

    with shared_data(django_db_blocker, build_with_roles) as shared:
        yield shared


@pytest.fixture
def world(_shared, request, db) -> AdminWorld:
    return _shared.for_test(request)


def target_of(model: type[models.Model], company: Company) -> models.Model | None:
    """An object of ``model`` that belongs to ``company`` (any object, for a model without a company)."""
    path = derived_company_path(model)
    model_admin = admin.site._registry[model]
    path = getattr(model_admin, "company_path", None) or path
    objects = model._default_manager.order_by("pk")
    if path is not None:
        objects = objects.filter(**{path: company.pk})
    return objects.first()


def state(world: AdminWorld) -> dict[str, Any]:
    """What the outsider must not change: every OUT object, the first company's users (password,
    flags, groups, permissions) and record, object permissions, tokens, groups; the outsider's own
    flags."""
    users = {u.pk: (u.password, u.is_superuser, u.is_staff, u.is_active, u.company_id, u.username,
                    sorted(u.groups.values_list("pk", flat=True)),
                    sorted(u.user_permissions.values_list("pk", flat=True)))
             for u in User.objects.filter(company=world.company)}
    return {
        "objects": scope_world.snapshot(),
        "users": users,
        "company": Company.objects.filter(pk=world.company.pk).values().get(),
        "outsider": User.objects.filter(pk=world.admin_b.pk).values(
            "is_superuser", "is_staff", "company_id").get(),
        "object permissions": (sorted(UserObjectPermission.objects.values_list("pk", "user_id", "object_pk")),
                               sorted(GroupObjectPermission.objects.values_list("pk", "group_id", "object_pk"))),
        "tokens": sorted(ApiToken.objects.values_list("key_digest", "user_id", "expires_at")),
        "groups": sorted(Group.objects.values_list("pk", "name")),
        # (the access log grows: it records the refusals)
        "counts": {model._meta.label: model._default_manager.count() for model in admin.site._registry
                   if model is not AccessLog},
    }


def admin_urls(model_admin: Any, target: models.Model, world: AdminWorld) -> list[str]:
    """Every URL of ``model_admin`` with the target's id, the first company's employee as the user
    of guardian's pages and the superuser's group as its group."""
    opts = model_admin.model._meta
    values = {"object_id": target.pk, "id": target.pk, "object_pk": target.pk,
              "user_id": world.employee_a.pk, "group_id": world.keepers.pk}
    urls = []
    for pattern in model_admin.get_urls():
        route = str(pattern.pattern)
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(values[match.group(1)]), route)
        urls.append(f"/admin/{opts.app_label}/{opts.model_name}/{url}")
    return urls


def post_data(model_admin: Any, target: models.Model, world: AdminWorld) -> dict[str, Any]:
    """One body for every admin form: a confirmed delete, a new password, the superuser flag, the
    outsider as the user of an object permission, every permission of the model."""
    codenames = list(Permission.objects.filter(content_type__app_label=target._meta.app_label,
                                               content_type__model=target._meta.model_name)
                     .values_list("codename", flat=True))
    return {"post": "yes", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
            "is_superuser": "on", "is_staff": "on", "company": world.company.pk, "username": "taken-over",
            "user": world.admin_b.username, "group": world.keepers.name, "submit_manage_user": "1",
            "permissions": codenames, "name": "taken over", "code": "TAKEN"}


def object_id_urls(urls: list[str], model_admin: Any) -> list[str]:
    opts = model_admin.model._meta
    root = f"/admin/{opts.app_label}/{opts.model_name}/"
    return [url for url in urls if url not in (root, f"{root}add/")]


def test_every_registered_admin_is_company_scoped_or_superuser_only():
    uncovered = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if not is_covered(model_admin)]
    superuser_only = {model._meta.label for model, model_admin in admin.site._registry.items()
                      if isinstance(model_admin, SuperuserOnlyAdmin)}

    assert uncovered == []
    assert check_admin_scopes() == []
    assert {"auth.Group", "auditlog.LogEntry", "erp.ApiToken", "axes.AccessAttempt"} <= superuser_only
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ScopedAdmin):
            assert model_admin.scoped_path() is not None, model._meta.label


def test_another_companys_admin_reaches_nothing_of_the_first_company_anywhere_in_the_admin(world, client):
    """Every URL of every registered ModelAdmin (changelist, add, change, delete, history, password,
    guardian's object permission pages), GET and POST, and each changelist action on the object:
    403 or 404 for an object of the first company, lists without it, and nothing changed."""
    client.force_login(world.admin_b)
    before = state(world)
    wrong, missing, walked = [], [], 0
    for model, model_admin in admin.site._registry.items():
        target = target_of(model, world.company)
        if target is None:
            missing.append(model._meta.label)
            continue
        urls = admin_urls(model_admin, target, world)
        data = post_data(model_admin, target, world)
        answered: dict[tuple[str, str], int] = {}
        for url in object_id_urls(urls, model_admin):
            for method in ("get", "post"):
                walked += 1
                response = client.get(url) if method == "get" else client.post(url, data)
                status = response.status_code
                if url.endswith(f"/{target.pk}/") and status == 302:
                    # Django's old-style URL: on to the change page. The walk has sent that request
                    # already (the change URL comes first), with the same body: its answer stands.
                    redirected = response["Location"]
                    status = answered.get((method, redirected)) or (
                        client.get(redirected) if method == "get" else client.post(redirected, data)).status_code
                answered[(method, url)] = status
                if status not in (403, 404):
                    wrong.append((method, url, status))
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        listed = client.get(changelist)
        if listed.status_code not in (200, 403) or f'href="{changelist}{target.pk}/change/' in listed.content.decode():
            wrong.append(("get", changelist, listed.status_code))
        actions = ["delete_selected", *[a if isinstance(a, str) else a.__name__ for a in model_admin.actions or ()]]
        for action in actions:
            acted = client.post(changelist, {"action": action, "_selected_action": [target.pk], "post": "yes",
                                             "index": 0})
            if acted.status_code not in (200, 302, 403):
                wrong.append(("post", f"{changelist} {action}", acted.status_code))
        added = client.post(f"{changelist}add/", data)
        if added.status_code not in (200, 403):  # the form refused (another company's id), or no page at all
            wrong.append(("post", f"{changelist}add/", added.status_code))

    assert missing == []
    assert walked > 300
    assert wrong == []
    assert state(world) == before
    assert User.objects.get(pk=world.employee_a.pk).check_password(PASSWORD)


def test_autocomplete_offers_no_row_of_another_company(world, client):
    client.force_login(world.admin_b)
    leaked = []
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            response = client.get("/admin/autocomplete/", {"app_label": model._meta.app_label,
                                                           "model_name": model._meta.model_name,
                                                           "field_name": field.name, "term": ""})
            if response.status_code != 200:
                assert response.status_code in (403, 404), (model, field.name, response.status_code)
                continue
            ids = [row["id"] for row in response.json()["results"]]
            path = derived_company_path(field.related_model)
            if path is None:
                leaked.append((model._meta.label, field.name, ids))
                continue
            outside = field.related_model._default_manager.filter(pk__in=ids).exclude(**{path: world.other.pk})
            if outside.exists():
                leaked.append((model._meta.label, field.name, list(outside.values_list("pk", flat=True))))

    assert leaked == []


def test_a_company_admin_cannot_raise_their_own_privileges_or_move_to_another_company(world, client):
    client.force_login(world.admin_b)
    me = world.admin_b
    superuser_permission = Permission.objects.get(codename="change_company")
    page = client.get(f"/admin/erp/user/{me.pk}/change/")

    client.post(f"/admin/erp/user/{me.pk}/change/", {
        "username": me.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "is_staff": "on", "is_superuser": "on", "user_permissions": [superuser_permission.pk],
        "groups": list(me.groups.values_list("pk", flat=True)), "company": world.company.pk,
        "language": "en", "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00"})

    me.refresh_from_db()
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    assert (me.is_superuser, me.is_staff, me.company_id) == (False, True, world.other.pk)
    assert not me.user_permissions.exists()


def test_a_company_admin_edits_their_employees_with_the_roles_only_and_keeps_their_other_groups(world, client):
    client.force_login(world.admin_a)
    rep = world.employee_a
    sales_manager = Group.objects.get(name="Sales manager")
    data = {"username": rep.username, "first_name": "小", "last_name": "王", "email": "", "is_active": "on",
            "groups": [sales_manager.pk, world.keepers.pk], "company": world.company.pk, "language": "en",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_superuser": "on", "is_staff": "on"}

    refused = client.post(f"/admin/erp/user/{rep.pk}/change/", data)  # the superuser's group is not offered
    data["groups"] = [sales_manager.pk]
    saved = client.post(f"/admin/erp/user/{rep.pk}/change/", data)

    rep.refresh_from_db()
    assert refused.status_code == 200
    assert saved.status_code == 302
    assert (rep.last_name, rep.is_superuser, rep.is_staff) == ("王", False, False)
    assert set(rep.groups.values_list("name", flat=True)) == {"Sales manager", "Keepers of OWN"}


def test_a_company_admin_resets_an_employees_password_but_not_another_staff_members(world, client):
    client.force_login(world.admin_a)
    body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}

    employee = client.post(f"/admin/erp/user/{world.employee_a.pk}/password/", body)
    staff = client.post(f"/admin/erp/user/{world.staff_a.pk}/password/", body)
    staff_change = client.post(f"/admin/erp/user/{world.staff_a.pk}/change/", {"username": "renamed"})
    staff_delete = client.post(f"/admin/erp/user/{world.staff_a.pk}/delete/", {"post": "yes"})

    assert employee.status_code == 302
    assert User.objects.get(pk=world.employee_a.pk).check_password(NEW_PASSWORD)
    assert (staff.status_code, staff_change.status_code, staff_delete.status_code) == (403, 403, 403)
    assert User.objects.get(pk=world.staff_a.pk).check_password(PASSWORD)
    assert User.objects.get(pk=world.staff_a.pk).username == "staff-a"


def test_a_company_admin_adds_users_to_their_own_company_only(world, client):
    client.force_login(world.admin_b)
    body = {"username": "new-b", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
            "language": "en", "is_staff": "on", "is_superuser": "on"}

    elsewhere = client.post("/admin/erp/user/add/", {**body, "company": world.company.pk})
    form = client.get("/admin/erp/user/add/")
    added = client.post("/admin/erp/user/add/", {**body, "company": world.other.pk})

    new = User.objects.get(username="new-b")
    assert elsewhere.status_code == 200  # refused: not a choice
    assert form.status_code == 200 and world.company.name not in form.content.decode()
    assert added.status_code == 302
    assert (new.company_id, new.is_staff, new.is_superuser) == (world.other.pk, False, False)


def test_lists_and_choices_show_only_the_admins_company(world, client):
    client.force_login(world.admin_b)
    own_customer = Customer.objects.create(company=world.other, code="BCUST", name="乙的客戶")

    users = client.get("/admin/erp/user/").content.decode()
    companies = client.get("/admin/erp/company/").content.decode()
    customers = client.get("/admin/sales/customer/").content.decode()
    location_form = client.get("/admin/inventory/location/add/").content.decode()
    customer_form = client.get("/admin/sales/customer/add/").content.decode()

    assert "admin-b" in users and "admin-a" not in users and "root-a" not in users
    assert world.other.name in companies and world.company.name not in companies  # nor in the filters
    assert own_customer.name in customers and "別人的客戶" not in customers
    assert "遠方倉" not in location_form  # the first company's warehouses are no choice
    assert world.company.name not in customer_form and "rep2" not in customer_form


def test_a_company_admin_sees_their_own_company_record_and_adds_no_company(world, client):
    client.force_login(world.admin_b)

    own = client.get(f"/admin/erp/company/{world.other.pk}/change/")
    add = client.get("/admin/erp/company/add/")
    delete = client.post(f"/admin/erp/company/{world.other.pk}/delete/", {"post": "yes"})

    assert own.status_code == 200
    assert (add.status_code, delete.status_code) == (403, 403)
    assert Company.objects.filter(pk=world.other.pk).exists()


def test_object_permissions_are_granted_to_the_companys_users_only_and_groups_by_a_superuser(world, client):
    customer = Customer.objects.get(pk=scope_world.OUT)
    client.force_login(world.admin_a)
    base = f"/admin/sales/customer/{customer.pk}/permissions/"

    page = client.get(base)
    pick_outsider = client.post(base, {"submit_manage_user": "1", "user": world.admin_b.username})
    pick_employee = client.post(base, {"submit_manage_user": "1", "user": world.employee_a.username})
    outsider = client.post(f"{base}user-manage/{world.admin_b.pk}/", {"permissions": ["serve_customer"]})
    employee = client.post(f"{base}user-manage/{world.employee_a.pk}/", {"permissions": ["serve_customer"]})
    group = client.post(f"{base}group-manage/{world.keepers.pk}/", {"permissions": ["serve_customer"]})

    assert page.status_code == 200
    assert pick_outsider.status_code == 200  # "This user does not exist"
    assert pick_employee.status_code == 302
    assert (outsider.status_code, employee.status_code, group.status_code) == (404, 302, 403)
    assert get_perms(world.employee_a, customer) == ["serve_customer"]
    assert get_perms(world.admin_b, customer) == []
    assert not GroupObjectPermission.objects.filter(group=world.keepers, object_pk=str(customer.pk)).exists()


def test_a_company_admin_does_not_reach_models_without_a_company(world, client):
    client.force_login(world.admin_b)
    index = client.get("/admin/").content.decode()

    for url in ("/admin/auth/group/", "/admin/auditlog/logentry/", "/admin/erp/apitoken/", "/admin/axes/accessattempt/",
                "/admin/auth/group/add/", f"/admin/auth/group/{world.keepers.pk}/change/"):
        assert client.get(url).status_code == 403, url
    assert "/admin/auth/group/" not in index and "/admin/erp/apitoken/" not in index and "/admin/axes/" not in index
    assert "/admin/sales/customer/" in index  # their company's models are there


def test_a_superuser_still_sees_and_manages_everything(world, client):
    client.force_login(world.root)
    customer = Customer.objects.get(pk=scope_world.OUT)

    customers = client.get("/admin/sales/customer/").content.decode()
    users = client.get("/admin/erp/user/").content.decode()
    group = client.get(f"/admin/auth/group/{world.keepers.pk}/change/")
    permissions = client.post(f"/admin/sales/customer/{customer.pk}/permissions/group-manage/{world.keepers.pk}/",
                              {"permissions": ["serve_customer"]})
    tokens = client.get("/admin/erp/apitoken/")
    events = client.get("/admin/erp/eventdelivery/")

    assert "別人的客戶" in customers
    assert "admin-a" in users and "admin-b" in users
    assert (group.status_code, permissions.status_code, tokens.status_code, events.status_code) == (200, 302, 200, 200)
    assert "serve_customer" in get_perms(world.keepers, customer)


def test_a_staff_user_without_a_company_reaches_no_company_model(world, client):
    loose = scope_world.user("loose", world.other, "System admin", is_staff=True)
    User.objects.filter(pk=loose.pk).update(company=None)
    client.force_login(User.objects.get(pk=loose.pk))

    assert client.get("/admin/erp/user/").status_code == 403
    assert client.get(f"/admin/erp/company/{world.company.pk}/change/").status_code in (403, 404)


def test_event_deliveries_are_the_companys(world, client):
    delivery = EventDelivery.objects.filter(event__company=world.company).first()
    client.force_login(world.admin_a)

    own = client.get(f"/admin/erp/eventdelivery/{delivery.pk}/change/")
    client.force_login(world.admin_b)
    other = client.get(f"/admin/erp/eventdelivery/{delivery.pk}/change/")

    assert (own.status_code, other.status_code) == (200, 404)



def test_an_admin_registered_by_another_app_becomes_superuser_only(world, rf):
    """What django-axes or a new token model registers later: not company-scoped, so superuser-only."""
    site = admin.AdminSite(name="later")
    site.register(Permission, admin.ModelAdmin)
    site.register(Customer, ScopedAdmin)
    request = rf.get("/")

    locked = lock_down(site)

    plain = site._registry[Permission]
    assert locked == ["auth.permission"]
    assert isinstance(plain, SuperuserOnlyAdmin) and isinstance(site._registry[Customer], ScopedAdmin)
    request.user = User.objects.get(pk=world.admin_a.pk)
    request.user.user_permissions.add(Permission.objects.get(codename="view_permission"))
    request.user = User.objects.get(pk=world.admin_a.pk)
    assert not plain.has_module_permission(request) and not plain.has_view_permission(request)
    request.user = User.objects.get(pk=world.root.pk)
    assert plain.has_module_permission(request) and plain.has_view_permission(request)


def test_the_system_check_names_an_admin_that_escaped_the_lock_down(monkeypatch):
    monkeypatch.setitem(admin.site._registry, Permission, admin.ModelAdmin(Permission, admin.site))

    assert [error.id for error in check_admin_scopes()] == ["erp.E111"]


def test_a_company_admin_uses_the_admin_within_their_company(world, client):
    """Every company-scoped model's list and its object's page answer the first company's admin;
    superuser-only models answer 403."""
    client.force_login(world.admin_a)
    wrong = []
    for model, model_admin in admin.site._registry.items():
        target = target_of(model, world.company)
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        listed = client.get(changelist)
        if target is None:  # a superuser-only table with no row yet (e.g. axes' failed sign-ins)
            assert isinstance(model_admin, SuperuserOnlyAdmin), model._meta.label
            assert listed.status_code == 403, model._meta.label
            continue
        page = client.get(f"{changelist}{target.pk}/change/")
        if isinstance(model_admin, SuperuserOnlyAdmin):
            expected = (403, 403)
        elif isinstance(model._default_manager, RestrictedManager) and not restrict(
                model._default_manager.filter(pk=target.pk), world.admin_a).exists():
            expected = (200, 404)  # another user's export: its owner's alone
        else:
            expected = (200, 200)
        if (listed.status_code, page.status_code) != expected:
            wrong.append((model._meta.label, listed.status_code, page.status_code))
        elif expected == (200, 200) and f'href="{changelist}{target.pk}/change/' not in listed.content.decode():
            wrong.append((model._meta.label, "not listed"))

    assert wrong == []
