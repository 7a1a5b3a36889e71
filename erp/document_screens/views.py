"""The generic document screens: list, detail, create/edit, print and action views of a
``DocumentKind`` (NetBox's generic object views are the model).

They are thin: they read through the kind's selector (the user's scope: anything else is a 404),
call exactly one service, and render. A service's refusal (``DomainError``, ``ValidationError``)
becomes a message beside the field it names or above the page, never a 500, and nothing is
half-saved (the service runs in one transaction). A department replaces a view by subclassing it
(``DocumentKind.views``) or adds its own screens next to these, reusing ``DocumentView`` for the
permission, the scoped read and the guard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from erp.document_screens.columns import ListRow, headers, line_rows, shown
from erp.document_screens.columns import export_columns as export_columns_of
from erp.document_screens.forms import VoidForm
from erp.errors import DomainError, ImmutableDocument
from erp.exports import export_response
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import user_company
from erp.registry import document_panels

if TYPE_CHECKING:
    from django import forms
    from django.forms.formsets import BaseFormSet

    from erp.document_screens.kinds import DocumentKind, Entry, ServiceAction

EXPORT_FORMATS = ("xlsx", "csv")


def text_of(value: Any, document: Any) -> Any:
    """A label or question given as text or as a function of the document."""
    return value(document) if callable(value) else value


def export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("export", "")
    return fmt if fmt in EXPORT_FORMATS else None


def filter_values(form: forms.Form | None) -> dict[str, Any]:
    """The valid filters of a bound filter form; a wrong one is shown with its error and ignored."""
    if form is None or not form.is_bound:
        return {}
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "", False)}


def paginate(request: HttpRequest, rows: Any, per_page: int) -> Page[Any]:
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def wants_results(request: HttpRequest) -> bool:
    """htmx asks for the results part of a list only (after a filter change)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and htmx.target == "results")


def with_added_line(data: QueryDict, max_lines: int, prefix: str = "lines") -> QueryDict:
    """The posted form with one more (empty) row, up to ``max_lines``."""
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, max_lines))
    return data


class DocumentView(View):
    """The common part of every document screen: a signed-in user holding ``permissions`` (else the
    login page or a 403), the kind, the scoped read and the guard."""

    kind: DocumentKind = None  # type: ignore[assignment]  # given to as_view() by DocumentKind.urls()
    permissions: tuple[str, ...] = ()
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not request.user.has_perms(self.permissions):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def user(self) -> Any:
        return self.request.user

    def get_document(self, pk: int) -> Any:
        """The document, if the user's scope holds it; a 404 otherwise (another company's, another
        keeper's warehouse, another rep's customer)."""
        return get_object_or_404(self.kind.selector(self.user), pk=pk)

    def check_guard(self, document: Any, action: ServiceAction | None = None) -> None:
        if not self.kind.consents(action, self.user, document):
            raise PermissionDenied

    def base_context(self, **context: Any) -> dict[str, Any]:
        return {"kind": self.kind, "section": self.kind.section, **context}

    def header_rows(self, document: Any) -> list[tuple[Any, Any]]:
        """The kind's header rows, dates and times in the user's format."""
        if self.kind.header_rows is None:
            return []
        return [(label, shown(value)) for label, value in self.kind.header_rows(document)]


class DocumentListView(DocumentView):
    """The filtered, paginated list; ``?export=xlsx|csv`` exports what it shows (all pages); an htmx
    request targeting ``#results`` gets only the results part."""

    def get(self, request: HttpRequest) -> HttpResponse:
        kind = self.kind
        filters = kind.filter_form(request.GET or None, **kind.filter_kwargs(request)) if kind.filter_form else None
        rows = kind.filtered(self.user, filter_values(filters))
        if fmt := export_format(request):
            response: HttpResponse = export_response(request, rows=rows, columns=export_columns_of(kind.columns),
                                                     filename=kind.export_filename or kind.segment, fmt=fmt)
            return response
        page = paginate(request, rows, kind.page_size)
        documents: list[Any] = list(page.object_list)
        if kind.prepare is not None:
            kind.prepare(documents)
        listed = [column for column in kind.columns if column.listed]
        table = []
        for document in documents:
            document.detail_url = kind.url_of("detail", document)
            table.append(ListRow(document, document.detail_url, [column.cell(document) for column in listed]))
        create_url = self.create_url()
        context = self.base_context(
            filters=filters, page=page, rows=table, headers=headers(listed), create_url=create_url,
            can_add=bool(create_url) and self.user.has_perm(kind.perm("add")),
        )
        template = kind.templates.results if wants_results(request) else kind.templates.list
        return render(request, template, context)

    def create_url(self) -> str:
        """The kind's create screen (the generic one, or a department's named ``<key>_create``), if any."""
        try:
            return reverse(self.kind.url("create"))
        except NoReverseMatch:
            return ""


