from django.db import migrations, models

# The lines already posted, counted into the lowest slot row of their account, period and closing flag
# (readers sum the slots; the postings from now on add to their own slot).
BACKFILL = """
UPDATE finance_accountbalance b SET line_count = c.n
FROM (SELECT l.account_id, e.period_id, l.closing, count(*) AS n
      FROM finance_journalline l JOIN finance_journalentry e ON e.id = l.entry_id
      WHERE e.status = 'posted' GROUP BY l.account_id, e.period_id, l.closing) c,
     (SELECT account_id, period_id, closing, min(slot) AS slot FROM finance_accountbalance
      GROUP BY account_id, period_id, closing) m
WHERE b.account_id = c.account_id AND b.period_id = c.period_id AND b.closing = c.closing
  AND m.account_id = b.account_id AND m.period_id = b.period_id AND m.closing = b.closing AND b.slot = m.slot
"""


class Migration(migrations.Migration):
    """Balance rows count their lines: an account's ledger gets its page count from them, as the
    reports get their sums, instead of counting every line of a busy account."""

    dependencies = [
        ("finance", "0006_role_account_adjustment_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountbalance",
            name="line_count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
