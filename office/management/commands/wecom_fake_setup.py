"""`manage.py wecom_fake_setup --api-base http://127.0.0.1:8025`: point every active company's WeCom at the
fake server (office.wecom.fake) for trying WeCom locally; `WECOM_FAKE=1 make run` runs it. Refuses any
address but the loopback's, so it can never aim a real company at something else."""

import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from erp.models import Company, User
from office.models import WeComIdentity, WeComRobot, WeComSettings
from office.services.wecom import robot_save, wecom_settings_save

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FAKE_CORP_ID = "wwfake000000000001"
FAKE_AGENT_ID = 1000002


def random_aes_key() -> str:
    """A 43-character EncodingAESKey (Base64 of 32 bytes without the "=")."""
    import base64

    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


class Command(BaseCommand):
    help = "Point every active company's WeCom settings and a group robot at the fake WeCom server (loopback only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--api-base", required=True, help="the fake server's address, http://127.0.0.1:PORT")
        parser.add_argument("--map-users", action="store_true",
                            help="give every user without a WeCom user ID their username as one")

    def handle(self, *args: Any, api_base: str, map_users: bool = False, **options: Any) -> None:
        if urlsplit(api_base).hostname not in LOOPBACK:
            raise CommandError("the fake server listens on the loopback only (http://127.0.0.1:PORT)")
        for company in Company.objects.filter(is_active=True).order_by("pk"):
            current = WeComSettings.objects.filter(company=company).first()
            token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))
            wecom_settings_save(company=company, actor=None, corp_id=FAKE_CORP_ID, agent_id=FAKE_AGENT_ID,
                                app_secret=secrets.token_urlsafe(24), enabled=True, api_base=api_base,
                                **({} if current and current.callback_token else {
                                    "callback_token": token, "encoding_aes_key": random_aes_key()}))
            if not WeComRobot.objects.filter(company=company).exists():
                robot_save(company=company, actor=None, name="Fake WeCom group",
                           webhook_key=f"fake-{secrets.token_hex(16)}")
            mapped = 0
            if map_users:
                taken = set(WeComIdentity.objects.filter(company=company).values_list("wecom_userid", flat=True))
                for user in User.objects.filter(company=company, is_active=True, wecom_identity__isnull=True):
                    if user.username.lower() not in taken:
                        WeComIdentity.objects.create(company=company, user=user, wecom_userid=user.username.lower())
                        mapped += 1
            self.stdout.write(f"{company.code}: WeCom → {api_base} (users mapped: {mapped})")