class DocumentDetailView(DocumentView):
    """The document's page: header, lines, the actions its status allows, the panels other apps add
    (erp.registry.document_panels) and the history (erp.history)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_document(pk)
        return render(request, self.kind.templates.detail, self.get_context(document))

    def get_context(self, document: Any) -> dict[str, Any]:
        kind = self.kind
        context = self.base_context(
            document=document, header_rows=self.header_rows(document),
            line_headers=headers(kind.line_columns), actions=kind.actions_for(self.user, document),
            print_url=kind.url_of("print", document), panels=self.panels(document),
            history=history_for(document, user=self.user),
        )
        if kind.lines is not None:
            lines = kind.lines(document)
            if kind.paginate_lines:
                context["page"] = paginate(self.request, lines, kind.page_size)
                lines = context["page"].object_list
            context["lines"] = list(lines)
            context["rows"] = line_rows(kind.line_columns, context["lines"])
        context.update(kind.detail_context(self.request, document, context))
        return context

    def panels(self, document: Any) -> list[Any]:
        return document_panels(self.user, document)


class DocumentPrintView(DocumentView):
    """The printable page (A4): company, header, lines and signature boxes."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        kind = self.kind
        document = self.get_document(pk)
        lines = list(kind.lines(document)) if kind.lines is not None else []
        context = self.base_context(
            document=document, company=document.company,
            header_rows=self.header_rows(document),
            line_headers=headers(kind.line_columns), lines=lines, rows=line_rows(kind.line_columns, lines),
            signatures=kind.signatures,
        )
        context.update(kind.print_context(request, document, context))
        return render(request, kind.templates.print, context)


