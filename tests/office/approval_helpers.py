"""What the approval engine's tests share: a company with departments (and heads), people with roles,
a sample order to approve (tests/sampleapp/approvals.py declares its type), rules made through the
service, and a record of the notices and hook calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group

from erp.models import Department
from office.services import approval_notices
from office.services.approvals import approval_rule_save
from office.signals import approval_decided
from tests.factories import CompanyFactory, UserFactory
from tests.sampleapp.approvals import SAMPLE_APPROVAL
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_save

D = Decimal


@dataclass
class People:
    company: Any
    sales: Any  # the sales department, headed by boss
    board: Any  # its parent, headed by chair
    rep: Any
    rep2: Any
    mgr1: Any
    mgr2: Any
    mgr3: Any
    boss: Any
    chair: Any
    clerk: Any
    other: dict[str, Any] = field(default_factory=dict)


def build_people() -> People:
    company = CompanyFactory(code="ACME", name="測試精密股份有限公司")
    board = Department.objects.create(company=company, code="BOARD", name="董事會")
    sales = Department.objects.create(company=company, code="SALES", name="業務部", parent=board)

    def user(name: str, *roles: str, **fields: Any) -> Any:
        return UserFactory(username=name, company=company, roles=list(roles), language="en", **fields)

    people = People(
        company=company, sales=sales, board=board,
        rep=user("rep", "Sales", department=sales), rep2=user("rep2", "Sales", department=sales),
        mgr1=user("mgr1", "Sales manager"), mgr2=user("mgr2", "Sales manager"), mgr3=user("mgr3", "Sales manager"),
        boss=user("boss", "Sales", department=sales), chair=user("chair", "Manager", department=board),
        clerk=user("clerk", "Office staff"),
    )
    sales.head, board.head = people.boss, people.chair
    sales.save()
    board.save()
    other = CompanyFactory(code="OTHER", name="別家公司")
    people.other = {"company": other, "mgr": UserFactory(username="mgr-b", company=other, roles=["Sales manager"])}
    return people


def role(name: str) -> Group:
    return Group.objects.get(name=name)


def sample_order(people: People, *, by: Any = None, total: str = "10", customer: str = "C1") -> SampleOrder:
    return sample_order_save(company=people.company, actor=by or people.rep, customer=customer,
                             lines=[{"item": "X", "quantity": D(total)}])


def rule(people: People, steps: list[dict[str, Any]], *, name: str = "Rule", conditions: Any = (),
         priority: int = 100, company: Any = None, type_key: str = SAMPLE_APPROVAL, **fields: Any) -> Any:
    return approval_rule_save(company=company or people.company, actor=None, type_key=type_key, name=name,
                              conditions=list(conditions), steps=steps, priority=priority, **fields)


def role_step(name: str = "Sales manager", sequence: int = 1, **fields: Any) -> dict[str, Any]:
    return {"sequence": sequence, "kind": "role", "role": role(name), **fields}


class Recorder:
    """Records approval_notices calls and approval_decided hooks (spies: the real functions run too)."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, list[str], bool]] = []
        self.reminded: list[tuple[int, list[str]]] = []
        self.told: list[tuple[int, str]] = []
        self.decided: list[tuple[int, str, str]] = []

    def hook(self, sender: Any, request: Any, outcome: str, actor: Any, **kwargs: Any) -> None:
        self.decided.append((request.pk, outcome, actor.username if actor else ""))


@pytest.fixture
def recorder(monkeypatch):
    recorded = Recorder()

    def asked(step, approvers, *, escalated=False):
        recorded.asked.append((step.pk, sorted(user.username for user in approvers), escalated))

    def reminded(step, approvers):
        recorded.reminded.append((step.pk, sorted(user.username for user in approvers)))

    def told(request, outcome):
        recorded.told.append((request.pk, outcome))

    monkeypatch.setattr(approval_notices, "approvers_asked", asked)
    monkeypatch.setattr(approval_notices, "approver_reminded", reminded)
    monkeypatch.setattr(approval_notices, "requester_told", told)
    approval_decided.connect(recorded.hook, sender=SampleOrder, dispatch_uid="test-recorder")
    yield recorded
    approval_decided.disconnect(sender=SampleOrder, dispatch_uid="test-recorder")
