"""A rep's order list counts their orders from an index alone: ``order_by_customer`` (customer,
status) becomes ``order_by_customer_scope`` (customer, status, company), so ``customer_id IN (…) AND
company_id = …`` (erp.scoping) is an index-only scan. Built concurrently: writes to the orders go on
while it is made on a large table."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sales", "0002_prepare_delivery_subscriber"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="salesorder",
            index=models.Index(fields=["customer", "status", "company"], name="order_by_customer_scope"),
        ),
        RemoveIndexConcurrently(
            model_name="salesorder",
            name="order_by_customer",
        ),
    ]