class DocumentActionView(DocumentView):
    """POST: the action's one service on the document, then back to a page with a message. An action
    that needs a reason (voiding) also answers GET with the page asking for it (``VoidForm``)."""

    http_method_names = ["get", "post"]
    action: Any = None
    reason_template = "erp/documents/void.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.action.reason:
            return self.http_method_not_allowed(request)
        document = self.get_document(pk)
        self.check_guard(document, self.action)
        if not self.kind.offered(self.action, self.user, document, {}):
            messages.error(request, str(_("%(document)s cannot be voided now.") % {"document": document.reference}))
            return redirect(self.kind.url("detail"), pk=pk)
        return self.reason_page(document, VoidForm())

    def reason_page(self, document: Any, form: VoidForm, status: int = 200) -> HttpResponse:
        action = self.action
        context = self.base_context(document=document, form=form, action_label=text_of(action.label, document),
                                    question=text_of(action.confirm, document),
                                    detail_url=self.kind.url_of("detail", document))
        return render(self.request, self.reason_template, context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        kind, action = self.kind, self.action
        document = self.get_document(pk)
        self.check_guard(document, action)
        before, reference = document.status, document.reference
        params = action.params(request) if action.params is not None else {}
        form = None
        if action.reason:
            form = VoidForm(request.POST)
            if not form.is_valid():
                return self.reason_page(document, form, status=400)
            params["reason"] = form.cleaned_data["reason"]
        try:
            result = action.service(**{kind.document_argument: document, "actor": self.user, **params})
        except DomainError as exc:
            if form is not None and exc.field == "reason":
                form.add_error("reason", str(exc.message))
                return self.reason_page(document, form, status=400)
            messages.error(request, str(exc.message))
            return redirect(kind.url("detail"), pk=pk)
        except tuple(action.refusals) as exc:
            text = next(text for error, text in action.refusals.items() if isinstance(exc, error))
            messages.error(request, str(text) % kind.names(document.reference))
            return redirect(kind.url("detail"), pk=pk)
        if action.refresh:
            document.refresh_from_db(fields=list(action.refresh))
        if document.pk is not None:  # not deleted: its number may have been taken
            reference = document.reference
        messages.add_message(request, *action.message(document, before, result, kind.names(reference)))
        if action.redirect is not None:
            return redirect(action.redirect(document, result))
        return redirect(kind.url("detail"), pk=pk)


class DocumentFormView(DocumentView):
    """Create a draft (no pk) or edit one: the header form and the line formset, saved by the kind's
    one save service. "Add line" posts the form back with one more row and saves nothing."""

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    @property
    def entry(self) -> Entry:
        assert self.kind.entry is not None  # urls() routes here only for kinds with an entry
        return self.kind.entry

    def handle(self, pk: int | None) -> HttpResponse:
        kind, entry, request = self.kind, self.entry, self.request
        document = None
        if pk is not None:
            document = self.get_document(pk)
            self.check_guard(document)
            if not document.is_editable:
                messages.error(request, str(ImmutableDocument.default_message))
                return redirect(kind.url("detail"), pk=document.pk)
        data: QueryDict | None = request.POST if request.method == "POST" else None
        # "Add line" and a changed header choice the lines depend on (refresh_lines: a warehouse and
        # its locations) show the form again and save nothing.
        adding = data is not None and ("add_line" in data or "refresh_lines" in data)
        if data is not None and "add_line" in data:
            data = with_added_line(data, entry.max_lines)
        form_kwargs = entry.form_kwargs(request)
        header_initial, lines_initial = self.initial(document, data)
        header = entry.header_form(data, initial=header_initial, **form_kwargs)
        formset = self.get_formset(data, lines_initial, form_kwargs)
        errors: list[str] = []
        if data is not None and not adding:
            valid = [header.is_valid(), formset is None or formset.is_valid()]
            if all(valid):
                if entry.guard is not None and not entry.guard(self.user, header.cleaned_data):
                    raise PermissionDenied
                try:
                    saved = self.save(document, header, formset)
                except (DomainError, ValidationError) as exc:
                    show_error(exc, header, errors)
                else:
                    messages.success(request, str(entry.saved) % {"document": saved.reference})
                    return redirect(kind.url("detail"), pk=saved.pk)
            if formset is not None:
                errors += [str(error) for error in formset.non_form_errors()]
        context = self.base_context(
            document=document, form=header, formset=formset, errors=errors,
            line_headers=[f.label for f in formset.empty_form.visible_fields() if f.name != "DELETE"]
            if formset is not None else [],
            cancel_url=kind.url_of("detail", document) if document is not None else kind.list_url,
        )
        context.update(self.extra_context(document, header, formset, data))
        return render(request, kind.templates.form, context)

    def initial(self, document: Any, data: QueryDict | None) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        """The draft's header values, and its lines when the form is shown (not when posted)."""
        if document is None:
            return {}, None
        entry = self.entry
        if entry.initial is not None:
            header, lines = entry.initial(document)
        else:
            header = {name: getattr(document, name) for name in entry.header_form.base_fields}
            lines = []
        return header, (lines if data is None else None)

    def get_formset(self, data: QueryDict | None, initial: list[dict[str, Any]] | None,
                    form_kwargs: dict[str, Any]) -> BaseFormSet[Any] | None:
        entry = self.entry
        formset: Any = entry.formset
        if formset is None:
            return None
        line_kwargs = (entry.line_kwargs(self.request, data, initial, form_kwargs) if entry.line_kwargs is not None
                       else form_kwargs)
        options: dict[str, Any] = {"prefix": "lines", "form_kwargs": line_kwargs}
        if data is None:
            return formset(initial=initial, extra=1 if initial else entry.empty_rows, **options)  # type: ignore[no-any-return]
        return formset(data, **options)  # type: ignore[no-any-return]

    def save(self, document: Any, header: forms.Form, formset: BaseFormSet[Any] | None) -> Any:
        """The one service call: ``save(company=, actor=, [lines=], [<key>=document], **header values)``."""
        entry, kind = self.entry, self.kind
        values: dict[str, Any] = {"company": user_company(self.user), "actor": self.user, **header.cleaned_data}
        if formset is not None:
            values["lines"] = formset.lines()  # type: ignore[attr-defined]
        if entry.edit:
            values[kind.document_argument] = document
        return entry.save(**values)

    def extra_context(self, document: Any, header: forms.Form, formset: BaseFormSet[Any] | None,
                      data: QueryDict | None) -> dict[str, Any]:
        """What a department's form template needs besides (totals as you type…)."""
        return {}
