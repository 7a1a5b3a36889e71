"""The declaration of a kind of document's screens: ``DocumentKind`` with its ``Entry`` (create and
edit), its actions (``ServiceAction``: a POST calling one service; ``LinkAction``: a GET link) and its
templates. ``kind.urls()`` gives the URL patterns of the generic views in ``erp.document_screens.views``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Model, Q, QuerySet
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from erp.document_screens import views
from erp.document_screens.columns import Column, Label
from erp.registry import Action, document_actions

if TYPE_CHECKING:
    from django import forms
    from django.forms.formsets import BaseFormSet
    from django.http import HttpRequest, QueryDict

User = Any  # a signed-in user (erp.models.User); Any for the permission mixins' sake
Guard = Callable[[User, Any], bool]
RowFilter = Callable[[QuerySet[Any], Any], QuerySet[Any]]
Message = Label | Callable[[Any, str, Any], "Label | tuple[int, Label]"]

SEARCH_LOOKUPS = ("exact", "iexact", "contains", "icontains", "startswith", "istartswith")


def no_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {}


def nothing_more(request: HttpRequest, document: Any, context: dict[str, Any]) -> dict[str, Any]:
    return {}


def same_rows(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows


def text_of(value: Any, document: Any) -> Any:
    """A label, confirm text or message given as text or as a function of the document."""
    return value(document) if callable(value) else value


@dataclass(frozen=True, kw_only=True, eq=False)
class LinkAction:
    """A button that opens another screen of the document (GET): the count sheet, the pick sheet.

    Offered to users holding ``permissions`` (default the kind's change permission) while the
    document's status is one of ``statuses`` (any if empty), ``when(document)`` holds and ``guard``
    (default the kind's) lets the user work on it. ``url_name`` is a URL name of the kind's
    namespace taking the document's pk ("count_sheet")."""

    name: str
    label: Label | Callable[[Any], Label]
    url_name: str
    statuses: tuple[str, ...] = ()
    when: Callable[[Any], bool] | None = None
    permissions: tuple[str, ...] = ()
    guard: Guard | None = None
    style: str = "outline-primary"


@dataclass(frozen=True, kw_only=True, eq=False)
class ServiceAction:
    """A status change or other write on one document: a POST to ``<segment>/<pk>/<path>/`` (URL name
    ``<key>_<name>``) that calls exactly one service, ``service(<argument>=document, actor=user, **params)``.

    Offered and allowed as a ``LinkAction`` is (``statuses``, ``when``, ``permissions``, ``guard``);
    calling it without the permission or the guard's consent is a 403. A ``DomainError`` (or one of
    ``refusals``: {exception class: message}) is shown as an error message, never a 500.
    ``success`` is the message (``%(document)s``, ``%(<key>)s`` or ``%(<argument>)s`` is the
    document's reference) or a
    function ``(document, status before, service result)`` returning the finished text, or
    ``(level, text)``.
    ``refresh``: fields read again before the message; ``redirect(document, result)``: where to go
    (default the document's page); ``button=False``: no button (a form elsewhere on the page posts it).
    ``reason=True``: the action needs a reason (voiding, 作廢): its button opens a page asking for it
    (``confirm`` is that page's question) and the service gets ``reason=``; posted without one, the
    page comes back with the message beside the field and nothing is saved.
    """

    name: str
    label: Label | Callable[[Any], Label]
    service: Callable[..., Any]
    success: Message
    statuses: tuple[str, ...] = ()
    when: Callable[[Any], bool] | None = None
    permissions: tuple[str, ...] = ()
    guard: Guard | None = None
    confirm: Label | Callable[[Any], Label] = ""
    style: str = "primary"
    path: str = ""
    params: Callable[[HttpRequest], dict[str, Any]] | None = None
    refresh: tuple[str, ...] = ()
    redirect: Callable[[Any, Any], str] | None = None
    refusals: Mapping[type[Exception], Label] = field(default_factory=lambda: MappingProxyType({}))
    button: bool = True
    reason: bool = False

    def message(self, document: Any, before: str, result: Any, names: dict[str, str]) -> tuple[int, str]:
        """(level, text) of the success message; ``names``: the document's reference by the names a
        message may use for it (see ``DocumentKind.names``)."""
        if not callable(self.success):
            return messages.SUCCESS, str(self.success) % names
        text = self.success(document, before, result)
        return (text[0], str(text[1])) if isinstance(text, tuple) else (messages.SUCCESS, str(text))


@dataclass(frozen=True, kw_only=True, eq=False)
class Entry:
    """How drafts of the kind are created and edited: a header form, a line formset (optional) and
    one save service, called as ``save(company=, actor=, lines=, <argument>=document or None, **header)``
    (without ``lines`` when there is no formset, without the document when ``edit`` is False).

    ``form_kwargs(request)``: the header form's keyword arguments (the choices it offers, the user);
    ``line_kwargs(request, data, initial lines, form kwargs)``: each line form's; ``initial(document)``:
    (header initial, lines initial) of a draft being edited; ``guard(user, header values)``: whether
    the user may save what they chose (the warehouse), otherwise 403."""

    header_form: type[forms.Form]
    save: Callable[..., Any]
    formset: type[BaseFormSet[Any]] | None = None
    form_kwargs: Callable[[HttpRequest], dict[str, Any]] = no_kwargs
    line_kwargs: Callable[[HttpRequest, QueryDict | None, list[dict[str, Any]] | None, dict[str, Any]],
                          dict[str, Any]] | None = None
    initial: Callable[[Any], tuple[dict[str, Any], list[dict[str, Any]]]] | None = None
    edit: bool = True
    guard: Callable[[User, dict[str, Any]], bool] | None = None
    max_lines: int = 1000
    empty_rows: int = 3
    saved: Label = _("%(document)s saved.")
    submit: Label = _("Save draft")


@dataclass(frozen=True)
class Templates:
    """The templates of the kind's screens; a department's extend the generic ones (blocks)."""

    list: str = "erp/documents/list.html"
    results: str = "erp/documents/_results.html"  # the part of the list htmx refreshes
    detail: str = "erp/documents/detail.html"
    form: str = "erp/documents/form.html"
    print: str = "erp/documents/print.html"


@dataclass(frozen=True, kw_only=True, eq=False)
class DocumentKind:
    """Everything the generic screens need to know about one kind of document.

    Its services take the document as ``<argument>=`` (default ``key``: ``receipt_post(receipt=…)``).
    URLs: ``<segment>/`` (list), ``<segment>/new/`` (create), ``<segment>/<pk>/`` (detail),
    ``…/edit/``, ``…/print/`` and ``…/<action>/``, named ``<namespace>:<key>_list`` and so on.
    Reads go through ``selector(user)``, the user's scoped documents (another company's or an
    unscoped document is a 404). Permissions are the model's: view for the list, detail and print,
    add for create, change for edit and (by default) the actions. ``guard(user, document)``: whether
    the user may work on this document at all (a keeper's warehouse), checked for edit and the
    actions (403 otherwise).

    The list: ``columns`` (table and export), ``filter_form`` built with ``filter_kwargs(request)``
    and applied by ``rows(user, values)`` when given (the department's selector taking the filters),
    otherwise generically: ``q`` searches ``search_fields`` (``field`` or ``field__lookup``),
    ``date_from`` / ``date_to`` bound ``document_date``, a name in ``filters`` narrows as its function
    says, any other field is an equality on the model field of that name. ``list_rows`` adds what
    the table reads (annotations, related rows), ``prepare(page rows)`` decorates the page shown;
    ``empty`` is what an empty list says.

    Detail and print: ``header_rows(document)`` [(label, value)], ``lines(document)`` (a queryset)
    shown through ``line_columns``; ``detail_context`` / ``print_context`` ``(request, document,
    context so far)`` add what a template needs besides or replace an entry (the lines printed);
    ``signatures`` are the print page's signature boxes.
    """

    namespace: str
    key: str
    segment: str
    model: type[Model]
    argument: str = ""  # the keyword the kind's services take the document by (default ``key``)
    title: Label
    title_plural: Label
    new_title: Label = ""
    selector: Callable[[User], QuerySet[Any]]
    # List and export
    columns: tuple[Column, ...] = ()
    filter_form: type[forms.Form] | None = None
    filter_kwargs: Callable[[HttpRequest], dict[str, Any]] = no_kwargs
    search_fields: tuple[str, ...] = ("number",)
    filters: Mapping[str, RowFilter] = field(default_factory=lambda: MappingProxyType({}))
    rows: Callable[[User, dict[str, Any]], QuerySet[Any]] | None = None
    list_rows: Callable[[QuerySet[Any]], QuerySet[Any]] = same_rows
    ordering: tuple[str, ...] = ("-document_date", "-pk")
    prepare: Callable[[list[Any]], None] | None = None
    export_filename: str = ""
    page_size: int = 25
    empty: Label = _("No documents.")
    # Detail and print
    header_rows: Callable[[Any], list[tuple[Label, Any]]] | None = None
    lines: Callable[[Any], QuerySet[Any]] | None = None
    line_columns: tuple[Column, ...] = ()
    paginate_lines: bool = False
    detail_context: Callable[[HttpRequest, Any, dict[str, Any]], dict[str, Any]] = nothing_more
    print_context: Callable[[HttpRequest, Any, dict[str, Any]], dict[str, Any]] = nothing_more
    signatures: tuple[Label, ...] = ()
    # Create, edit, actions
    entry: Entry | None = None
    actions: tuple[ServiceAction | LinkAction, ...] = ()
    guard: Guard | None = None
    # Screens
    templates: Templates = Templates()
    section: str = ""  # the department's navigation tab
    views: Mapping[str, type[Any]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        KINDS.setdefault(self.model, self)  # the first kind declared for a model is its screens

    # Names ---------------------------------------------------------------------------------------

    def url(self, name: str) -> str:
        """The URL name of one of the kind's screens: ``url("detail")`` -> "inventory:receipt_detail"."""
        return f"{self.namespace}:{self.key}_{name}"

    def url_of(self, name: str, document: Any) -> str:
        return reverse(self.url(name), args=[document.pk])

    @property
    def document_argument(self) -> str:
        return self.argument or self.key

    def names(self, reference: str) -> dict[str, str]:
        """What a message's placeholders may call the document: "document", the key, the argument."""
        return {"document": reference, self.key: reference, self.document_argument: reference}

    @property
    def list_url(self) -> str:
        return reverse(self.url("list"))

    def perm(self, action: str) -> str:
        """The model permission ``app_label.<action>_<model>``."""
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    @property
    def statuses(self) -> list[tuple[str, str]]:
        status: Any = self.model._meta.get_field("status")
        return list(status.choices or [])

    def service_actions(self) -> list[ServiceAction]:
        return [action for action in self.actions if isinstance(action, ServiceAction)]

    def action(self, name: str) -> ServiceAction:
        return next(action for action in self.service_actions() if action.name == name)

    # Reads -----------------------------------------------------------------------------------------

    def filtered(self, user: User, values: dict[str, Any]) -> QuerySet[Any]:
        """The user's documents narrowed by the list's filter values (see the class's description)."""
        if self.rows is not None:
            rows = self.rows(user, values)
        else:
            rows = self.selector(user)
            for name, value in values.items():
                if name in self.filters:
                    rows = self.filters[name](rows, value)
                elif name == "q":
                    rows = rows.filter(self.search(value))
                elif name == "date_from":
                    rows = rows.filter(document_date__gte=value)
                elif name == "date_to":
                    rows = rows.filter(document_date__lte=value)
                else:
                    rows = rows.filter(**{name: value})
            rows = rows.order_by(*self.ordering)
        return self.list_rows(rows)

    def search(self, text: str) -> Q:
        text = str(text).strip()
        condition = Q()
        for name in self.search_fields:
            lookup = name if name.rsplit("__", 1)[-1] in SEARCH_LOOKUPS else f"{name}__icontains"
            condition |= Q(**{lookup: text})
        return condition

    # Actions ---------------------------------------------------------------------------------------

    def offered(self, action: ServiceAction | LinkAction, user: User, document: Any,
                consents: dict[Any, bool]) -> bool:
        """Whether ``action`` is a button for ``user`` on ``document`` now (``consents`` remembers the
        guards' answers within one page)."""
        if isinstance(action, ServiceAction) and not action.button:
            return False
        if action.statuses and document.status not in action.statuses:
            return False
        if not user.has_perms(action.permissions or (self.perm("change"),)):
            return False
        if action.when is not None and not action.when(document):
            return False
        return self.consents(action, user, document, consents)

    def consents(self, action: ServiceAction | LinkAction | None, user: User, document: Any,
                 memo: dict[Any, bool] | None = None) -> bool:
        """The action's guard (or the kind's) lets ``user`` work on ``document``."""
        guard = (action.guard if action is not None else None) or self.guard
        if guard is None:
            return True
        if memo is None:
            return guard(user, document)
        if guard not in memo:
            memo[guard] = guard(user, document)
        return memo[guard]

    def button(self, action: ServiceAction | LinkAction, document: Any) -> Action:
        if isinstance(action, LinkAction):
            url = reverse(f"{self.namespace}:{action.url_name}", args=[document.pk])
            return Action(text_of(action.label, document), url, action.style, link=True)
        if action.reason:  # the page asking for the reason
            return Action(text_of(action.label, document), self.url_of(action.name, document), action.style,
                          link=True)
        return Action(text_of(action.label, document), self.url_of(action.name, document), action.style,
                      confirm=text_of(action.confirm, document))

    def edit_action(self) -> LinkAction | None:
        """The Edit link of drafts, when the kind's drafts can be edited."""
        if self.entry is None or not self.entry.edit:
            return None
        return LinkAction(name="edit", label=_("Edit"), url_name=f"{self.key}_edit",
                          when=lambda document: document.is_editable)

    def actions_for(self, user: User, document: Any) -> list[Action]:
        """The buttons of ``document``'s page for ``user``: Edit for an editable draft, the kind's
        actions its status allows, then what other apps add (erp.registry.document_actions)."""
        consents: dict[Any, bool] = {}
        declared = [self.edit_action(), *self.actions]
        buttons = [self.button(action, document) for action in declared
                   if action is not None and self.offered(action, user, document, consents)]
        return buttons + document_actions(user, document)

    # URLs ------------------------------------------------------------------------------------------

    def view(self, view_class: type[Any], *permissions: str, **initkwargs: Any) -> Callable[..., Any]:
        """A view of this kind (a ``DocumentView``) for a URL pattern, needing ``permissions``: the
        kind's generic screens and a department's own (the count sheet, the pick sheet)."""
        callback: Any = view_class.as_view(kind=self, permissions=permissions, **initkwargs)
        callback.erp_permission = permissions  # what the URL walk checks (see erp.permissions)
        return callback  # type: ignore[no-any-return]

    def urls(self) -> list[URLPattern]:
        """The URL patterns of the kind's generic screens (include them in the app's urlpatterns)."""
        def view(name: str, default: type[views.DocumentView], permissions: tuple[str, ...],
                 **initkwargs: Any) -> Callable[..., Any]:
            return self.view(self.views.get(name, default), *permissions, **initkwargs)

        root, item = f"{self.segment}/", f"{self.segment}/<int:pk>/"
        patterns = [
            path(root, view("list", views.DocumentListView, (self.perm("view"),)), name=f"{self.key}_list"),
            path(item, view("detail", views.DocumentDetailView, (self.perm("view"),)), name=f"{self.key}_detail"),
            path(f"{item}print/", view("print", views.DocumentPrintView, (self.perm("view"),)),
                 name=f"{self.key}_print"),
        ]
        if self.entry is not None:
            patterns.append(path(f"{root}new/", view("create", views.DocumentFormView, (self.perm("add"),)),
                                 name=f"{self.key}_create"))
            if self.entry.edit:
                patterns.append(path(f"{item}edit/", view("edit", views.DocumentFormView, (self.perm("change"),)),
                                     name=f"{self.key}_edit"))
        for action in self.service_actions():
            permissions = action.permissions or (self.perm("change"),)
            patterns.append(path(f"{item}{action.path or action.name}/",
                                 view(action.name, views.DocumentActionView, permissions, action=action),
                                 name=f"{self.key}_{action.name}"))
        return patterns


KINDS: dict[type[Model], DocumentKind] = {}


def kind_for(model: type[Model] | None) -> DocumentKind | None:
    """The screens of a model's documents, if it has any (declared when the app's URLs load)."""
    return KINDS.get(model) if model is not None else None


def visible_documents(user: User, model: type[Model] | None,
                      ids: Iterable[int]) -> tuple[DocumentKind, set[int]] | None:
    """The kind of ``model``'s screens and which of ``ids`` the user may open there (the view
    permission and the kind's scoped selector, as the detail page itself checks): one query."""
    kind = kind_for(model)
    if kind is None or not user.has_perm(kind.perm("view")):
        return None
    return kind, set(kind.selector(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def kinds_urls(kinds: Iterable[DocumentKind]) -> list[URLPattern]:
    """The URL patterns of several kinds."""
    return [pattern for kind in kinds for pattern in kind.urls()]
