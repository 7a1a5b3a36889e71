"""Purchase orders on the approval engine (office): type ``purchasing.order``.

A rule may test the order's total, its supplier, its buyer, the buyer's department and the
deliver-to warehouse. The one who asks is the order's creator (else its buyer): the engine never
lets the requester decide, so nobody approves an order they made themselves. Every company gets two
default rules (a company seed, and for a new company ``purchasing.receivers``):

- "Purchase order above 1,000,000 → Purchasing manager then Manager" (order 10: tried first);
- "Purchase order above 100,000 → Purchasing manager" (order 20).

An order no rule matches (100,000 or less out of the box) is approved when submitted
(``purchasing.services.orders.order_submit``). The engine's outcome comes back through
``office.signals.approval_decided`` (``purchasing.receivers.record_order_decision``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.models import Company
from erp.roles import MANAGER, PURCHASING_MANAGER
from office.approval_types import AMOUNT, DEPARTMENT, RECORD, USER, ApprovalType, ConditionField
from office.models import ApprovalRule
from office.services.approvals import approval_rule_save
from office.status import ConditionOperator, StepKind

ORDER_APPROVAL = "purchasing.order"
# (name, priority, total above, roles in turn)
DEFAULT_RULES = (
    (gettext_noop("Purchase order above 1,000,000 → Purchasing manager then Manager"), 10, "1000000",
     (PURCHASING_MANAGER, MANAGER)),
    (gettext_noop("Purchase order above 100,000 → Purchasing manager"), 20, "100000", (PURCHASING_MANAGER,)),
)


def buyer_department(order: Any) -> Any:
    buyer = order.buyer
    return buyer.department if buyer is not None else None


def find_order(company: Company, reference: str) -> Model | None:
    """An order of ``company`` by its number, or a draft by its id ("12" or "#12")."""
    from purchasing.models import PurchaseOrder

    reference = reference.strip()
    orders = PurchaseOrder.objects.filter(company=company)
    found = orders.filter(number__iexact=reference).first() if reference else None
    digits = reference.rsplit("#", 1)[-1].strip()
    if found is None and digits.isdigit():
        found = orders.filter(pk=int(digits)).first()
    return found


ORDER_APPROVAL_TYPE = ApprovalType(
    key=ORDER_APPROVAL, model="purchasing.purchaseorder", label=_("Purchase order"),
    fields=(
        ConditionField("order_total", _("Order total"), AMOUNT, lambda order: order.total_amount),
        ConditionField("supplier", _("Supplier"), RECORD, lambda order: order.supplier),
        ConditionField("buyer", _("Buyer"), USER, lambda order: order.buyer),
        ConditionField("buyer_department", _("Buyer's department"), DEPARTMENT, buyer_department),
        ConditionField("warehouse", _("Warehouse"), RECORD, lambda order: order.warehouse),
    ),
    requester=lambda order: order.created_by or order.buyer,
    lookup=find_order,
)


def seed_order_rules(company: Company) -> int:
    """The default purchase-order rules for ``company`` unless it has a rule of the type (idempotent);
    their names in the site's language, as a person would have typed them. Returns how many were made."""
    if ApprovalRule.objects.filter(company=company, type_key=ORDER_APPROVAL).exists():
        return 0
    groups = {group.name: group for group in Group.objects.filter(name__in=[PURCHASING_MANAGER, MANAGER])}
    if len(groups) < 2:
        return 0  # the roles do not exist yet (ensure_roles runs first in bootstrap)
    made = 0
    for name, priority, above, roles in DEFAULT_RULES:
        approval_rule_save(
            company=company, actor=None, type_key=ORDER_APPROVAL, priority=priority,
            name=messages.in_default_language(messages.message(name)),
            conditions=[{"field": "order_total", "operator": ConditionOperator.GT, "value": above}],
            steps=[{"sequence": n, "kind": StepKind.ROLE, "role": groups[role]} for n, role in enumerate(roles, 1)])
        made += 1
    return made
