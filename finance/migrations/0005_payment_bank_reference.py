from django.db import migrations, models


class Migration(migrations.Migration):
    """Payment.reference hid the documents' ``reference`` property (the number): it is the bank's."""

    dependencies = [
        ("finance", "0004_period_closing"),
    ]

    operations = [
        migrations.RenameField(model_name="payment", old_name="reference", new_name="bank_reference"),
        migrations.AlterField(
            model_name="payment",
            name="bank_reference",
            field=models.CharField(blank=True, help_text="The bank's transaction reference or the cheque number.",
                                   max_length=100, verbose_name="bank reference"),
        ),
    ]
