"""Supplier master-data services: the buyer's grant, the buyer rule, delete or deactivate, supplier
items (units, prices, dates, buyable items) and one preferred supplier per item and date."""

import datetime

import pytest
from django.db import IntegrityError, connection
from django.utils import translation
from guardian.shortcuts import get_perms

from erp.errors import DomainError
from inventory import status as inventory_status
from inventory.errors import InUse
from inventory.services import masterdata as inventory_masterdata
from purchasing.models import PurchasingSettings, Supplier, SupplierContact, SupplierItem, SupplierPrice
from purchasing.services import settings as settings_services
from purchasing.services import suppliers as services
from tests.parallel import run_parallel
from tests.purchasing.conftest import D


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_buyers_new_supplier_is_their_own_and_they_hold_buy_from_supplier_on_it(pur):
    supplier = services.supplier_create(company=pur.company, actor=pur.buyer, code="S100", name="台灣精密")

    assert supplier.buyer == pur.buyer
    assert "buy_from_supplier" in get_perms(pur.buyer, supplier)
    assert not pur.buyer2.has_perm("purchasing.buy_from_supplier", supplier)


def test_a_buyer_may_not_name_another_buyer(pur):
    with pytest.raises(services.BuyerRefused) as refused:
        services.supplier_create(company=pur.company, actor=pur.buyer, code="S100", name="台灣精密", buyer=pur.buyer2)

    assert refused.value.field == "buyer"
    assert refused.value.http_status == 403
    assert not Supplier.objects.filter(code="S100").exists()


def test_the_manager_changes_the_buyer_and_the_grant_moves_with_it(pur):
    supplier = services.supplier_update(supplier=pur.acme_parts, actor=pur.purchasing_manager, buyer=pur.buyer2)

    assert supplier.buyer == pur.buyer2
    assert "buy_from_supplier" in get_perms(pur.buyer2, supplier)
    assert "buy_from_supplier" not in get_perms(pur.buyer, supplier)


def test_a_buyer_may_not_change_the_buyer_but_may_send_it_back_unchanged(pur):
    with pytest.raises(services.BuyerRefused):
        services.supplier_update(supplier=pur.acme_parts, actor=pur.buyer, buyer=pur.buyer2)
    services.supplier_update(supplier=pur.acme_parts, actor=pur.buyer, buyer=pur.buyer, name="東元電機股份有限公司")

    pur.acme_parts.refresh_from_db()
    assert pur.acme_parts.buyer == pur.buyer
    assert pur.acme_parts.name == "東元電機股份有限公司"


def test_a_buyer_may_not_change_another_buyers_supplier(pur):
    with pytest.raises(DomainError) as refused:
        services.supplier_update(supplier=pur.bolt_co, actor=pur.buyer, name="X")

    assert "S002" in str(refused.value.message)
    pur.bolt_co.refresh_from_db()
    assert pur.bolt_co.name == "大億螺絲"


def test_an_unused_supplier_is_deleted_with_its_items_and_grant(pur):
    supplier = services.supplier_create(company=pur.company, actor=pur.buyer, code="S100", name="台灣精密",
                                        contacts=[{"name": "王小明", "is_primary": True}])
    services.supplier_item_save(supplier=supplier, actor=pur.buyer, item=pur.screw, unit=pur.pcs,
                                prices=[{"price": D("1.5")}])

    services.supplier_delete(instance=supplier, actor=pur.buyer)

    assert not Supplier.objects.filter(code="S100").exists()
    assert not SupplierContact.objects.filter(name="王小明").exists()
    assert not SupplierItem.objects.filter(supplier_id=supplier.pk).exists()


def test_a_supplier_used_by_a_document_is_refused_with_in_use(pur, monkeypatch):
    from django.db.models import ProtectedError

    def protected(self, *args, **kwargs):
        raise ProtectedError("used", set())

    monkeypatch.setattr(Supplier, "delete", protected)
    with pytest.raises(InUse) as refused:
        services.supplier_delete(instance=pur.acme_parts, actor=pur.purchasing_manager)

    assert refused.value.http_status == 409
    assert "Deactivate it instead" in str(refused.value.message)


def test_a_primary_contact_takes_over_from_the_previous_one(pur):
    first = services.contact_save(supplier=pur.acme_parts, actor=pur.buyer, name="甲", is_primary=True)
    second = services.contact_save(supplier=pur.acme_parts, actor=pur.buyer, name="乙", is_primary=True)

    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


# Supplier items ---------------------------------------------------------------------------------


def test_a_supplier_item_in_an_alternative_unit_with_price_breaks(pur):
    row = services.supplier_item_save(
        supplier=pur.acme_parts, actor=pur.buyer, item=pur.screw, unit=pur.box, supplier_part_number="TE-88",
        min_order_quantity=D("2"), order_multiple=D("2"),
        prices=[{"min_quantity": D("0"), "price": D("130")}, {"min_quantity": D("10"), "price": D("118.5")}])

    assert [(p.min_quantity, p.price) for p in row.prices.order_by("min_quantity")] == [
        (D("0"), D("130")), (D("10"), D("118.5"))]


def test_saving_prices_replaces_the_old_ones(pur):
    services.supplier_item_save(supplier=pur.acme_parts, supplier_item=pur.motor_from_s1, actor=pur.buyer,
                                prices=[{"min_quantity": D("100"), "price": D("700")}])

    assert list(pur.motor_from_s1.prices.values_list("min_quantity", "price")) == [(D("100"), D("700"))]


def test_a_unit_the_item_does_not_have_is_refused(pur):
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.acme_parts, actor=pur.buyer, item=pur.motor, unit=pur.kg)

    assert refused.value.field == "unit"
    assert not SupplierItem.objects.filter(supplier=pur.acme_parts, item=pur.motor, unit=pur.kg).exists()


