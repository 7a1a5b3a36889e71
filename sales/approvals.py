"""Sales on the approval engine (office): an order above its customer's credit limit is a "credit-limit
exception" (``sales.credit_exception``) the engine approves by the company's rules.

The type's condition fields are what a rule may test: the order's total, the customer's exposure
before it, the amount above the limit, the customer, the sales rep and the rep's department. Every
company gets a default rule "Credit exception → anyone with the role Sales manager" (a company seed,
and for a new company from ``sales.receivers``), so out of the box the sales managers approve, as
before. The engine's outcome comes back through ``office.signals.approval_decided``
(``sales.receivers.record_credit_decision``): an approval is recorded as the order's CreditApproval,
which ``credit_check`` reads; a rejection or a return leaves the draft as it is, the comment shown on
the order's page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.models import Company
from erp.roles import SALES_MANAGER
from office.approval_types import AMOUNT, DEPARTMENT, RECORD, USER, ApprovalType, ConditionField
from office.services.approvals import approval_rule_seed

CREDIT_EXCEPTION = "sales.credit_exception"
DEFAULT_RULE_NAME = gettext_noop("Credit exception → Sales manager")


def credit_figures(order: Any) -> Any:
    """The order's credit check, worked out once per order object (the fields below all read it)."""
    if not hasattr(order, "_approval_credit"):
        from sales.services.orders import credit_check

        order._approval_credit = credit_check(order)
    return order._approval_credit


def over_limit(order: Any) -> Any:
    check = credit_figures(order)
    return None if check.limit is None else check.exposure + check.order_total - check.limit


def rep_department(order: Any) -> Any:
    rep = order.sales_rep
    return rep.department if rep is not None else None


def find_order(company: Company, reference: str) -> Model | None:
    """An order of ``company`` by its number, or a draft by its id ("12" or "#12")."""
    from sales.models import SalesOrder

    reference = reference.strip()
    orders = SalesOrder.objects.filter(company=company)
    found = orders.filter(number__iexact=reference).first() if reference else None
    digits = reference.rsplit("#", 1)[-1].strip()
    if found is None and digits.isdigit():
        found = orders.filter(pk=int(digits)).first()
    return found


CREDIT_EXCEPTION_TYPE = ApprovalType(
    key=CREDIT_EXCEPTION, model="sales.salesorder", label=_("Credit-limit exception (sales order)"),
    fields=(
        ConditionField("order_total", _("Order total"), AMOUNT, lambda order: credit_figures(order).order_total),
        ConditionField("exposure", _("Exposure before the order"), AMOUNT,
                       lambda order: credit_figures(order).exposure),
        ConditionField("over_limit", _("Amount over the credit limit"), AMOUNT, over_limit),
        ConditionField("customer", _("Customer"), RECORD, lambda order: order.customer),
        ConditionField("sales_rep", _("Sales rep"), USER, lambda order: order.sales_rep),
        ConditionField("rep_department", _("Sales rep's department"), DEPARTMENT, rep_department),
    ),
    requester=lambda order: order.sales_rep or order.created_by,
    lookup=find_order,
)


def seed_credit_rule(company: Company) -> int:
    """The default credit-exception rule for ``company`` unless it has one (``bootstrap``, new companies);
    its name in the site's language, as a person would have typed it."""
    name = messages.in_default_language(messages.message(DEFAULT_RULE_NAME))
    return approval_rule_seed(company=company, type_key=CREDIT_EXCEPTION, name=name, role=SALES_MANAGER)
