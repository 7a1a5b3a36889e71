"""Journal entries (傳票) as a ``DocumentKind`` (erp.document_screens): the list with its filters,
export and the link to each entry's source document, the entry's page (lines with account, debit,
credit, partner and description, totals, reversal links both ways), the manual entry (header and
balanced lines, saved as a draft by ``entry_save``), and the actions: post a draft, reverse a posted
entry on a date asked for, delete a draft.

Reads go through finance.selectors; every write is one call to finance.services.ledger."""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from erp.document_screens import (
    MONEY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    LinkAction,
    ServiceAction,
    Templates,
    date_column,
    number_column,
    status_column,
)
from erp.document_screens.kinds import kind_for, visible_documents
from erp.document_screens.views import DocumentActionView, DocumentFormView, DocumentListView
from erp.errors import DomainError
from erp.models import Restricted
from erp.scoping import restrict
from finance import selectors
from finance import status as st
from finance.forms.entries import EntryFilterForm, EntryHeaderForm, EntryLineFormSet, ReverseForm
from finance.models import JournalEntry, JournalLine
from finance.services import ledger as services

ZERO = Decimal("0")
DRAFT, POSTED = st.EntryStatus.DRAFT, st.EntryStatus.POSTED


def entry_rows(user: Any, values: dict[str, Any]) -> QuerySet[JournalEntry]:
    return selectors.entry_list_for_user(
        user, journal=values.get("journal"), status=values.get("status") or None, date_from=values.get("date_from"),
        date_to=values.get("date_to"), search=values.get("q") or "")


def source_urls(user: Any, entries: list[JournalEntry]) -> None:
    """Each entry's ``source_url``: its source document's page when the user may open it (one query per
    kind of source on the page), otherwise empty (the reference stays text)."""
    ids_by_type: dict[int, set[int]] = {}
    for entry in entries:
        if user is not None and entry.source_type_id and entry.source_id:
            ids_by_type.setdefault(entry.source_type_id, set()).add(entry.source_id)
    urls: dict[tuple[int, int], str] = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if kind_for(model) is not None:  # a document with screens: its page, if the user may open it there
            visible = visible_documents(user, model, ids)
            if visible is not None:
                kind, openable = visible
                urls.update({(type_id, pk): reverse(kind.url("detail"), args=[pk]) for pk in openable})
        elif (model is not None and issubclass(model, Restricted) and hasattr(model, "get_absolute_url")
              and user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")):
            for source in restrict(model._default_manager.filter(pk__in=ids), user):
                urls[(type_id, source.pk)] = source.get_absolute_url()
    for entry in entries:
        entry.source_url = urls.get((entry.source_type_id or 0, entry.source_id or 0), "")


# The list's user, for ``prepare`` (which the generic list calls with the page's entries only).
_viewer: ContextVar[Any] = ContextVar("finance_entry_list_viewer", default=None)


def prepare(entries: list[JournalEntry]) -> None:
    source_urls(_viewer.get(), entries)


class EntryListView(DocumentListView):
    """The generic list; each entry's source reference links to its document where the user may open it."""

    def get(self, request: HttpRequest) -> HttpResponse:
        token = _viewer.set(request.user)
        try:
            return super().get(request)
        finally:
            _viewer.reset(token)


def source_cell(entry: JournalEntry) -> Cell:
    return Cell(entry.source_reference or None, url=getattr(entry, "source_url", ""))


def money(value: Decimal) -> Cell:
    return Cell(value, num=True, fmt=MONEY)


COLUMNS = (
    number_column(), date_column(),
    Column(_l("Journal"), lambda e: e.journal.code, display=lambda e: f"{e.journal.code} {e.journal.name}"),
    Column(_l("Memo"), lambda e: e.memo),
    Column(_l("Source"), lambda e: e.source_reference, display=source_cell),
    Column(_l("Total"), lambda e: e.total, display=lambda e: money(e.total), numeric=True),
    status_column(),
)


def partner(line: JournalLine) -> str:
    if line.customer_id:
        return f"{line.customer.code} {line.customer.name}"
    if line.supplier_id:
        return f"{line.supplier.code} {line.supplier.name}"
    return ""


def amount_cell(value: Decimal) -> Cell:
    return Cell(value or None, num=True, fmt=MONEY)


LINE_COLUMNS = (
    Column(_l("Account code"), lambda line: line.account.code,
           display=lambda line: Cell(line.account.code, url=line.account.get_absolute_url())),
    Column(pgettext_lazy("ledger", "Account"), lambda line: line.account.display_name),
    Column(pgettext_lazy("ledger", "Debit"), lambda line: line.debit, display=lambda line: amount_cell(line.debit),
           numeric=True),
    Column(pgettext_lazy("ledger", "Credit"), lambda line: line.credit,
           display=lambda line: amount_cell(line.credit), numeric=True),
    Column(_l("Partner"), partner),
    Column(_l("Description"), lambda line: line.description),
)


def reversal_of(entry: JournalEntry) -> JournalEntry | None:
    try:
        return entry.reversed_by
    except JournalEntry.DoesNotExist:
        return None


def header_rows(entry: JournalEntry) -> list[tuple[Any, Any]]:
    """The header; the source, its link and the reversal links follow in the template (they need the user)."""
    rows: list[tuple[Any, Any]] = [
        (_("Journal"), f"{entry.journal.code} {entry.journal.name}"), (_("Date"), entry.document_date),
        (_("Period"), entry.period or ""), (_("Memo"), entry.memo),
    ]
    if entry.closing:
        rows.append((_("Year-end closing"), _("Yes")))
    if entry.posted_at:
        rows += [(_("Posted by"), entry.posted_by or ""), (_("Posted at"), entry.posted_at)]
    return rows


def detail_context(request: HttpRequest, entry: JournalEntry, context: dict[str, Any]) -> dict[str, Any]:
    lines = context.get("lines", [])
    source_urls(request.user, [entry])
    return {"total_debit": sum((line.debit for line in lines), ZERO),
            "total_credit": sum((line.credit for line in lines), ZERO),
            "source_url": entry.source_url, "reverses": entry.reverses if entry.reverses_id else None,
            "reversal": reversal_of(entry)}


def entries_for_user(user: Any) -> QuerySet[JournalEntry]:
    return selectors.entries_for_user(user).select_related("reverses", "posted_by", "reversed_by")


def form_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user}


