"""The header menu: each department app registers its screens here (in its AppConfig.ready);
a user sees only the entries whose permission they hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class MenuEntry:
    app: str
    label: StrOrPromise  # lazy translated string
    url_name: str
    permission: str
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU: list[MenuEntry] = []


def register_menu(entry: MenuEntry) -> None:
    if entry not in MENU:
        MENU.append(entry)
        MENU.sort(key=lambda e: e.order)


def menu_for_user(user: Any) -> list[MenuEntry]:
    if not user.is_authenticated:
        return []
    return [entry for entry in MENU if user.has_perm(entry.permission)]
