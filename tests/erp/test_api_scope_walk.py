"""Every API route, walked by users out of the scope of the walk world's ``OUT`` objects
(``tests/erp/scope_world.py``): another company's users, a rep of other customers, a keeper of another
warehouse, a keeper who operates none. The routes come from the URL resolver, so a route added later is
walked too; one the walk cannot handle fails ``test_every_api_route_is_walked`` unless it is listed in
``NOT_WALKED`` with its reason; a parent a body may name without the right to change it is listed in
``PARENT_SCOPE`` with its reason.

- a list never shows the ``OUT`` object;
- reading an ``OUT`` object is a 404 (403 without the permission); any write or action on it is a 404,
  or a 403 where the user sees it but may not change it (a keeper who reads every warehouse);
- a create whose body names a parent out of the user's scope (the ``OUT`` object's own body, replayed:
  a location in the warehouse ``FAR``, an order for another rep's customer…) is a 400/403/404;
- and afterwards the database holds the same rows as before.

The insider (a superuser of the company) shows that each request would have worked: the ``OUT`` object
is in their lists, and the replayed body creates a record for them (rolled back).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import models, transaction
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient

from erp.scoping import CHANGE, VIEW, restrict
from tests.conftest import ensure_roles, shared_data
from tests.erp import scope_world
from tests.erp.test_url_walk import OUTSIDERS, iter_patterns

OUT = scope_world.OUT

# Routes that hold no records of their own, with the reason. Anything else must be walkable.
NOT_WALKED = {
    "api/auth/token/": "signs in with a username and password; names no record",
    "api/auth/token/revoke-all/": "revokes the caller's own tokens and sessions; names no record",
    "api/schema/": "the OpenAPI description of the operations; no records",
    "api/docs/": "the page that shows the schema; no records",
    "api/purchasing/^requisitions/consolidate/$": "an action on requisition lines named by id in its body (the "
                                                  "company's and the buyer's suppliers are checked by the "
                                                  "service: tests/purchasing/test_requisitions_api.py)",
    "api/production/^planned-orders/firm/$": "an action on planned orders named by id in its body (another "
                                             "company's ids are a 400: tests/production/test_firming.py)",
    "api/finance/^reports/balance-sheet/$": "a report of the asset, liability and equity accounts: the walk's OUT "
                                            "account is an income account (the trial balance and profit and loss "
                                            "list it); another company's users get an empty sheet: "
                                            "tests/finance/test_api.py",
}
# A create's parents that the user need not change (as on the screens), with the reason: "view" — one
# they see, "company" — any of their company's. Every other parent the body names must be one the user
# may change.
PARENT_SCOPE = {
    ("inventory.stocktransfer", "to_warehouse"): ("company", "a transfer goes to any warehouse of the company "
                                                             "(the screen offers them all); its keeper receives"),
    ("sales.salesorder", "warehouse"): ("company", "the ship-from warehouse of an order is any of the company's, "
                                                   "as on the order screen"),
    ("sales.customerreturn", "delivery"): ("view", "a return is taken against a delivery the user sees; posting "
                                                   "it needs the right to operate the warehouse"),
    ("sales.customer", "owner"): ("company", "a user of the company; who may give a customer to another rep is "
                                             "the service's rule"),
    ("office.task", "assignee_user"): ("company", "a task is addressed to any user of the company"),
    ("purchasing.supplier", "buyer"): ("company", "a user of the company; who may give a supplier to another buyer "
                                                  "is the service's rule"),
    ("purchasing.supplieritem", "item"): ("company", "any bought item of the company, as on the screen"),
    ("purchasing.supplieritem", "unit"): ("company", "one of the item's units"),
    ("purchasing.purchaserequisition", "warehouse"): ("company", "a requisition asks for goods delivered to any "
                                                                 "warehouse of the company (the buyers' shared pool)"),
    ("purchasing.purchaseorder", "warehouse"): ("company", "an order is delivered to any warehouse of the company, "
                                                           "as on the order screen"),
    ("purchasing.purchaseorder", "buyer"): ("company", "the buyer is any user of the company"),
    ("purchasing.purchaseorder", "payment_term"): ("company", "the company's payment terms"),
    ("purchasing.purchaseorder", "tax_code"): ("company", "the company's tax codes"),
}
# Lists whose default leaves the OUT object out even for the insider: the query that shows everything.
LIST_QUERY = {
    "api/office/^tasks/$": "?status=all",  # the default is the inbox: a task given to another user is not in it
}
# Fields a replayed body must not repeat.
UNIQUE = {"code": "WALK", "number": "WALK-LOT", "supplier_invoice_number": "WALK-INV"}
# Per route, what a replayed body changes besides (a supplier item is unique by supplier, item and unit).
REPLAY_CHANGES = {"api/purchasing/^supplier-items/$": {"unit": "BOX"},
                  # a second version of the OUT item's BOM, not its default (the OUT BOM is)
                  "api/production/^boms/$": {"version": "WALK", "is_default": False},
                  # the same numbers under other letters (the OUT range's would overlap it)
                  "api/finance/^uniform-invoice-ranges/$": {"track": "ZZ"}}
NOT_COUNTED = {"erp.accesslog"}  # a refusal is recorded in the access log: the point of that log


def api_routes():
    """(route, view class, {method: action}) of every API URL, DRF's format-suffix twins left out."""
    for route, pattern, _namespace in iter_patterns():
        if route.startswith("api/") and "format" not in route:
            yield route, getattr(pattern.callback, "cls", None), getattr(pattern.callback, "actions", None) or {}


