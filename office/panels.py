"""What the task inbox contributes to other pages (registered in OfficeConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from office.selectors import inbox_for_user

HOME_INBOX_ROWS = 10


def home_inbox(request: HttpRequest) -> dict[str, Any]:
    """The home page's inbox box: the newest tasks waiting for the user."""
    return {"tasks": inbox_for_user(request.user).select_related("created_by")[:HOME_INBOX_ROWS]}
