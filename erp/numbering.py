"""Gapless document numbers: one locked counter row per company, document type and year.

The counter is incremented inside the document's own transaction, so a rollback gives the number
back and a committed number is never skipped; the row lock serialises concurrent takers.
"""

from django.db import transaction
from django.db.models import F

from erp.models import NumberingRule, NumberSequence

DEFAULT_FORMAT = "{prefix}-{year}-{seq:06d}"


def format_number(*, fmt, prefix, year, seq):
    return fmt.format(prefix=prefix, year=year, seq=seq)


def take_number(*, company, doc_type, on_date):
    """Return the next number for ``doc_type``; must run inside the document's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number() must run inside the transaction that saves the document")
    rule = NumberingRule.objects.filter(company=company, doc_type=doc_type).first()
    fmt = rule.format if rule else DEFAULT_FORMAT
    prefix = rule.prefix if rule else doc_type
    year = on_date.year if (rule is None or rule.yearly_reset) else 0
    # INSERT … ON CONFLICT DO NOTHING: the first taker creates the row without racing the others.
    NumberSequence.objects.bulk_create(
        [NumberSequence(company=company, doc_type=doc_type, year=year)], ignore_conflicts=True
    )
    sequence = NumberSequence.objects.select_for_update().get(company=company, doc_type=doc_type, year=year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    return format_number(fmt=fmt, prefix=prefix, year=on_date.year, seq=sequence.last_value + 1)