API_ROUTES = list(api_routes())
ID = re.compile(r"\(\?P<pk>[^)]*\)")


def url_of(route: str) -> str:
    return "/" + ID.sub(str(OUT), route).replace("^", "").replace("$", "")


def list_url(route: str) -> str:
    return url_of(route) + LIST_QUERY.get(route, "")


def methods(actions: dict[str, str]) -> list[str]:
    """The methods a route maps (DRF adds HEAD to a viewset's mapping the first time it answers)."""
    return [method for method in list(actions) if method not in ("head", "options")]


def snapshot() -> dict[str, Any]:
    rows = scope_world.snapshot()
    return {label: row for label, row in rows.items() if label not in NOT_COUNTED}


def kind_of(route: str, view: Any, actions: dict[str, str]) -> str | None:
    """'list', 'detail' (an id and the methods the viewset maps), 'root' (a router's index), or None:
    a route the walk cannot handle."""
    if route in NOT_WALKED:
        return "not walked"
    if view is not None and issubclass(view, APIRootView):
        return "root"
    if not actions or getattr(view, "queryset", None) is None:
        return None
    if re.search(r"\(\?P<(?!pk>)", route) or "<" in ID.sub("", route):
        return None  # an argument other than the object's id
    return "detail" if ID.search(route) else "list"


def model_of(view: Any) -> type[models.Model]:
    model: type[models.Model] = view.queryset.model
    return model


def test_every_api_route_is_walked():
    unknown = [route for route, view, actions in API_ROUTES if kind_of(route, view, actions) is None]
    kinds = {kind_of(*entry) for entry in API_ROUTES}

    assert unknown == []
    assert {"list", "detail"} <= kinds
    assert set(NOT_WALKED) <= {route for route, _view, _actions in API_ROUTES}  # no stale exemption


# The world -------------------------------------------------------------------------------------


def counted_models() -> list[type[models.Model]]:
    return [model for model in scope_world.business_models() if model._meta.label_lower not in NOT_COUNTED]


def row_counts() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in counted_models()}


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows_of(response: Any) -> list[dict[str, Any]]:
    data = response.data
    return list(data["results"] if isinstance(data, dict) and "results" in data else data)


def replay(value: Any, key: str = "") -> Any:
    """The ``OUT`` object's representation as a body to create another like it: ids dropped, codes new."""
    if isinstance(value, dict):
        return {k: replay(v, k) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [replay(v) for v in value]
    return UNIQUE.get(key, value)


def in_scope(user: Any, obj: models.Model, action: str) -> bool:
    if action == "company":
        return getattr(obj, "company_id", None) == user.company_id
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def parents_out_of_scope(user: Any, view: Any, body: dict[str, Any]) -> list[str]:
    """The parents the ``OUT`` object's body names (its foreign keys written through the serializer)
    that ``user`` may not change (or, for ``PARENT_SCOPE``, not see or not name)."""
    model = model_of(view)
    obj = model._default_manager.get(pk=OUT)
    label, out = model._meta.label_lower, []
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey) or field.name not in body or body[field.name] in (None, ""):
            continue
        parent = getattr(obj, field.name)
        action = PARENT_SCOPE.get((label, field.name), (CHANGE, ""))[0]
        if parent is not None and not in_scope(user, parent, action):
            out.append(field.name)
    return out


