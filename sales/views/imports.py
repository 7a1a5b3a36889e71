"""Imports screens of the sales master data: customers and prices, as inventory's imports work.

Upload a CSV/XLSX file, preview every row with its errors, then commit all or nothing. The pending
upload is kept by ``inventory.views.imports`` (a file under a random token remembered in the uploader's
session, so only they can preview or commit it); the upload form, the preview's filters and the commit
are the same, only the kinds (``sales.imports.KINDS``), URLs and templates are the sales ones.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required, user_company
from inventory.views.imports import (
    PAGE_SIZE,
    XLSX,
    ImportUploadForm,
    forget_upload,
    load_upload,
    no_company,
    store_upload,
)
from sales import imports
from sales.imports import KINDS, ImportFileError, ImportRejected

# URL segment of each kind.
SEGMENTS = {"customers": "customers", "prices": "prices"}


def url(kind, step="", token=None):
    name = f"sales:import_{kind.key}" + (f"_{step}" if step else "")
    return reverse(name, args=[token] if token else [])


def allowed_kinds(user):
    return [kind for kind in KINDS.values() if user.has_perm(kind.permission)]


def kind_links(user):
    return [{"kind": kind, "url": url(kind), "template_url": url(kind, "template")} for kind in allowed_kinds(user)]


def reload_table(request, kind, token):
    """The pending upload read again, or a redirect to the upload page with a message."""
    loaded = load_upload(request, kind, token)
    if loaded is None:
        messages.error(request, _("This upload is no longer available: upload the file again."))
        return None, redirect(url(kind))
    data, filename = loaded
    try:
        return imports.read_table(data, filename, kind), None
    except ImportFileError as error:
        forget_upload(request, token)
        messages.error(request, error.message)
        return None, redirect(url(kind))


@permission_required("sales.view_customer")
def import_index(request):
    """The kinds of import the user may run, each with its template."""
    return render(request, "sales/imports/index.html", {"kinds": kind_links(request.user)})


def upload(request, kind):
    kind = KINDS[kind]
    form = ImportUploadForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        token = store_upload(request, kind, form.data_bytes, form.cleaned_data["file"].name)
        return redirect(url(kind, "preview", token))
    return render(request, "sales/imports/upload.html", {
        "kind": kind, "form": form, "kinds": kind_links(request.user), "template_url": url(kind, "template"),
        "columns": kind.columns,
    })


def template_download(request, kind):
    kind = KINDS[kind]
    response = HttpResponse(imports.template_workbook(kind, get_language()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{SEGMENTS[kind.key]}.xlsx"'
    return response


def preview(request, kind, token):
    kind = KINDS[kind]
    company = user_company(request.user)
    if company is None:
        return no_company(request)
    table, refusal = reload_table(request, kind, token)
    if refusal:
        return refusal
    result = imports.validate(kind, table, company=company, user=request.user)
    show = request.GET.get("show")
    if show not in ("all", "errors"):
        show = "all" if result.ok else "errors"
    search = request.GET.get("q", "").strip()
    rows = result.rows if show == "all" else result.error_rows
    if search:
        needle = search.casefold()
        rows = [row for row in rows if any(needle in str(cell).casefold() for cell in row.cells(kind.columns))]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [
        {"number": row.number, "cells": row.cells(kind.columns), "errors": [str(e) for e in row.errors],
         "notes": row.notes}
        for row in page.object_list
    ]
    columns = [{"key": c.key, "label": c.label, "header": table.headers.get(c.key, "")} for c in kind.columns]
    return render(request, "sales/imports/preview.html", {
        "kind": kind, "result": result, "table": table, "page": page, "columns": columns, "show": show,
        "search": search, "row_count": len(result.rows), "error_row_count": result.error_row_count,
        "error_count": len(result.errors), "commit_url": url(kind, "commit", token), "upload_url": url(kind),
        "kinds": kind_links(request.user),
    })


@require_POST
def commit(request, kind, token):
    kind = KINDS[kind]
    company = user_company(request.user)
    if company is None:
        return no_company(request)
    table, refusal = reload_table(request, kind, token)
    if refusal:
        return refusal
    try:
        count = imports.commit(kind, table, company=company, user=request.user)
    except ImportRejected as rejection:
        messages.error(request, rejection.message)
        return redirect(url(kind, "preview", token) + "?show=errors")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url(kind, "preview", token))
    forget_upload(request, token)
    messages.success(request, kind.done_message % {"count": count})
    return redirect(url(kind))


def guarded(view, kind):
    """``view`` for one kind, behind that kind's permission (the URL walk sees the requirement)."""

    def for_kind(request, *args, **kwargs):
        return view(request, kind, *args, **kwargs)

    for_kind.__name__ = for_kind.__qualname__ = f"{view.__name__}_{kind}"
    for_kind.__doc__ = view.__doc__
    return permission_required(KINDS[kind].permission)(for_kind)
