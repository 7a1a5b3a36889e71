"""Every URL pattern: anonymous users go to the login page, signed-in users without the
permission get a 403, nobody ever gets a 500. And no view forgot to declare its permission.

Every screen route with an object id is also walked by users who hold the permission but not the
object (another company's, another rep's customer's, another keeper's warehouse's): 404, or 403 where
they see it but may not change it; see ``tests/erp/scope_world.py`` for the objects. The API has a walk
of its own (``test_api_scope_walk.py``)."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from erp.scoping import CHANGE, VIEW, restrict
from tests.conftest import ensure_roles, session_of, shared_data, signed_in_as, use_session
from tests.erp import scope_world
from tests.factories import UserFactory

SAMPLE_VALUE = "1"


def iter_patterns(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def sample_url(route):
    """'office/tasks/<int:pk>/' or '^tasks/(?P<pk>[^/.]+)/$' -> a concrete path."""
    url = re.sub(r"\(\?P<\w+>[^)]*\)", SAMPLE_VALUE, route)
    url = re.sub(r"<(?:\w+:)?\w+>", SAMPLE_VALUE, url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + url


def app_urls():
    seen = set()
    for route, pattern, namespace in iter_patterns():
        if namespace == "admin" or route.startswith("admin/"):
            continue
        if "format" in route:  # DRF's .json suffix variants repeat the same views
            continue
        url = sample_url(route)
        if url not in seen:
            seen.add(url)
            yield url, pattern


def requirement(callback):
    """What a view declared: 'public', 'login', a tuple of permissions, or 'api' (DRF classes)."""
    if getattr(callback, "erp_permission", None):
        return callback.erp_permission
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None and issubclass(view_class, APIView):
        return "api"
    return None


URLS = list(app_urls())
API_LOGIN_ONLY = {"/api/schema/", "/api/docs/", "/api/office/", "/api/auth/token/revoke-all/"}
# Public pages that answer 400 without the parameters another site sends them with (WeCom's sign-in callback:
# code and state).
NEEDS_PARAMETERS = {"/office/wecom/sign-in/callback/", "/office/wecom/callback/1/"}
# Endpoints another system calls, signed by it rather than signed in: the id names the company whose
# WeCom signs the request, and no user's scope applies (tests/office/test_wecom_cards.py walks their
# refusals: forged, replayed, foreign, malformed).
SIGNED_BY_CALLER = {"office/wecom/callback/<int:company_id>/"}


def test_every_view_declares_its_permission():
    undeclared = [url for url, pattern in URLS if requirement(pattern.callback) is None]
    assert undeclared == []


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_anonymous_users_are_sent_to_log_in(client, db, url, pattern):
    response = client.get(url)
    kind = requirement(pattern.callback)

    if kind == "public":
        assert response.status_code in ((400,) if url in NEEDS_PARAMETERS else (200, 302, 405))
    elif kind == "api":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def build_walkers():
    """The two users of the walks below, each of a company of their own: made once per module, not
    for each of the ~400 routes (a company with its seeds is most of a route's time)."""
    ensure_roles()
    walkers = {"nobody": UserFactory(username="nobody"),
               "root": UserFactory(username="root", is_staff=True, is_superuser=True)}
    # and a session of each, which every case uses rather than signing in again (tests/conftest.py)
    return {**walkers, "sessions": {name: session_of(user) for name, user in walkers.items()}}


@pytest.fixture(scope="module")
def _walkers_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_walkers) as shared:
        yield shared


@pytest.fixture
def walkers(_walkers_shared, request, db):
    return _walkers_shared.for_test(request)


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_signed_in_users_without_the_permission_get_403(client, walkers, url, pattern):
    use_session(client, walkers["sessions"]["nobody"])
    response = client.get(url)
    kind = requirement(pattern.callback)

    assert signed_in_as(response) == walkers["nobody"].pk

    if url in NEEDS_PARAMETERS:
        assert response.status_code == 400
    elif kind == "public" or kind == "login" or url in API_LOGIN_ONLY:
        # login-only pages of one's own records (an export) answer 404 for another user's id
        assert response.status_code in (200, 302, 404, 405)
    else:
        assert response.status_code == 403
        if kind != "api":
            assert "您無權開啟此頁面" in response.content.decode()  # translated, zh-Hant by default


@pytest.mark.parametrize("url,pattern", URLS, ids=[u for u, _ in URLS])
def test_a_system_admin_never_gets_a_server_error(client, walkers, url, pattern):
    use_session(client, walkers["sessions"]["root"])
    response = client.get(url)

    assert signed_in_as(response) == walkers["root"].pk
    assert response.status_code < 500


def test_admin_pages_need_staff(client, db):
    client.force_login(UserFactory(username="plain"))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# Out of scope: every route with an object id, for users who hold the permission but not the object --

