"""Imports screens: upload a CSV/XLSX file, preview every row with its errors, then commit.

Each kind (units of measure, items, opening balances) has its own pages guarded by its own permission:
the upload form, the downloadable XLSX template, the preview and the commit. The uploaded file waits
between preview and commit in ``MEDIA_ROOT/imports/<user id>-<random token>.<ext>``; the token is
remembered in the uploader's session, so only they can preview or commit it. The commit re-reads and
re-validates the file and imports it in one transaction (``inventory.imports.commit``).
"""

import os
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required, user_company
from inventory import imports
from inventory.imports import KINDS, ImportFileError, ImportRejected

PAGE_SIZE = 25
SESSION_KEY = "inventory_imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_SECONDS = 24 * 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# URL segment of each kind.
SEGMENTS = {"units": "units", "items": "items", "opening": "opening-balances"}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel .xlsx; the first row holds the column headers. "
                               "At most 5 MB and 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.data_bytes = b""

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB: split it into smaller files.")
                % {"limit": imports.MAX_BYTES // (1024 * 1024)}
            )
        data = uploaded.read()
        try:
            imports.read_table(data, uploaded.name, self.kind)
        except ImportFileError as error:
            raise forms.ValidationError(str(error.message)) from None
        self.data_bytes = data
        return uploaded


# URLs and the pending uploads ---------------------------------------------------------------


def url(kind, step="", token=None):
    name = f"inventory:import_{kind.key}" + (f"_{step}" if step else "")
    return reverse(name, args=[token] if token else [])


def upload_dir():
    return Path(settings.MEDIA_ROOT) / "imports"


def pending_uploads(request):
    return request.session.get(SESSION_KEY, {})


def file_path(request, token, extension):
    return upload_dir() / f"{request.user.pk}-{token}.{extension}"


def store_upload(request, kind, data, filename):
    """Save the file under a random token remembered in the session; drops the user's previous
    upload of the same kind and files older than a day."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_files(directory)
    pending = dict(pending_uploads(request))
    for old_token, entry in list(pending.items()):
        if entry.get("kind") == kind.key or time.time() - entry.get("created", 0) > STALE_SECONDS:
            discard_file(request, old_token, entry)
            pending.pop(old_token)
    token = secrets.token_urlsafe(24)
    extension = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    descriptor = os.open(file_path(request, token, extension), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    pending[token] = {"kind": kind.key, "filename": os.path.basename(filename)[:200], "ext": extension,
                      "user": request.user.pk, "created": time.time()}
    request.session[SESSION_KEY] = pending
    return token


def remove_stale_files(directory):
    cutoff = time.time() - STALE_SECONDS
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass


def discard_file(request, token, entry):
    try:
        os.unlink(file_path(request, token, entry.get("ext", "csv")))
    except OSError:
        pass


def load_upload(request, kind, token):
    """(bytes, filename) of the user's pending upload, or None when it is unknown or gone."""
    if not TOKEN_RE.match(token or ""):
        return None
    entry = pending_uploads(request).get(token)
    if not entry or entry.get("kind") != kind.key or entry.get("user") != request.user.pk:
        return None
    try:
        return file_path(request, token, entry["ext"]).read_bytes(), entry["filename"]
    except OSError:
        return None


def forget_upload(request, token):
    pending = dict(pending_uploads(request))
    entry = pending.pop(token, None)
    if entry:
        discard_file(request, token, entry)
    request.session[SESSION_KEY] = pending


def allowed_kinds(user):
    return [kind for kind in KINDS.values() if user.has_perm(kind.permission)]


def kind_links(user):
    return [{"kind": kind, "url": url(kind), "template_url": url(kind, "template")} for kind in allowed_kinds(user)]


def no_company(request):
    messages.error(request, _("Your user account is not attached to a company."))
    return redirect("home")


def reload_table(request, kind, token):
    """The pending upload read again, or a redirect to the upload page with a message."""
    loaded = load_upload(request, kind, token)
    if loaded is None:
        messages.error(request, _("This upload is no longer available: upload the file again."))
        return None, redirect(url(kind))
    data, filename = loaded
    try:
        return imports.read_table(data, filename, kind.key), None
    except ImportFileError as error:
        forget_upload(request, token)
        messages.error(request, error.message)
        return None, redirect(url(kind))


# Views ----------------------------------------------------------------------------------------


@permission_required("inventory.view_item")
def import_index(request):
    """The kinds of import the user may run, each with its template."""
    return render(request, "inventory/imports/index.html", {"kinds": kind_links(request.user)})


def upload(request, kind):
    kind = KINDS[kind]
    form = ImportUploadForm(request.POST or None, request.FILES or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        token = store_upload(request, kind, form.data_bytes, form.cleaned_data["file"].name)
        return redirect(url(kind, "preview", token))
    return render(request, "inventory/imports/upload.html", {
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
    return render(request, "inventory/imports/preview.html", {
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
