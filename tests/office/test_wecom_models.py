"""A company's WeCom settings and robots: secrets encrypted in the database, the EncodingAESKey
checked as WeCom makes it, an enabled app complete."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from office.models import WeComRobot, WeComSettings
from office.models.wecom import validate_encoding_aes_key

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the official documentation's sample


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_secrets_are_encrypted_in_the_database(company):
    settings = WeComSettings.objects.create(company=company, corp_id="wwcorp", agent_id=1000002,
                                            app_secret="app-secret-value-0001", callback_token="QDG6eK",
                                            encoding_aes_key=AES_KEY, enabled=True)
    robot = WeComRobot.objects.create(company=company, name="業務群",
                                      webhook_key="693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")

    table = WeComSettings._meta.db_table
    for column, value in [("app_secret", "app-secret-value-0001"), ("callback_token", "QDG6eK"),
                          ("encoding_aes_key", AES_KEY)]:
        stored = raw(table, column, settings.pk)
        assert value not in stored and stored.startswith("gAAAAA")
    assert "693a91f6" not in raw(WeComRobot._meta.db_table, "webhook_key", robot.pk)
    again = WeComSettings.objects.get(pk=settings.pk)
    assert (again.app_secret, again.callback_token, again.encoding_aes_key) == ("app-secret-value-0001", "QDG6eK",
                                                                                 AES_KEY)


@pytest.mark.parametrize("key", [AES_KEY[:42], AES_KEY + "=", AES_KEY[:42] + "=", AES_KEY[:42] + "!", "x" * 44])
def test_an_encoding_aes_key_is_43_characters_of_base64_without_the_equals_sign(key):
    with pytest.raises(ValidationError):
        validate_encoding_aes_key(key)


def test_the_sample_encoding_aes_key_is_valid():
    validate_encoding_aes_key(AES_KEY)


def test_enabled_settings_need_the_corp_the_agent_and_the_secret(company):
    settings = WeComSettings(company=company, enabled=True)

    with pytest.raises(ValidationError) as refusal:
        settings.full_clean()
    assert set(refusal.value.message_dict) >= {"corp_id", "agent_id", "app_secret"}
    with pytest.raises(IntegrityError), transaction.atomic():
        settings.save()  # the database's check holds too


def test_the_api_address_defaults_to_wecoms(company, settings):
    assert WeComSettings(company=company).api_base == "https://qyapi.weixin.qq.com"