ROUTE_MODELS = {
    # URL name, or its start before "_<action>" -> the model its first id names (function views; a
    # DRF viewset names its model itself). A new route with an id needs its line here.
    ":export": "erp.exportjob",
    "office:task": "office.task",
    "office:approval": "office.approvalrequest",
    "office:approval_rule": "office.approvalrule",
    "office:approval_delegation": "office.approvaldelegation",
    "office:wecom_identity": "office.wecomidentity",
    "office:wecom_robot": "office.wecomrobot",
    "office:notification": "office.notification",
    "office:delivery": "office.notificationdelivery",
    "office:announcement": "office.announcement",
    "inventory:item": "inventory.item",
    "inventory:unit": "inventory.unitofmeasure",
    "inventory:warehouse": "inventory.warehouse",
    "inventory:location_create": "inventory.warehouse",
    "inventory:location": "inventory.location",
    "inventory:lot": "inventory.lot",
    "inventory:receipt": "inventory.goodsreceipt",
    "inventory:issue": "inventory.stockissue",
    "inventory:transfer": "inventory.stocktransfer",
    "inventory:adjustment": "inventory.stockadjustment",
    "inventory:count": "inventory.stockcount",
    "inventory:delivery": "inventory.deliverynote",
    "sales:customer": "sales.customer",
    "sales:tax_code": "sales.taxcode",
    "sales:payment_term": "sales.paymentterm",
    "sales:price_list": "sales.pricelist",
    "sales:quotation": "sales.quotation",
    "sales:order": "sales.salesorder",
    "sales:return": "sales.customerreturn",
    "purchasing:supplier": "purchasing.supplier",
    "purchasing:supplier_item": "purchasing.supplieritem",
    "purchasing:order": "purchasing.purchaseorder",
    "purchasing:invoice": "purchasing.supplierinvoice",
    "purchasing:requisition": "purchasing.purchaserequisition",
    "production:work_order": "production.workorder",
    "purchasing:receipt": "inventory.goodsreceipt",
    "purchasing:inspection": "purchasing.inspection",
    "purchasing:return": "purchasing.supplierreturn",
    "purchasing:return_from_receipt": "inventory.goodsreceipt",
    "purchasing:order_receive": "purchasing.purchaseorder",
    # production: engineering (work centers with their holidays, routings)
    "production:work_center": "production.workcenter",
    "production:routing": "production.routing",
    "production:bom": "production.bom",
    # production: planning (demand lines, MRP runs with their planned orders, records and exceptions)
    "production:demand": "production.demand",
    "production:mrp_run": "production.mrprun",
    "production:planned_order_list": "production.mrprun",
    "production:planned_orders_firm": "production.mrprun",
    "production:mrp_record": "production.mrprun",
    "production:mrp_exception_list": "production.mrprun",
    # finance: the chart (an account's form and ledger), the role mappings, periods and fiscal years, entries
    "finance:account": "finance.account",
    "finance:role_account": "finance.accountroleaccount",
    "finance:period": "finance.period",
    "finance:fiscal_year": "finance.fiscalyear",
    "finance:entry": "finance.journalentry",
    # finance: customer invoices (page, header form, print, post, void, delete) and payments
    "finance:invoice": "finance.customerinvoice",
    "finance:payment": "finance.payment",
}
READ_ACTIONS = ("_detail", "_print", "_tracking")  # function views that only show, whatever the method
INSIDER_MISSES = {":export_download"}  # the walk's export has no file to download: 404 even for its owner


def route_name(pattern, namespace):
    return f"{namespace}:{pattern.name}"


def is_token_route(route):
    return "<str:token>" in route


def id_routes():
    """(route, pattern, namespace) of every screen URL with an object id or an upload token (the API's
    routes have their own walk, with real bodies: tests/erp/test_api_scope_walk.py)."""
    seen = set()
    for route, pattern, namespace in iter_patterns():
        if namespace == "admin" or route.startswith(("admin/", "api/")) or "format" in route:
            continue
        if ("<" in route or "(?P" in route) and route not in seen and route not in SIGNED_BY_CALLER:
            seen.add(route)
            yield route, pattern, namespace


ID_ROUTES = list(id_routes())


def route_model(route, pattern, namespace):
    """The model label of the object the route's id names; None for an upload token."""
    if is_token_route(route):
        return None
    view_class = getattr(pattern.callback, "cls", None)
    if view_class is not None and issubclass(view_class, APIView):
        return view_class.queryset.model._meta.label_lower
    name = route_name(pattern, namespace)
    keys = [key for key in ROUTE_MODELS if name == key or name.startswith(key + "_")]
    return ROUTE_MODELS[max(keys, key=len)] if keys else None


def test_every_route_with_an_id_names_its_model():
    unknown = [route for route, pattern, namespace in ID_ROUTES
               if not is_token_route(route) and route_model(route, pattern, namespace) is None]
    assert unknown == []


