"""API tokens kept hashed (erp.models.ApiToken) in place of rest_framework.authtoken's plaintext keys,
"sign out everywhere" (User.session_generation), and the access log's new kinds (lockout, token
issued, signed out everywhere).

On a database that had rest_framework.authtoken, its tokens are carried over hashed (their keys, 40
hex characters, keep working until they end) and its table, migration records and permissions are
removed: no plaintext key is left behind."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def hash_plaintext_tokens(apps, schema_editor):
    """Each authtoken_token row becomes an ApiToken with the SHA-256 of its key; the tokens get a
    full idle window and absolute lifetime from now, so integrations keep working after the upgrade."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            "INSERT INTO erp_apitoken (user_id, key_digest, prefix, created, last_used, expires_at) "
            "SELECT user_id, encode(sha256(convert_to(key, 'UTF8')), 'hex'), left(key, 8), created, now(), "
            "now() + make_interval(days => %s) FROM authtoken_token",
            [settings.API_TOKEN_MAX_DAYS],
        )
        cursor.execute("DROP TABLE authtoken_token")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")
    # Its permissions (given to roles by erp.roles) go with its content type.
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('erp', '0007_outbox_source_id_integer'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='session_generation',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='session generation'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='kind',
            field=models.CharField(choices=[('login', 'Login'), ('logout', 'Logout'), ('login_failed', 'Failed login'), ('denied', 'Permission denied'), ('export', 'Export'), ('locked_out', 'Locked out'), ('token_issued', 'API token issued'), ('signed_out_all', 'Signed out everywhere')], db_index=True, max_length=20, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_digest', models.CharField(editable=False, max_length=64, unique=True, verbose_name='key digest')),
                ('prefix', models.CharField(editable=False, max_length=8, verbose_name='prefix')),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                ('last_used', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
                ('expires_at', models.DateTimeField(editable=False, verbose_name='expires at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created'],
            },
        ),
        migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop),
    ]
