"""The delivery note's remaining fields, its source document as a generic reference among them.

Rewritten in December 2026: the first version of this migration gave delivery notes foreign keys to
``sales.SalesOrder`` / ``SalesOrderLine`` and so made inventory's migrations depend on sales, an app above
inventory. Databases that applied that version keep it (the name is the same) and are converted by
0008_delivery_source_from_sales_order; new databases get the generic reference here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0004_deliverynoteline_deliverynote'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='deliverynote',
            name='source_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='source document type'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='source_id',
            field=models.PositiveBigIntegerField(verbose_name='source document id'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='source_reference',
            field=models.CharField(max_length=60, verbose_name='source document'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='customer_code',
            field=models.CharField(blank=True, max_length=32, verbose_name='customer code'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='customer_tax_id',
            field=models.CharField(blank=True, max_length=20, verbose_name='tax id'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='customer_reference',
            field=models.CharField(blank=True, max_length=100, verbose_name='customer reference'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='due_date',
            field=models.DateField(blank=True, null=True, verbose_name='promised date'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='updated_by',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by'),
        ),
        migrations.AddField(
            model_name='deliverynote',
            name='warehouse',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.warehouse', verbose_name='warehouse'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='document',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='inventory.deliverynote'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.item', verbose_name='item'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='location',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.location', verbose_name='location'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='lot',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.lot', verbose_name='lot'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='source_line_id',
            field=models.PositiveBigIntegerField(verbose_name='source line id'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='source_line_no',
            field=models.PositiveIntegerField(default=0, verbose_name='line'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='description',
            field=models.CharField(blank=True, max_length=300, verbose_name='description'),
        ),
        migrations.AddField(
            model_name='deliverynoteline',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.unitofmeasure', verbose_name='unit'),
        ),
        migrations.AddIndex(
            model_name='deliverynote',
            index=models.Index(fields=['company', 'status', '-created_at'], name='delivery_by_status'),
        ),
        migrations.AddIndex(
            model_name='deliverynote',
            index=models.Index(fields=['source_type', 'source_id'], name='delivery_by_source'),
        ),
        migrations.AddConstraint(
            model_name='deliverynote',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('company', 'number'), name='inventory_deliverynote_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='deliverynoteline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 0), ('picked__gte', 0)), name='delivery_line_quantities_not_negative'),
        ),
    ]
