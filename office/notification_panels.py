"""What notifications and announcements contribute to other pages (registered in
OfficeConfig.ready): the home page's unread announcements, and the notification preferences on the
user's profile page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from office.selectors.notifications import preference_grid, unread_announcements

HOME_ANNOUNCEMENTS = 5


def home_announcements(request: HttpRequest) -> dict[str, Any] | None:
    """The live announcements the user has not opened yet, newest first (none: the box is left out)."""
    unread = unread_announcements(request.user)
    shown = list(unread[:HOME_ANNOUNCEMENTS])
    if not shown:
        return None
    count = len(shown) if len(shown) < HOME_ANNOUNCEMENTS else unread.count()
    return {"announcements": shown, "unread_announcements": count}


def profile_preferences(request: HttpRequest) -> dict[str, Any]:
    """The grid of kinds × channels on the user's profile."""
    channels, rows = preference_grid(request.user)
    return {"preference_channels": channels, "preference_rows": rows}
