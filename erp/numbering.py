"""Gapless document numbers: one locked counter row per company, document type and year.

The counter is incremented inside the document's own transaction, so a rollback gives the number
back and a committed number is never skipped; the row lock serialises concurrent takers.
"""

from django.db import transaction

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
    # One statement takes the next value: the first taker creates the row, later ones increment it;
    # the row stays locked until the document's transaction ends, which serialises concurrent takers
    # and gives the number back on rollback.
    table = NumberSequence._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (company_id, doc_type, year, last_value) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (company_id, doc_type, year) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [company.pk, doc_type, year],
        )
        (value,) = cursor.fetchone()
    return format_number(fmt=fmt, prefix=prefix, year=on_date.year, seq=value)
