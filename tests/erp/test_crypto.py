"""Secrets encrypted at rest (erp.crypto): the column holds a Fernet token, Python the secret; keys
rotate; a token no key opens is kept, never lost; screens and the audit trail show "••••" + 4."""

import base64
import os

import pytest
from auditlog.models import LogEntry
from django import forms
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from erp import crypto
from erp.env import derived_fernet_key
from tests.sampleapp.models import SampleSecret

SECRET = "s3cr3t-app-secret-0123456789"


def new_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw_column(row):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {SampleSecret._meta.db_table} WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def test_the_column_holds_a_token_and_python_the_secret(db):
    row = SampleSecret.objects.create(name="a", secret=SECRET)

    stored = raw_column(row)
    assert SECRET not in stored and stored.startswith("gAAAAA")  # a Fernet token
    assert SampleSecret.objects.get(pk=row.pk).secret == SECRET


def test_an_empty_secret_is_stored_empty(db):
    row = SampleSecret.objects.create(name="a", secret="")

    assert raw_column(row) == ""
    assert SampleSecret.objects.get(pk=row.pk).secret == ""


def test_the_first_key_encrypts_every_key_decrypts_and_rotation_moves_tokens_to_the_first(db, settings):
    old, new = new_key(), new_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    row = SampleSecret.objects.create(name="a", secret=SECRET)
    before = raw_column(row)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert SampleSecret.objects.get(pk=row.pk).secret == SECRET
    call_command("rotate_field_keys", stdout=open(os.devnull, "w"))

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert raw_column(row) != before
    assert SampleSecret.objects.get(pk=row.pk).secret == SECRET


def test_a_token_no_key_opens_reads_empty_and_survives_a_save(db, settings):
    old = new_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    row = SampleSecret.objects.create(name="a", secret=SECRET)
    token = raw_column(row)

    settings.FIELD_ENCRYPTION_KEYS = [new_key()]  # the old key lost
    unreadable = SampleSecret.objects.get(pk=row.pk)
    assert unreadable.secret == "" and isinstance(unreadable.secret, crypto.UnreadableSecret)
    assert crypto.mask(unreadable.secret) == crypto.MASK
    unreadable.name = "renamed"
    unreadable.save()

    assert raw_column(row) == token
    settings.FIELD_ENCRYPTION_KEYS = [old]  # the key found again
    assert SampleSecret.objects.get(pk=row.pk).secret == SECRET


def test_without_a_key_of_its_own_the_key_is_derived_from_the_secret_key_and_comes_last():
    from django.conf import settings

    assert settings.FIELD_ENCRYPTION_KEYS[-1] == derived_fernet_key(settings.SECRET_KEY)
    assert derived_fernet_key("a" * 50) != derived_fernet_key("b" * 50)
    assert len(base64.urlsafe_b64decode(derived_fernet_key("a" * 50))) == 32


@pytest.mark.parametrize("value,shown", [("", ""), (None, ""), ("short", "••••"), (SECRET, "••••6789")])
def test_a_secret_is_shown_masked_with_its_last_four_characters_when_long_enough(value, shown):
    assert crypto.mask(value) == shown


class SampleSecretForm(forms.ModelForm):
    class Meta:
        model = SampleSecret
        fields = ["name", "secret"]


def test_a_model_form_never_renders_the_secret_and_blank_keeps_it(db):
    row = SampleSecret.objects.create(name="a", secret=SECRET)

    html = str(SampleSecretForm(instance=row)["secret"])
    assert SECRET not in html and 'type="password"' in html and 'placeholder="••••6789"' in html

    form = SampleSecretForm({"name": "b", "secret": ""}, instance=row)
    assert form.is_valid(), form.errors
    form.save()
    assert SampleSecret.objects.get(pk=row.pk).secret == SECRET

    form = SampleSecretForm({"name": "b", "secret": "a-new-secret-value"}, instance=row)
    assert form.is_valid()
    form.save()
    assert SampleSecret.objects.get(pk=row.pk).secret == "a-new-secret-value"


def test_the_audit_trail_records_a_secret_masked(db):
    row = SampleSecret.objects.create(name="a", secret=SECRET)
    row.secret = "another-secret-0000wxyz"
    row.save()

    entries = LogEntry.objects.get_for_object(row).order_by("pk")
    text = " ".join(str(entry.changes) for entry in entries)
    assert SECRET not in text and "another-secret" not in text
    assert "••••6789" in text and "••••wxyz" in text


def test_the_deploy_check_warns_without_a_key_of_its_own():
    with override_settings(FIELD_ENCRYPTION_KEY_SET=False):
        assert [warning.id for warning in crypto.check_field_key()] == ["erp.W001"]
    with override_settings(FIELD_ENCRYPTION_KEY_SET=True):
        assert crypto.check_field_key() == []