def out_url(route, token):
    url = re.sub(r"\(\?P<\w+>[^)]*\)", str(scope_world.OUT), route)
    url = re.sub(r"<str:token>", token, url)
    url = re.sub(r"<(?:\w+:)?\w+>", str(scope_world.OUT), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def methods_of(pattern):
    """The methods to try: GET and POST, and the writes a DRF route maps."""
    actions = getattr(pattern.callback, "actions", None) or {}
    return ["get", "post", *[m for m in ("put", "patch", "delete") if m in actions]]


def call(client, method, url):
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, {})
    return getattr(client, method)(url, data={}, content_type="application/json")


def build_scope_walk():
    """The walk world with a pending upload of every import kind (the insider's: their upload tokens
    are the ones the outsiders try)."""
    ensure_roles()
    sequences = {}
    try:
        world = scope_world.build(sequences)
    finally:
        scope_world.restore_sequences(sequences)
    client = Client()
    client.force_login(world.insider)
    for route, pattern, namespace in ID_ROUTES:
        if is_token_route(route) and pattern.name.endswith("_preview"):
            key = pattern.name.removesuffix("_preview").removeprefix("import_")
            upload = reverse(f"{namespace}:import_{key}")
            world.tokens[key] = scope_world.upload_token(client, upload, namespace, key)
    return world


@pytest.fixture(scope="module")
def _scope_walk_shared(django_db_setup, django_db_blocker):
    # Built once per module, not for each of the seven walks (~1.5 s each): the walks only send
    # requests, and whatever one of them changed would be rolled back with its savepoint (and fail
    # its own snapshot check first).
    with shared_data(django_db_blocker, build_scope_walk) as shared:
        yield shared


@pytest.fixture
def scope_walk(_scope_walk_shared, request, db):
    return _scope_walk_shared.for_test(request)


def token_of(world, pattern):
    key = pattern.name.removesuffix("_preview").removesuffix("_commit").removeprefix("import_")
    return world.tokens.get(key, "none")


def test_the_walk_world_has_an_out_object_of_every_routed_model_and_its_owner_reaches_every_route(
        scope_walk, client):
    world = scope_walk
    labels = {route_model(*entry) for entry in ID_ROUTES} - {None}
    missing = sorted(label for label in labels
                     if not apps.get_model(label)._default_manager.filter(pk=scope_world.OUT).exists())
    client.force_login(world.insider)
    unreached = []
    for route, pattern, namespace in ID_ROUTES:
        if is_token_route(route) or route_name(pattern, namespace) in INSIDER_MISSES:
            continue
        response = client.get(out_url(route, "none"))
        if response.status_code in (404, 403) or response.status_code >= 500:
            unreached.append((route, response.status_code))

    assert missing == []
    assert unreached == []


OUTSIDERS = [
    "another company's superuser",
    "another company's sales manager",
    "a rep of other customers",
    "a keeper of another warehouse",
    "a keeper who operates no warehouse",
    "a buyer of other suppliers",
]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_users_out_of_an_objects_scope_get_404_or_403_on_every_route(scope_walk, client, who):
    """For every route with an id (screens; reads, writes, actions, prints, import screens):
    a user who may not see the object gets 404 (403 where they lack the permission), one who sees it
    but may not change it gets 403 on writes; never 200 on what they may not see, never 500, and
    nothing out of their scope changes."""
    world = scope_walk
    user = world.users[who]
    client.force_login(user)
    before = scope_world.snapshot()
    wrong, answered = [], {}
    for route, pattern, namespace in ID_ROUTES:
        name = route_name(pattern, namespace)
        label = route_model(route, pattern, namespace)
        url = out_url(route, token_of(world, pattern))
        if label is None:  # an upload belongs to the session that made it
            visible = changeable = False
        else:
            objects = apps.get_model(label)._default_manager.filter(pk=scope_world.OUT)
            visible, changeable = restrict(objects, user, VIEW).exists(), restrict(objects, user, CHANGE).exists()
        if changeable:
            continue  # in the user's scope: the screens' own tests cover it
        for method in methods_of(pattern):
            status = call(client, method, url).status_code
            answered.setdefault(route, set()).add(status)
            if status >= 500:
                wrong.append((method, url, status))
            elif label is None:
                if status not in (302, 403, 405):
                    wrong.append((method, url, status))
            elif not visible:
                if status not in (403, 404, 405):
                    wrong.append((method, url, status))
            elif method != "get" and not (method == "post" and name.endswith(READ_ACTIONS)):
                if status not in (403, 405):  # seen, but not theirs to change
                    wrong.append((method, url, status))

    assert wrong == []
    assert [route for route, statuses in answered.items() if statuses == {405}] == []
    assert scope_world.snapshot() == before
