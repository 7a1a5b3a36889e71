"""`manage.py wecom_fake_setup --api-base http://127.0.0.1:8025 [--map-users] [--callback-base URL]`: point
every active company's WeCom at the fake server (office.wecom.fake) for trying WeCom locally;
`WECOM_FAKE=1 make run` runs it. Refuses any address but the loopback's, so it can never aim a real
company at something else.

- Each company gets the fake corp, a fresh app secret, a callback token and EncodingAESKey (kept when it
  has them) and a group robot.
- ``--map-users``: every active user without a WeCom user ID gets their username as one, through
  ``office.services.wecom_identities.wecom_identities_map`` (its rules: an id taken in any case, a name
  that is no WeCom id, a superuser — only a superuser maps one — are skipped and counted).
- ``--callback-base http://127.0.0.1:8000``: registers each company's app with the fake (``POST
  /fake/configure``): its callback URL (``<base>/office/wecom/callback/<company id>/``), token,
  EncodingAESKey, corp id, secret and mapped WeCom user ids, so the fake's index page can tap approval
  cards and its sign-in pages list the members."""

import json
import secrets
import string
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from erp.models import Company, User
from office.models import WeComIdentity, WeComRobot, WeComSettings
from office.services.wecom import robot_save, wecom_settings_save
from office.services.wecom_identities import mapping_problems, wecom_identities_map

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FAKE_CORP_ID = "wwfake000000000001"
FAKE_AGENT_ID = 1000002


def random_aes_key() -> str:
    """A 43-character EncodingAESKey (Base64 of 32 bytes without the "=")."""
    import base64

    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def map_usernames(company: Company) -> tuple[int, int]:
    """Map each active user of ``company`` without a WeCom user ID to their username (lower case), as the
    system (no actor); (mapped, skipped)."""
    users = User.objects.filter(company=company, is_active=True, wecom_identity__isnull=True).order_by("pk")
    mapping = {user: user.username.lower() for user in users}
    refused = {problem.user.pk for problem in mapping_problems(company=company, mapping=mapping, actor=None)}
    mapping = {user: userid for user, userid in mapping.items() if user.pk not in refused}
    if mapping:
        wecom_identities_map(company=company, mapping=mapping, actor=None)
    return len(mapping), len(refused)


def register_app(api_base: str, wecom: WeComSettings, callback_base: str) -> None:
    """Tell the fake where the company's callbacks go and with which token and key (``/fake/configure``)."""
    users = sorted(WeComIdentity.objects.filter(company=wecom.company).values_list("wecom_userid", flat=True))
    data = {"callback_url": callback_base.rstrip("/") + reverse("office:wecom_callback", args=[wecom.company_id]),
            "token": wecom.callback_token, "encoding_aes_key": wecom.encoding_aes_key, "corp_id": wecom.corp_id,
            "corp_secret": wecom.app_secret, "agent_id": wecom.agent_id, "users": users}
    request = urllib.request.Request(f"{api_base.rstrip('/')}/fake/configure", data=json.dumps(data).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        answer = json.loads(response.read())
    if answer.get("errcode") != 0:
        raise CommandError(f"the fake refused the app: {answer.get('errmsg')}")


class Command(BaseCommand):
    help = "Point every active company's WeCom settings and a group robot at the fake WeCom server (loopback only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--api-base", required=True, help="the fake server's address, http://127.0.0.1:PORT")
        parser.add_argument("--map-users", action="store_true",
                            help="give every user without a WeCom user ID their username as one")
        parser.add_argument("--callback-base", default="",
                            help="this site's address (http://127.0.0.1:8000): register the callback with the fake")

    def handle(self, *args: Any, api_base: str, map_users: bool = False, callback_base: str = "",
               **options: Any) -> None:
        if urlsplit(api_base).hostname not in LOOPBACK:
            raise CommandError("the fake server listens on the loopback only (http://127.0.0.1:PORT)")
        for company in Company.objects.filter(is_active=True).order_by("pk"):
            current = WeComSettings.objects.filter(company=company).first()
            token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))
            complete = current is not None and current.callback_token and current.encoding_aes_key
            wecom = wecom_settings_save(company=company, actor=None, corp_id=FAKE_CORP_ID, agent_id=FAKE_AGENT_ID,
                                        app_secret=secrets.token_urlsafe(24), enabled=True, api_base=api_base,
                                        **({} if complete else {
                                            "callback_token": token, "encoding_aes_key": random_aes_key()}))
            if not WeComRobot.objects.filter(company=company).exists():
                robot_save(company=company, actor=None, name="Fake WeCom group",
                           webhook_key=f"fake-{secrets.token_hex(16)}")
            mapped, skipped = map_usernames(company) if map_users else (0, 0)
            registered = ""
            if callback_base:
                try:
                    register_app(api_base, WeComSettings.objects.get(pk=wecom.pk), callback_base)
                    registered = ", callback registered with the fake"
                except (OSError, ValueError) as error:
                    self.stderr.write(f"{company.code}: the fake could not be told the callback: {error}")
            self.stdout.write(f"{company.code}: WeCom → {api_base} (users mapped: {mapped}, skipped: {skipped})"
                              f"{registered}")
