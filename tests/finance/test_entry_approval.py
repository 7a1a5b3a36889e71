"""Manual journal entries on the approval engine: a large entry waits for the Manager (the company's
default rule, seeded with its books), whose decision posts it or sends it back to draft; a small one
posts at once; an unbalanced one is refused before anyone is asked."""

import pytest

from finance import status as st
from finance.models import JournalEntry
from finance.services.ledger import Line, UnbalancedEntry, entry_post_manual, entry_save
from office.models import ApprovalRequest
from office.services.approvals import approval_decide
from tests.finance.conftest import D

R = st.AccountRole


def draft(fin, amount):
    return entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                      memo="Capital", lines=[Line(fin.account(R.BANK), debit=D(amount)),
                                             Line(fin.account(R.CAPITAL), credit=D(amount))])


def test_a_small_manual_entry_posts_at_once(fin):
    entry = entry_post_manual(entry=draft(fin, "100000"), actor=fin.accountant)
    assert entry.status == st.EntryStatus.POSTED and entry.number
    assert not ApprovalRequest.objects.filter(document_id=entry.pk).exists()


def test_a_large_manual_entry_waits_for_the_manager_whose_approval_posts_it(fin):
    entry = entry_post_manual(entry=draft(fin, "100000.01"), actor=fin.accountant)
    assert (entry.status, entry.number) == (st.EntryStatus.AWAITING_APPROVAL, "")
    request = ApprovalRequest.objects.get(type_key="finance.journal_entry", document_id=entry.pk)
    approval_decide(request=request, actor=fin.manager, decision="approve")
    entry = JournalEntry.objects.get(pk=entry.pk)
    assert entry.status == st.EntryStatus.POSTED and entry.number.startswith("JGEN-")
    assert entry.posted_by == fin.manager


def test_a_rejected_entry_goes_back_to_draft_unposted(fin):
    entry = entry_post_manual(entry=draft(fin, "250000"), actor=fin.accountant)
    request = ApprovalRequest.objects.get(type_key="finance.journal_entry", document_id=entry.pk)
    approval_decide(request=request, actor=fin.manager, decision="reject", comment="附件不足")
    entry = JournalEntry.objects.get(pk=entry.pk)
    assert (entry.status, entry.number, entry.period_id) == (st.EntryStatus.DRAFT, "", None)
    assert not entry.lines.filter(date__isnull=False).exists()


def test_an_unbalanced_manual_entry_is_refused_before_anyone_is_asked(fin):
    entry = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="", lines=[Line(fin.account(R.BANK), debit=D("500000")),
                                       Line(fin.account(R.CAPITAL), credit=D("400000"))])
    with pytest.raises(UnbalancedEntry):
        entry_post_manual(entry=entry, actor=fin.accountant)
    assert JournalEntry.objects.get(pk=entry.pk).status == st.EntryStatus.DRAFT
    assert not ApprovalRequest.objects.filter(document_id=entry.pk).exists()