def test_a_negative_price_is_refused_and_the_old_prices_stay(pur):
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.acme_parts, supplier_item=pur.motor_from_s1, actor=pur.buyer,
                                    prices=[{"price": D("-1")}])

    assert "The price must not be negative." in str(refused.value.message)
    assert pur.motor_from_s1.prices.count() == 2


def test_an_end_date_before_the_start_date_is_refused(pur):
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.bolt_co, actor=pur.buyer2, item=pur.motor, unit=pur.pcs,
                                    valid_from=pur.in_a_week, valid_to=pur.today)

    assert refused.value.field == "valid_to"
    with pytest.raises(DomainError):
        services.supplier_item_save(supplier=pur.bolt_co, actor=pur.buyer2, item=pur.motor, unit=pur.pcs,
                                    prices=[{"price": D("1"), "valid_from": pur.in_a_week, "valid_to": pur.today}])
    assert not SupplierItem.objects.filter(supplier=pur.bolt_co, item=pur.motor).exists()


def test_an_inactive_or_made_item_gets_no_supplier(pur):
    made = inventory_masterdata.item_create(company=pur.company, code="FG-1", name="成品", base_unit=pur.pcs,
                                            item_type=inventory_status.ItemType.FINISHED_GOOD,
                                            procurement=inventory_status.Procurement.MAKE)
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.acme_parts, actor=pur.buyer, item=made, unit=pur.pcs)
    assert "is not bought" in str(refused.value.message)

    inventory_masterdata.item_update(item=pur.screw, is_active=False)
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.acme_parts, actor=pur.buyer, item=pur.screw, unit=pur.pcs)
    assert "inactive" in str(refused.value.message)


def test_a_second_preferred_supplier_for_the_same_dates_is_refused_naming_the_first(pur):
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.bolt_co, actor=pur.buyer2, item=pur.motor, unit=pur.pcs,
                                    is_preferred=True, prices=[{"price": D("790")}])

    assert refused.value.field == "is_preferred"
    assert "S001" in str(refused.value.message) and "東元電機" in str(refused.value.message)
    assert not SupplierItem.objects.filter(supplier=pur.bolt_co, item=pur.motor).exists()


def test_two_preferred_suppliers_on_different_dates_are_allowed(pur):
    services.supplier_item_save(supplier=pur.acme_parts, supplier_item=pur.motor_from_s1, actor=pur.buyer,
                                valid_to=pur.today)
    row = services.supplier_item_save(supplier=pur.bolt_co, actor=pur.buyer2, item=pur.motor, unit=pur.pcs,
                                      is_preferred=True, valid_from=pur.today + datetime.timedelta(days=1))

    assert row.is_preferred


def test_the_exclusion_constraint_error_becomes_the_same_message(pur, monkeypatch):
    monkeypatch.setattr(services, "overlapping_preferred", lambda row: None)  # as if the check were skipped
    with pytest.raises(DomainError) as refused:
        services.supplier_item_save(supplier=pur.bolt_co, actor=pur.buyer2, item=pur.motor, unit=pur.pcs,
                                    is_preferred=True)

    assert refused.value.field == "is_preferred"
    assert "already has a preferred supplier" in str(refused.value.message)
    assert not SupplierItem.objects.filter(supplier=pur.bolt_co, item=pur.motor).exists()


def test_the_exclusion_constraint_holds_in_the_database(pur):
    with pytest.raises(IntegrityError), connection.cursor():
        SupplierItem.objects.create(supplier=pur.bolt_co, item=pur.motor, unit=pur.pcs, is_preferred=True)


@pytest.mark.django_db(transaction=True)
def test_two_buyers_making_two_preferred_suppliers_at_once_one_wins_the_other_gets_the_message(pur):
    item = inventory_masterdata.item_create(company=pur.company, code="NEW-1", name="新料", base_unit=pur.pcs,
                                            item_type=inventory_status.ItemType.RAW_MATERIAL,
                                            procurement=inventory_status.Procurement.BUY)
    suppliers = [(pur.acme_parts, pur.buyer), (pur.bolt_co, pur.buyer2)]
    messages = []

    def save(i):
        supplier, buyer = suppliers[i]
        try:
            with translation.override("en"):
                return services.supplier_item_save(supplier=supplier, actor=buyer, item=item, unit=pur.pcs,
                                                   is_preferred=True, prices=[{"price": D("10")}])
        except DomainError as error:
            messages.append(str(error.message))
            raise

    outcomes, errors = run_parallel(2, save, refused=(DomainError,))

    assert errors == []
    assert sorted(o == "refused" for o in outcomes) == [False, True]
    assert SupplierItem.objects.filter(item=item, is_preferred=True).count() == 1
    winner = SupplierItem.objects.get(item=item).supplier
    assert messages == [f"NEW-1 already has a preferred supplier on these dates: {winner.code} {winner.name}. "
                        "Take the preferred flag off there first, or give the two different dates."]
    assert SupplierPrice.objects.filter(supplier_item__item=item).count() == 1


# Settings ---------------------------------------------------------------------------------------


def test_the_purchasing_manager_saves_the_settings(pur):
    settings_services.settings_save(company=pur.company, actor=pur.purchasing_manager, default_lead_time_days=12)

    assert PurchasingSettings.objects.get(company=pur.company).default_lead_time_days == 12


def test_a_buyer_may_not_save_the_settings(pur):
    with pytest.raises(settings_services.SettingsRefused):
        settings_services.settings_save(company=pur.company, actor=pur.buyer, default_lead_time_days=12)

    assert PurchasingSettings.objects.get(company=pur.company).default_lead_time_days == 7
