import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sampleapp", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SampleOrderLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("item", models.CharField(max_length=40)),
                ("quantity", models.DecimalField(decimal_places=4, max_digits=20)),
                ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lines",
                                               to="sampleapp.sampleorder")),
            ],
            options={"ordering": ["pk"]},
        ),
    ]
