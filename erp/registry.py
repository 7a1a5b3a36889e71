"""How department apps plug into the core without the core knowing them.

Each registry is a list filled from the apps' ``AppConfig.ready()`` (the menu lives next door in
``erp.navigation``). The core reads the registries; it never imports a department. Adding a
department therefore adds registrations in that department, never an edit of the core.

- ``register_demo_loader``: a step of ``manage.py bootstrap --demo``, run in ``order``.
- ``register_company_seed``: master data every company needs (units, reasons…), run by ``bootstrap``
  for existing companies; new companies get theirs from the app's own ``post_save`` receiver.
- ``register_home_panel``: a box on the home page (a department's tiles, the task inbox).
- ``register_header_item``: an item in the page header (the inbox badge).
- ``register_document_panel``: a section another app adds to a document's page (the delivery notes
  of a sales order, the tasks about any document…), contributed by the app that owns what it shows.
- ``register_document_action``: a button another app adds to a document's page ("Return goods" on a
  posted delivery note, contributed by sales).
- ``register_related_documents``: the documents that belong with a document (a sales order's delivery
  notes and returns), for the sections that show what concerns a document and its family (the tasks).
- ``register_task_screen``: the screen a task of a kind opens on its document, instead of the
  document's page ("pick and ship" opens the pick sheet).
- ``register_login_option``: another way to sign in, offered on the login page below the password form
  ("Sign in with WeCom").
- ``register_profile_section``: a section of the user's own profile page (the notification
  preferences).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from erp.models import Company, User

    AnyUser = User | AnonymousUser

Context = dict[str, Any]


def _add(registry: list[Any], entry: Any) -> None:
    """Append ``entry`` once (``ready()`` may run twice in tests) and keep the registry in order."""
    if entry not in registry:
        registry.append(entry)
        registry.sort(key=lambda e: (e.order, e.app))


# Demo data and master-data seeds ------------------------------------------------------------


@dataclass(frozen=True)
class DemoLoader:
    app: str
    order: int
    load: Callable[[Company, dict[str, User]], int]  # (demo company, demo users by username) -> rows created


@dataclass(frozen=True)
class CompanySeed:
    app: str
    order: int
    seed: Callable[[Company], int]  # -> rows created; idempotent


DEMO_LOADERS: list[DemoLoader] = []
COMPANY_SEEDS: list[CompanySeed] = []


def register_demo_loader(app: str, load: Callable[[Company, dict[str, User]], int], *, order: int) -> None:
    _add(DEMO_LOADERS, DemoLoader(app, order, load))


def register_company_seed(app: str, seed: Callable[[Company], int], *, order: int = 100) -> None:
    _add(COMPANY_SEEDS, CompanySeed(app, order, seed))


# Pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePanel:
    """A box on the home page: ``template`` rendered with what ``context(request)`` returns (None: not
    shown); ``wide`` boxes (a department's tiles) run across the top, the others fill the main column."""

    app: str
    order: int
    template: str
    permission: str
    context: Callable[[HttpRequest], Context | None]
    wide: bool = False


@dataclass(frozen=True)
class HeaderItem:
    """An item of the page header's right-hand menu, rendered with the page's context."""

    app: str
    order: int
    template: str
    permission: str


@dataclass(frozen=True)
class DocumentPanel:
    """A section on the page of another app's document.

    ``models`` are "app_label.model_name" labels, or ``("*",)`` for every document. ``context(user,
    document)`` returns the template's context, or None when there is nothing to show (the section is
    then left out). ``live``: the section is part of the page's self-refreshing part where it has one.
    """

    app: str
    order: int
    template: str
    permission: str
    context: Callable[[Any, Model], Context | None]
    models: tuple[str, ...] = ("*",)
    live: bool = True


@dataclass(frozen=True)
class Action:
    """A button of a document's page: a POST form, or a GET link (``link``) such as Edit."""

    label: Any
    url: str
    style: str = "primary"
    confirm: Any = ""
    link: bool = False


@dataclass(frozen=True)
class DocumentAction:
    """A button another app adds to a document's page: shown to users holding ``permission`` when
    ``action(user, document)`` returns one (None: not for this document, e.g. not posted yet)."""

    app: str
    order: int
    permission: str
    action: Callable[[Any, Model], Action | None]
    models: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class LoginOption:
    """Another way to sign in, on the login page: ``template`` rendered with what ``context(request)``
    returns (None: not offered, e.g. no company has set it up)."""

    app: str
    order: int
    template: str
    context: Callable[[HttpRequest], Context | None]


@dataclass
class RenderedPanel:
    panel: DocumentPanel | HomePanel | LoginOption | ProfileSection
    context: Context = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.panel.template


@dataclass(frozen=True)
class RelatedDocuments:
    """``related(document)``: querysets of the documents that belong with ``document`` (lazy: a section
    can use them as subqueries)."""

    app: str
    order: int
    related: Callable[[Model], Iterable[QuerySet[Any]]]
    models: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class TaskScreen:
    """A task of ``kind`` opens ``url_name`` (with the document's id) for users holding ``permission``."""

    app: str
    order: int
    kind: str
    url_name: str
    permission: str


@dataclass(frozen=True)
class ProfileSection:
    """A section of the user's profile page: ``template`` rendered with what ``context(request)``
    returns (None: not shown), for users holding ``permission``."""

    app: str
    order: int
    template: str
    permission: str
    context: Callable[[HttpRequest], Context | None]


TASK_SCREENS: list[TaskScreen] = []
PROFILE_SECTIONS: list[ProfileSection] = []
HOME_PANELS: list[HomePanel] = []
RELATED_DOCUMENTS: list[RelatedDocuments] = []
DOCUMENT_ACTIONS: list[DocumentAction] = []
HEADER_ITEMS: list[HeaderItem] = []
DOCUMENT_PANELS: list[DocumentPanel] = []
LOGIN_OPTIONS: list[LoginOption] = []


def register_home_panel(app: str, template: str, context: Callable[[HttpRequest], Context | None], *,
                        permission: str, order: int = 100, wide: bool = False) -> None:
    _add(HOME_PANELS, HomePanel(app, order, template, permission, context, wide))


def register_header_item(app: str, template: str, *, permission: str, order: int = 100) -> None:
    _add(HEADER_ITEMS, HeaderItem(app, order, template, permission))


def register_document_panel(app: str, template: str, context: Callable[[Any, Model], Context | None], *,
                            permission: str, models: Iterable[str] = ("*",), order: int = 100,
                            live: bool = True) -> None:
    _add(DOCUMENT_PANELS, DocumentPanel(app, order, template, permission, context, tuple(models), live))


def register_document_action(app: str, action: Callable[[Any, Model], Action | None], *, permission: str,
                             models: Iterable[str] = ("*",), order: int = 100) -> None:
    _add(DOCUMENT_ACTIONS, DocumentAction(app, order, permission, action, tuple(models)))


def register_related_documents(app: str, related: Callable[[Model], Iterable[QuerySet[Any]]], *,
                               models: Iterable[str] = ("*",), order: int = 100) -> None:
    _add(RELATED_DOCUMENTS, RelatedDocuments(app, order, related, tuple(models)))


def register_task_screen(app: str, kind: str, url_name: str, *, permission: str, order: int = 100) -> None:
    _add(TASK_SCREENS, TaskScreen(app, order, kind, url_name, permission))


def register_login_option(app: str, template: str, context: Callable[[HttpRequest], Context | None], *,
                          order: int = 100) -> None:
    _add(LOGIN_OPTIONS, LoginOption(app, order, template, context))


def login_options(request: HttpRequest) -> list[RenderedPanel]:
    """The other ways to sign in the login page offers, with their contexts."""
    shown = []
    for option in LOGIN_OPTIONS:
        context = option.context(request)
        if context is not None:
            shown.append(RenderedPanel(option, context))
    return shown
def register_profile_section(app: str, template: str, context: Callable[[HttpRequest], Context | None], *,
                             permission: str, order: int = 100) -> None:
    _add(PROFILE_SECTIONS, ProfileSection(app, order, template, permission, context))


def profile_sections(request: HttpRequest) -> list[RenderedPanel]:
    """The profile page's sections the user may see, with their contexts."""
    return _shown(PROFILE_SECTIONS, request)


def task_screen(kind: str) -> TaskScreen | None:
    return next((screen for screen in TASK_SCREENS if screen.kind == kind), None)


def home_panels(request: HttpRequest) -> list[RenderedPanel]:
    """The home page's boxes the user may see, with their contexts."""
    return _shown(HOME_PANELS, request)


def _shown(entries: Iterable[HomePanel | ProfileSection], request: HttpRequest) -> list[RenderedPanel]:
    """The ``entries`` the user holds the permission of and whose context is not None, with it."""
    shown = []
    for entry in entries:
        if request.user.has_perm(entry.permission):
            context = entry.context(request)
            if context is not None:
                shown.append(RenderedPanel(entry, context))
    return shown


def header_items(user: AnyUser) -> list[HeaderItem]:
    if not user.is_authenticated:
        return []
    return [item for item in HEADER_ITEMS if user.has_perm(item.permission)]


def model_label(model: type[Model] | Model) -> str:
    meta = model._meta
    return f"{meta.app_label}.{meta.model_name}"


def document_panels(user: Any, document: Model, *, live: bool | None = None) -> list[RenderedPanel]:
    """The sections other apps add to ``document``'s page for ``user`` (``live``: only the
    self-refreshing ones, or only the others), in their registered order."""
    label = model_label(document)
    shown = []
    for panel in DOCUMENT_PANELS:
        if live is not None and panel.live != live:
            continue
        if "*" not in panel.models and label not in panel.models:
            continue
        if not user.has_perm(panel.permission):
            continue
        context = panel.context(user, document)
        if context is not None:
            shown.append(RenderedPanel(panel, context))
    return shown


def document_actions(user: Any, document: Model) -> list[Action]:
    """The buttons other apps add to ``document``'s page for ``user``."""
    label = model_label(document)
    actions = []
    for entry in DOCUMENT_ACTIONS:
        if ("*" in entry.models or label in entry.models) and user.has_perm(entry.permission):
            action = entry.action(user, document)
            if action is not None:
                actions.append(action)
    return actions


def related_documents(document: Model) -> list[QuerySet[Any]]:
    """The querysets of the documents other apps say belong with ``document`` (its delivery notes…)."""
    label = model_label(document)
    return [rows for entry in RELATED_DOCUMENTS if "*" in entry.models or label in entry.models
            for rows in entry.related(document)]
