"""`manage.py wecom_fake_setup --api-base http://127.0.0.1:8025`: point every active company's WeCom at the
fake server (office.wecom.fake) for trying WeCom locally; `WECOM_FAKE=1 make run` runs it. Refuses any
address but the loopback's, so it can never aim a real company at something else.

Each company gets a corp ID of its own (wwfake + its id), so the fake knows whose card a person taps on
its page; ``--write-config`` writes each company's callback URL, token and EncodingAESKey to a file
(mode 600) the fake reads to post those taps to the ERP's callback."""

import base64
import json
import os
import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from erp.models import Company, User
from office.models import WeComIdentity, WeComRobot, WeComSettings
from office.services.wecom import robot_save, wecom_settings_save

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FAKE_AGENT_ID = 1000002


def fake_corp_id(company: Company) -> str:
    return f"wwfake{company.pk:012d}"


def random_aes_key() -> str:
    """A 43-character EncodingAESKey (Base64 of 32 bytes without the "=")."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def random_token() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))


def callback_url(site: str, company: Company) -> str:
    try:
        return site.rstrip("/") + reverse("office:wecom_callback", args=[company.pk])
    except NoReverseMatch:  # no callback endpoint: the fake's buttons say so
        return ""


class Command(BaseCommand):
    help = "Point every active company's WeCom settings and a group robot at the fake WeCom server (loopback only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--api-base", required=True, help="the fake server's address, http://127.0.0.1:PORT")
        parser.add_argument("--map-users", action="store_true",
                            help="give every user without a WeCom user ID their username as one")
        parser.add_argument("--site", default="http://127.0.0.1:8000", help="the ERP's address, for the callback")
        parser.add_argument("--write-config", metavar="PATH",
                            help="write each company's callback URL, token and key for the fake's card buttons")

    def handle(self, *args: Any, api_base: str, map_users: bool = False, site: str = "http://127.0.0.1:8000",
               write_config: str | None = None, **options: Any) -> None:
        if urlsplit(api_base).hostname not in LOOPBACK:
            raise CommandError("the fake server listens on the loopback only (http://127.0.0.1:PORT)")
        config = []
        for company in Company.objects.filter(is_active=True).order_by("pk"):
            current = WeComSettings.objects.filter(company=company).first()
            keep = current is not None and current.callback_token and current.encoding_aes_key
            wecom = wecom_settings_save(
                company=company, actor=None, corp_id=fake_corp_id(company), agent_id=FAKE_AGENT_ID,
                app_secret=secrets.token_urlsafe(24), enabled=True, api_base=api_base,
                **({} if keep else {"callback_token": random_token(), "encoding_aes_key": random_aes_key()}))
            config.append({"company": company.code, "corp_id": wecom.corp_id, "agent_id": wecom.agent_id,
                           "token": wecom.callback_token, "encoding_aes_key": wecom.encoding_aes_key,
                           "callback_url": callback_url(site, company)})
            if not WeComRobot.objects.filter(company=company).exists():
                robot_save(company=company, actor=None, name="Fake WeCom group",
                           webhook_key=f"fake-{secrets.token_hex(16)}")
            mapped = self.map_users(company) if map_users else 0
            self.stdout.write(f"{company.code}: WeCom → {api_base} (users mapped: {mapped})")
        if write_config:
            descriptor = os.open(write_config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"companies": config}, file, ensure_ascii=False, indent=1)

    def map_users(self, company: Company) -> int:
        mapped = 0
        taken = set(WeComIdentity.objects.filter(company=company).values_list("wecom_userid", flat=True))
        for user in User.objects.filter(company=company, is_active=True, wecom_identity__isnull=True):
            if user.username.lower() not in taken:
                WeComIdentity.objects.create(company=company, user=user, wecom_userid=user.username.lower())
                mapped += 1
        return mapped