def entry_initial(entry: JournalEntry) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {"journal": entry.journal_id, "document_date": entry.document_date, "memo": entry.memo}
    lines = [{"account": line.account, "debit": line.debit or None, "credit": line.credit or None,
              "description": line.description} for line in selectors.entry_lines(entry)]
    return header, lines


class ReverseView(DocumentActionView):
    """Reverse a posted entry: GET asks for the reversal's date (today by default), POST posts the
    reversing entry through ``entry_reverse`` and opens it; a refusal is shown on the page."""

    template = "finance/entries/reverse.html"

    def page(self, document: JournalEntry, form: ReverseForm, status: int = 200) -> HttpResponse:
        context = self.base_context(document=document, form=form, detail_url=self.kind.url_of("detail", document))
        return render(self.request, self.template, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_document(pk)
        if document.status != POSTED or not reversible(document):
            messages.error(request, _("%(document)s cannot be reversed.") % {"document": document.reference})
            return redirect(self.kind.url("detail"), pk=pk)
        return self.page(document, ReverseForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_document(pk)
        form = ReverseForm(request.POST)
        if not form.is_valid():
            return self.page(document, form, status=400)
        try:
            reversal = services.entry_reverse(entry=document, actor=self.user, date=form.cleaned_data["date"],
                                              memo=form.cleaned_data["memo"])
        except DomainError as error:
            if error.field in ("document_date", "date"):
                form.add_error("date", str(error.message))
            else:
                form.add_error(None, str(error.message))
            return self.page(document, form, status=400)
        messages.success(request, _("%(document)s is reversed by %(reversal)s.") % {
            "document": document.reference, "reversal": reversal.reference})
        return redirect(self.kind.url("detail"), pk=reversal.pk)


class EntryFormView(DocumentFormView):
    """The generic entry; the line's account code field offers the postable accounts' codes."""

    def extra_context(self, document: Any, header: Any, formset: Any, data: Any) -> dict[str, Any]:
        return {"account_choices": selectors.accounts_for_user(self.user).filter(is_group=False, is_active=True)}


def reversible(entry: JournalEntry) -> bool:
    return not entry.closing and entry.reverses_id is None and reversal_of(entry) is None


ENTRIES = DocumentKind(
    namespace="finance", key="entry", segment="entries", model=JournalEntry,
    title=_l("Journal entry"), title_plural=_l("Journal entries"), new_title=_l("New journal entry"),
    selector=entries_for_user, filter_form=EntryFilterForm, filter_kwargs=form_kwargs, rows=entry_rows,
    columns=COLUMNS, prepare=prepare, export_filename="journal_entries", empty=_l("No journal entries."),
    header_rows=header_rows, lines=selectors.entry_lines, line_columns=LINE_COLUMNS, detail_context=detail_context,
    signatures=(_l("Prepared by"), _l("Reviewed by"), _l("Approved by")),
    entry=Entry(header_form=EntryHeaderForm, formset=EntryLineFormSet, save=services.entry_save,
                form_kwargs=form_kwargs, initial=entry_initial, max_lines=500, empty_rows=4),
    actions=(
        ServiceAction(name="post", label=_l("Post"), service=services.entry_post_manual, statuses=(DRAFT,),
                      confirm=_l("Post this entry? It takes its number and can no longer be changed, only "
                                 "reversed."),
                      success=lambda e, before, posted: _("%(document)s posted.") % {"document": posted.reference}),
        LinkAction(name="reverse_page", label=_l("Reverse"), url_name="entry_reverse", statuses=(POSTED,),
                   when=reversible, style="outline-warning"),
        ServiceAction(name="reverse", label=_l("Reverse"), service=services.entry_reverse, statuses=(POSTED,),
                      when=reversible, button=False, success=_l("%(document)s reversed.")),
        ServiceAction(name="delete", label=_l("Delete draft"), service=services.entry_delete_draft,
                      statuses=(DRAFT,), permissions=("finance.delete_journalentry",), style="outline-danger",
                      confirm=_l("Delete this draft entry?"), success=_l("%(document)s deleted."),
                      redirect=lambda e, result: reverse("finance:entry_list")),
    ),
    section="entries",
    templates=Templates(list="finance/entries/list.html", detail="finance/entries/detail.html",
                        form="finance/entries/form.html"),
    views={"list": EntryListView, "create": EntryFormView, "edit": EntryFormView, "reverse": ReverseView},
)
