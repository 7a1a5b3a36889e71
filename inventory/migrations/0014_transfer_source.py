"""Transfers made for another document's shortage name that document (issue 11)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('inventory', '0013_document_void_reason'),
    ]

    operations = [
        migrations.AddField(
            model_name='stocktransfer',
            name='source_id',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, verbose_name='source document id'),
        ),
        migrations.AddField(
            model_name='stocktransfer',
            name='source_reference',
            field=models.CharField(blank=True, editable=False, max_length=60, verbose_name='source document'),
        ),
        migrations.AddField(
            model_name='stocktransfer',
            name='source_type',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='source document type'),
        ),
        migrations.AddIndex(
            model_name='stocktransfer',
            index=models.Index(fields=['source_type', 'source_id'], name='transfer_by_source'),
        ),
    ]
