"""Document statuses: an explicit transition table, immutability after draft, audit of changes."""

import pytest
from auditlog.models import LogEntry
from django.utils import translation

from erp.documents import transition
from erp.errors import ConcurrentChange, IllegalTransition, ImmutableDocument
from erp.history import history_for
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_confirm, sample_order_create


@pytest.fixture
def clerk(make_user):
    return make_user("clerk")


def test_allowed_transitions_follow_the_table(company, clerk):
    order = sample_order_confirm(order=sample_order_create(company=company, actor=clerk), actor=clerk)
    transition(order, SampleOrder.Status.DELIVERED, actor=clerk)

    assert SampleOrder.objects.get(pk=order.pk).status == "delivered"


def test_an_illegal_transition_raises_a_domain_error_and_changes_nothing(company, clerk):
    order = sample_order_create(company=company, actor=clerk)

    with translation.override("en"), pytest.raises(IllegalTransition) as caught:
        transition(order, SampleOrder.Status.DELIVERED, actor=clerk)
    with translation.override("zh-hant"), pytest.raises(IllegalTransition) as in_chinese:
        transition(order, SampleOrder.Status.DELIVERED, actor=clerk)

    assert f"Draft SO #{order.pk} cannot go from “Draft” to “Delivered”." == str(caught.value.message)
    assert "不能" in str(in_chinese.value.message) or "無法" in str(in_chinese.value.message)
    assert caught.value.http_status == 409
    assert SampleOrder.objects.get(pk=order.pk).status == "draft"


def test_a_stale_copy_cannot_overwrite_a_status_someone_else_changed(company, clerk):
    order = sample_order_create(company=company, actor=clerk)
    stale = SampleOrder.objects.get(pk=order.pk)
    transition(order, SampleOrder.Status.CANCELLED, actor=clerk)

    with pytest.raises(ConcurrentChange):
        transition(stale, SampleOrder.Status.CONFIRMED, actor=clerk)
    assert SampleOrder.objects.get(pk=order.pk).status == "cancelled"


def test_a_confirmed_document_can_be_neither_edited_nor_deleted(company, clerk):
    order = sample_order_confirm(order=sample_order_create(company=company, actor=clerk), actor=clerk)
    loaded = SampleOrder.objects.get(pk=order.pk)
    loaded.customer = "changed"

    with pytest.raises(ImmutableDocument):
        loaded.save()
    with pytest.raises(ImmutableDocument):
        loaded.delete()
    assert SampleOrder.objects.get(pk=order.pk).customer == ""


def test_a_draft_can_be_edited_and_deleted(company, clerk):
    order = sample_order_create(company=company, actor=clerk, customer="A")
    loaded = SampleOrder.objects.get(pk=order.pk)
    loaded.customer = "B"
    loaded.save()
    loaded.delete()

    assert not SampleOrder.objects.filter(pk=order.pk).exists()


def test_status_changes_are_in_the_history_with_actor_and_values(company, clerk):
    order = sample_order_confirm(order=sample_order_create(company=company, actor=clerk), actor=clerk)

    history = history_for(order)
    entry = LogEntry.objects.get_for_object(order).filter(action=LogEntry.Action.UPDATE).get()

    assert entry.actor == clerk
    assert entry.changes_dict["status"] == ["draft", "confirmed"]
    assert history[0]["entry"] == entry
    assert {"field": "status", "old": "Draft", "new": "Confirmed"} in history[0]["changes"]

