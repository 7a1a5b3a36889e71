"""The sample app's approvable document type, declared the way a department declares one (for the
approval engine's tests: tests/office/test_approvals*.py)."""

from __future__ import annotations

from decimal import Decimal

from office.approval_types import AMOUNT, CHOICE, DEPARTMENT, TEXT, USER, ApprovalType, ConditionField

SAMPLE_APPROVAL = "sampleapp.order_approval"


def total(order):
    return sum((line.quantity for line in order.lines.all()), Decimal("0"))


def department(order):
    return order.created_by.department if order.created_by_id else None


def find(company, reference):
    from tests.sampleapp.models import SampleOrder

    rows = SampleOrder.objects.filter(company=company)
    found = rows.filter(number=reference).first()
    if found is None and reference.isdigit():
        found = rows.filter(pk=int(reference)).first()
    return found


SAMPLE_TYPE = ApprovalType(
    key=SAMPLE_APPROVAL, model="sampleapp.sampleorder", label="Sample order approval",
    fields=(
        ConditionField("total", "Total", AMOUNT, total),
        ConditionField("customer", "Customer", TEXT, lambda order: order.customer),
        ConditionField("creator", "Creator", USER, lambda order: order.created_by),
        ConditionField("department", "Department", DEPARTMENT, department),
        ConditionField("status", "Status", CHOICE, lambda order: order.status,
                       choices=(("draft", "Draft"), ("confirmed", "Confirmed"))),
    ),
    requester=lambda order: order.created_by,
    url=lambda order: f"/sample/samples/{order.pk}/",
    lookup=find,
)
