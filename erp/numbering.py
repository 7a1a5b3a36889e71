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
    # One statement reads the company's rule (if any) and takes the next value: the first taker
    # creates the counter row, later ones increment it; the row stays locked until the document's
    # transaction ends, which serialises concurrent takers and gives the number back on rollback.
    table, rules = NumberSequence._meta.db_table, NumberingRule._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"WITH rule AS (SELECT format, prefix, yearly_reset FROM {rules} WHERE company_id = %(company)s "
            "AND doc_type = %(doc_type)s LIMIT 1) "
            f"INSERT INTO {table} (company_id, doc_type, year, last_value) VALUES (%(company)s, %(doc_type)s, "
            "coalesce((SELECT CASE WHEN yearly_reset THEN %(year)s ELSE 0 END FROM rule), %(year)s), 1) "
            f"ON CONFLICT (company_id, doc_type, year) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value, (SELECT format FROM rule), (SELECT prefix FROM rule)",
            {"company": company.pk, "doc_type": doc_type, "year": on_date.year},
        )
        value, fmt, prefix = cursor.fetchone()
    return format_number(fmt=fmt or DEFAULT_FORMAT, prefix=prefix if fmt is not None else doc_type,
                         year=on_date.year, seq=value)