def build() -> Any:
    """The walk world, with the ``OUT`` object's body of every list route that creates, replayed."""
    ensure_roles()
    sequences: dict[str, Any] = {}
    try:
        built = scope_world.build(sequences)
    finally:
        scope_world.restore_sequences(sequences)
    insider = client_for(built.insider)
    built.bodies = {}  # type: ignore[attr-defined]  # list route -> the OUT object's body, replayed
    for route, view, actions in API_ROUTES:
        if kind_of(route, view, actions) == "list" and "post" in actions:
            detail = insider.get(url_of(route) + f"{OUT}/")
            assert detail.status_code == 200, (route, detail.status_code)
            built.bodies[route] = {**replay(detail.data), **REPLAY_CHANGES.get(route, {})}  # type: ignore[attr-defined]
    return built


@pytest.fixture(scope="module")
def _world_shared(django_db_setup, django_db_blocker):
    # Built once per module, not for each of the seven walks (~1.5 s each): the walks only send
    # requests (the insider's creates are rolled back at once), and whatever one of them changed
    # would be rolled back with its savepoint (and fail its own snapshot check first).
    with shared_data(django_db_blocker, build) as shared:
        yield shared


@pytest.fixture
def world(_world_shared, request, db):
    return _world_shared.for_test(request)


def test_the_insider_sees_every_out_object_and_creates_with_every_replayed_body(world):
    """Without this the walk would prove nothing: the OUT object is in the insider's lists and opens,
    and each replayed body is a valid create (rolled back)."""
    insider = client_for(world.insider)
    missing, refused = [], []
    for route, view, actions in API_ROUTES:
        kind = kind_of(route, view, actions)
        if kind == "detail" and "get" in actions:
            response = insider.get(url_of(route))
            if response.status_code != 200:
                missing.append((route, response.status_code))
        if kind != "list":
            continue
        response = insider.get(list_url(route))
        if response.status_code != 200 or OUT not in {row.get("id") for row in rows_of(response)}:
            missing.append((route, response.status_code))
        if route in world.bodies:
            with transaction.atomic():
                created = insider.post(url_of(route), world.bodies[route], format="json")
                transaction.set_rollback(True)
            if created.status_code != 201:
                refused.append((route, created.status_code, str(created.data)[:300]))

    assert missing == []
    assert refused == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_users_out_of_an_objects_scope_cannot_reach_it_through_any_api_route(world, who):
    user = world.users[who]
    client = client_for(user)
    counts, before = row_counts(), snapshot()
    wrong = []
    for route, view, actions in API_ROUTES:
        kind = kind_of(route, view, actions)
        if kind not in ("list", "detail"):
            continue
        url, model = url_of(route), model_of(view)
        out = model._default_manager.get(pk=OUT)
        visible, changeable = in_scope(user, out, VIEW), in_scope(user, out, CHANGE)
        if kind == "list":
            response = client.get(list_url(route))
            if response.status_code >= 500 or response.status_code not in (200, 403):
                wrong.append(("get", url, response.status_code))
            elif response.status_code == 200 and not visible and OUT in {row.get("id") for row in rows_of(response)}:
                wrong.append(("get", url, "lists OUT"))
            if route in world.bodies:
                body = world.bodies[route]
                parents = parents_out_of_scope(user, view, body)
                if parents:  # the body puts the new record under a parent the user may not have
                    status = client.post(url, body, format="json").status_code
                    if status not in (400, 403, 404):
                        wrong.append(("post", url, status, parents))
            continue
        if changeable:
            continue  # in the user's scope: the department's own tests cover it
        for method in methods(actions):
            body = world.bodies.get(route.split("(?P<pk>")[0] + "$", {}) if method in ("put", "patch") else {}
            status = getattr(client, method)(url, body, format="json").status_code
            allowed = (403, 404) if not visible else ((200,) if method == "get" else (403,))
            if status not in (*allowed, 405):
                wrong.append((method, url, status))

    assert wrong == []
    assert snapshot() == before
    assert row_counts() == counts
