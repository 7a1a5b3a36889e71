"""Manual journal entries on the approval engine (office): type ``finance.journal_entry``.

A rule may test the entry's total, its journal and who made it. The one who asks is the entry's
creator (the engine never lets the requester decide). Every company gets one default rule when its
books are set up (``finance.services.setup.chart_install``, also a company seed): "Manual journal entry
above 100,000 → Manager".
An entry no rule matches is posted when submitted (``finance.services.ledger.entry_post_manual``);
the engine's outcome comes back through ``office.signals.approval_decided``
(``finance.receivers.record_entry_decision``). Automatic postings never ask: their sources were
approved where they were made."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from erp import messages
from erp.models import Company
from erp.roles import MANAGER
from office.approval_types import AMOUNT, RECORD, USER, ApprovalType, ConditionField
from office.models import ApprovalRule
from office.services.approvals import approval_rule_save
from office.status import ConditionOperator, StepKind

ENTRY_APPROVAL = "finance.journal_entry"
DEFAULT_RULE = (gettext_noop("Manual journal entry above 100,000 → Manager"), 10, "100000", MANAGER)


def find_entry(company: Company, reference: str) -> Model | None:
    """A manual entry of ``company`` by its number, or a draft by its id ("12" or "#12")."""
    from finance.models import JournalEntry

    reference = reference.strip()
    entries = JournalEntry.objects.filter(company=company, source_key__isnull=True)
    found = entries.filter(number__iexact=reference).first() if reference else None
    digits = reference.rsplit("#", 1)[-1].strip()
    if found is None and digits.isdigit():
        found = entries.filter(pk=int(digits)).first()
    return found


def entry_total(entry: Model) -> object:
    from django.db.models import Sum

    return entry.lines.aggregate(total=Sum("debit"))["total"] or 0  # type: ignore[attr-defined]


ENTRY_APPROVAL_TYPE = ApprovalType(
    key=ENTRY_APPROVAL, model="finance.journalentry", label=_("Manual journal entry"),
    fields=(
        ConditionField("entry_total", _("Entry total"), AMOUNT, entry_total),
        ConditionField("journal", _("Journal"), RECORD, lambda entry: entry.journal),
        ConditionField("creator", _("Made by"), USER, lambda entry: entry.created_by),
    ),
    requester=lambda entry: entry.created_by,
    lookup=find_entry,
)


def seed_entry_rule(company: Company) -> int:
    """The default rule for ``company`` unless it has one of the type (idempotent)."""
    if ApprovalRule.objects.filter(company=company, type_key=ENTRY_APPROVAL).exists():
        return 0
    name, priority, above, role = DEFAULT_RULE
    group = Group.objects.filter(name=role).first()
    if group is None:
        return 0  # the roles do not exist yet (ensure_roles runs first in bootstrap)
    approval_rule_save(
        company=company, actor=None, type_key=ENTRY_APPROVAL, priority=priority,
        name=messages.in_default_language(messages.message(name)),
        conditions=[{"field": "entry_total", "operator": ConditionOperator.GT, "value": above}],
        steps=[{"sequence": 1, "kind": StepKind.ROLE, "role": group}])
    return 1
