"""The purchasing part of the demo company: idempotent, through the services, a preferred supplier for
every bought item."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from erp.demo import load_demo
from erp.identifiers import taiwan_tax_id_valid
from erp.models import Company
from erp.roles import sync_roles
from inventory import status as inventory_status
from inventory.models import Item
from purchasing.demo import SUPPLIERS, load_purchasing_demo
from purchasing.models import Supplier, SupplierItem
from purchasing.selectors.pricing import preferred_supplier_items
from purchasing.selectors.suppliers import suppliers_for_user
from tests.conftest import shared_data


def build_demo():
    sync_roles()
    with translation.override("en"):
        load_demo(password="demo-pass")


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_demo) as shared:
        yield shared


@pytest.fixture
def demo(_demo_loaded, request, db):
    _demo_loaded.for_test(request)
    return Company.objects.get(code="DEMO")


def demo_users():
    return {user.username: user for user in get_user_model().objects.filter(company__code="DEMO")}


def test_the_demo_has_its_suppliers_with_valid_tax_ids_and_buyers(demo):
    suppliers = list(Supplier.objects.filter(company=demo))

    assert len(suppliers) == len(SUPPLIERS) == 12
    assert all(taiwan_tax_id_valid(s.tax_id) for s in suppliers)
    assert {s.buyer.username for s in suppliers} == {"purchasing", "purchasing2"}
    users = demo_users()
    assert users["purchmgr"].groups.filter(name="Purchasing manager").exists()
    assert users["purchmgr"].check_password("demo-pass")
    assert suppliers_for_user(users["purchasing"]).count() == 6
    assert suppliers_for_user(users["purchmgr"]).count() == 12


def test_every_bought_item_has_a_preferred_supplier_with_prices(demo):
    bought = list(Item.objects.filter(company=demo, is_active=True, procurement=inventory_status.Procurement.BUY))
    preferred = preferred_supplier_items(demo, [i.pk for i in bought], timezone.localdate())

    assert bought
    assert set(preferred) == {i.pk for i in bought}
    assert not SupplierItem.objects.filter(supplier__company=demo, prices__isnull=True).exists()


def test_loading_again_creates_nothing(demo):
    counts = {m._meta.label: m.objects.count() for m in apps.get_app_config("purchasing").get_models()}

    created = load_purchasing_demo(demo, demo_users())

    assert created == 0
    assert counts == {m._meta.label: m.objects.count() for m in apps.get_app_config("purchasing").get_models()}
