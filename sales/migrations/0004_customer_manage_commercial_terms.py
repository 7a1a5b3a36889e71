"""The permission to change the commercial terms (credit limits, price lists, payment terms, sales reps):
the Sales manager role holds it, the Sales role does not (erp.roles re-syncs the roles after migrate)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0003_order_index_for_customer_scope'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='customer',
            options={'ordering': ['code'], 'permissions': [('serve_customer', "Can work with the customer's quotations and orders"), ('approve_credit', 'Can approve orders above the credit limit'), ('override_price', 'Can change prices from the price list'), ('manage_commercial_terms', 'Can change credit limits, price lists, payment terms and sales reps')], 'verbose_name': 'customer', 'verbose_name_plural': 'customers'},
        ),
    ]
