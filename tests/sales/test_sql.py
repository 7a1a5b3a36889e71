"""sales.sql: the confirmation's hand-written reads give what the ORM formulations give."""

from decimal import Decimal as D

import pytest

from erp.scoping import CHANGE
from sales import sql
from sales.models import SalesOrder


def fields_of(instance):
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_order_for_confirmation_is_the_orm_order_with_its_customer_company_and_warehouse(sal):
    order = sal.order([{"item": sal.widget, "quantity": D("2")}])
    got = sql.order_for_confirmation(order.pk)
    orm = SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "company", "warehouse") \
        .get(pk=order.pk)
    assert fields_of(got) == fields_of(orm)
    for relation in ("customer", "company", "warehouse"):
        assert fields_of(getattr(got, relation)) == fields_of(getattr(orm, relation))
    assert got._stored_status == orm._stored_status == "draft"


def test_order_for_confirmation_honours_the_scope(sal):
    order = sal.order([{"item": sal.widget, "quantity": D("2")}])

    def scope(user):
        query = SalesOrder.objects.restrict(user, CHANGE).filter(pk=order.pk).values("pk").query
        sql_text, params = query.sql_with_params()
        return sql_text, list(params)

    assert sql.order_for_confirmation(order.pk, scope(sal.rep)).pk == order.pk
    assert not SalesOrder.objects.restrict(sal.rep2, CHANGE).filter(pk=order.pk).exists()
    with pytest.raises(SalesOrder.DoesNotExist):
        sql.order_for_confirmation(order.pk, scope(sal.rep2))


def test_order_lines_with_items_are_the_orm_lines(sal):
    order = sal.order([{"item": sal.widget, "quantity": D("2")}, {"item": sal.pump, "quantity": D("1")},
                       {"item": sal.widget, "quantity": D("1"), "unit": sal.box}])
    got = sql.order_lines_with_items(order)
    orm = list(order.lines.select_related("unit", "item__base_unit").order_by("line_no", "pk"))
    assert [fields_of(line) for line in got] == [fields_of(line) for line in orm]
    assert [(fields_of(a.item), fields_of(a.item.base_unit), fields_of(a.unit)) for a in got] == [
        (fields_of(b.item), fields_of(b.item.base_unit), fields_of(b.unit)) for b in orm]
