"""Item master services: bulk creation keeps the same rules and the audit trail; fixed base units."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from erp.errors import DomainError
from inventory.models import Item, ItemUnit
from inventory.services import masterdata


def test_bulk_created_items_have_their_units_and_an_audit_entry_each(inv):
    rows = [{"code": f" bulk-{n} ", "name": f"批量 {n}", "base_unit": inv.pcs, "units": [(inv.box, Decimal("12"))]}
            for n in range(3)]

    created = masterdata.items_create_bulk(company=inv.company, rows=rows, actor=inv.keeper)

    assert [item.code for item in created] == ["BULK-0", "BULK-1", "BULK-2"]
    assert ItemUnit.objects.filter(item__in=created, unit=inv.box, factor=12).count() == 3
    entries = LogEntry.objects.get_for_objects(Item.objects.filter(pk__in=[i.pk for i in created]))
    assert entries.count() == 3
    assert {e.actor for e in entries} == {inv.keeper}
    assert entries.first().changes_dict["name"][0] == "None"


@pytest.mark.parametrize("codes", [["DUP", "DUP"], ["SCR-M3"]])
def test_bulk_creation_refuses_duplicate_codes_and_writes_nothing(inv, codes):
    rows = [{"code": code, "name": "x", "base_unit": inv.pcs} for code in codes]

    with pytest.raises(ValidationError):
        masterdata.items_create_bulk(company=inv.company, rows=rows)

    assert Item.objects.filter(name="x").count() == 0


def test_the_base_unit_and_lot_tracking_are_fixed_once_an_item_has_moves(inv):
    inv.receive(inv.screw, "1", inv.a1)

    with pytest.raises(DomainError) as unit_change:
        masterdata.item_update(item=inv.screw, base_unit=inv.box)
    with pytest.raises(DomainError) as lot_change:
        masterdata.item_update(item=inv.screw, lot_tracked=True)
    masterdata.item_update(item=inv.screw, name="M3 螺絲（新）")

    assert (unit_change.value.field, lot_change.value.field) == ("base_unit", "lot_tracked")
    assert Item.objects.get(pk=inv.screw.pk).name == "M3 螺絲（新）"


def test_a_new_company_starts_with_the_standard_units_and_reasons(db):
    from erp.models import Company
    from inventory.models import AdjustmentReason, UnitOfMeasure

    company = Company.objects.create(code="NEWCO", name="新公司")

    codes = set(UnitOfMeasure.objects.filter(company=company).values_list("code", flat=True))
    assert {"PCS", "KG", "BOX", "M"} <= codes
    assert AdjustmentReason.objects.filter(company=company, code="DAMAGE").exists()
