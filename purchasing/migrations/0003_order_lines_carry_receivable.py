"""Order lines carry whether their order can receive (approved, sent, partially received), filled from
the orders' status here and kept by every status transition since (purchasing.receivers), with the
partial index the workbench's late lines are found by."""

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0017_item_lot_sizing'),
        ('purchasing', '0002_workbench_open_lines_by_date'),
    ]

    operations = [
        migrations.AddField(
            model_name='purchaseorderline',
            name='order_receivable',
            field=models.BooleanField(default=False, editable=False, verbose_name='order can receive'),
        ),
        migrations.RunSQL(
            "UPDATE purchasing_purchaseorderline l SET order_receivable = true FROM purchasing_purchaseorder o "
            "WHERE o.id = l.order_id AND o.status IN ('approved', 'sent', 'partial')",
            migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='purchaseorderline',
            index=models.Index(condition=models.Q(('order_receivable', True), ('quantity_base__gt', django.db.models.expressions.CombinedExpression(models.F('received_quantity'), '-', models.F('returned_quantity')))), fields=['expected_date', 'id'], name='purchase_line_to_receive'),
        ),
    ]
