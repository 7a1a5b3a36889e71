"""The header menu: each department app registers its screens here (in its AppConfig.ready);
a user sees only the entries whose permission they hold."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuEntry:
    app: str
    label: object  # lazy translated string
    url_name: str
    permission: str
    order: int = 100

    @property
    def url(self):
        return reverse(self.url_name)


MENU = []


def register_menu(entry):
    if entry not in MENU:
        MENU.append(entry)
        MENU.sort(key=lambda e: e.order)


def menu_for_user(user):
    if not user.is_authenticated:
        return []
    return [entry for entry in MENU if user.has_perm(entry.permission)]
