"""Imports screens shared by the apps: upload a CSV/XLSX file, preview every row with its errors, then commit.

An app describes its screens with one ``ImportScreens``: its imports module (the ``engine``, e.g.
``inventory.imports`` or ``sales.imports``: ``KINDS``, ``read_table``, ``validate``, ``commit``,
``template_workbook``, ``MAX_BYTES``, ``ImportFileError``, ``ImportRejected``), its URL namespace, the URL
segment of each kind, the index's name and permission, its title and introduction and the app's nav
include. ``ImportScreens.urls()`` gives the URL patterns; each kind's pages (the upload form, the
downloadable XLSX template, the preview and the commit) are guarded by that kind's permission
(``Kind.permission``), the index by the app's.

The uploaded file waits between preview and commit in ``MEDIA_ROOT/imports/<user id>-<random token>.<ext>``;
the token is remembered in the uploader's session, so only they can preview or commit it. The commit
re-reads and re-validates the file and imports it in one transaction (``engine.commit``).
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
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.permissions import permission_required, user_company

PAGE_SIZE = 25
# The name dates from when only inventory had imports; kept so that pending uploads survive an upgrade.
SESSION_KEY = "inventory_imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_SECONDS = 24 * 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel .xlsx; the first row holds the column headers. "
                               "At most 5 MB and 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, kind, engine, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.engine = engine
        self.data_bytes = b""

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > self.engine.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB: split it into smaller files.")
                % {"limit": self.engine.MAX_BYTES // (1024 * 1024)}
            )
        data = uploaded.read()
        try:
            self.engine.read_table(data, uploaded.name, self.kind)
        except self.engine.ImportFileError as error:
            raise forms.ValidationError(str(error.message)) from None
        self.data_bytes = data
        return uploaded


# The pending uploads --------------------------------------------------------------------------


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


def no_company(request):
    messages.error(request, _("Your user account is not attached to a company."))
    return redirect("home")


def preview_rows(request, kind, result):
    """The preview's filters (``show``: all rows or those with errors; ``q``: a search) and its page."""
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
    return {"show": show, "search": search, "page": page}


# The screens ----------------------------------------------------------------------------------


class ImportScreens:
    """One app's imports screens. ``segments`` maps each kind's key to its URL segment, in the order
    the kinds are offered; URL names are ``<namespace>:<index_name>`` and
    ``<namespace>:import_<kind>[_template|_preview|_commit]``."""

    def __init__(self, *, engine, namespace, segments, index_permission, title, intro,
                 index_name="import_index", nav_template=None):
        self.engine = engine
        self.namespace = namespace
        self.segments = segments
        self.index_permission = index_permission
        self.index_name = index_name
        self.title = title
        self.intro = intro
        self.nav_template = nav_template

    @property
    def kinds(self):
        return {key: self.engine.KINDS[key] for key in self.segments}

    def url(self, kind, step="", token=None):
        name = f"{self.namespace}:import_{kind.key}" + (f"_{step}" if step else "")
        return reverse(name, args=[token] if token else [])

    def kind_links(self, user):
        return [{"kind": kind, "url": self.url(kind), "template_url": self.url(kind, "template")}
                for kind in self.kinds.values() if user.has_perm(kind.permission)]

    def render(self, request, page, context):
        return render(request, f"erp/imports/{page}.html", {
            "title": self.title, "intro": self.intro, "nav_template": self.nav_template,
            "kinds": self.kind_links(request.user), **context,
        })

    def pending_table(self, request, kind, token):
        """(company, table, None): the user's company and their pending upload read again; or
        (None, None, refusal): a redirect with a message when either is missing or the file is unreadable."""
        company = user_company(request.user)
        if company is None:
            return None, None, no_company(request)
        loaded = load_upload(request, kind, token)
        if loaded is None:
            messages.error(request, _("This upload is no longer available: upload the file again."))
            return None, None, redirect(self.url(kind))
        data, filename = loaded
        try:
            return company, self.engine.read_table(data, filename, kind), None
        except self.engine.ImportFileError as error:
            forget_upload(request, token)
            messages.error(request, error.message)
            return None, None, redirect(self.url(kind))

    # Views: ``kind`` is the Kind, bound by ``urls()``.

    def index(self, request):
        """The kinds of import the user may run, each with its template."""
        return self.render(request, "index", {})

    def upload(self, request, kind):
        form = ImportUploadForm(request.POST or None, request.FILES or None, kind=kind, engine=self.engine)
        if request.method == "POST" and form.is_valid():
            token = store_upload(request, kind, form.data_bytes, form.cleaned_data["file"].name)
            return redirect(self.url(kind, "preview", token))
        return self.render(request, "upload", {
            "kind": kind, "form": form, "template_url": self.url(kind, "template"), "columns": kind.columns,
        })

    def template_download(self, request, kind):
        response = HttpResponse(self.engine.template_workbook(kind, get_language()), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="import-{self.segments[kind.key]}.xlsx"'
        return response

    def preview(self, request, kind, token):
        company, table, refusal = self.pending_table(request, kind, token)
        if refusal:
            return refusal
        result = self.engine.validate(kind, table, company=company, user=request.user)
        columns = [{"key": c.key, "label": c.label, "header": table.headers.get(c.key, "")} for c in kind.columns]
        return self.render(request, "preview", {
            "kind": kind, "result": result, "table": table, "columns": columns, "row_count": len(result.rows),
            "error_row_count": result.error_row_count, "error_count": len(result.errors),
            "commit_url": self.url(kind, "commit", token), "upload_url": self.url(kind),
            **preview_rows(request, kind, result),
        })

    def commit(self, request, kind, token):
        company, table, refusal = self.pending_table(request, kind, token)
        if refusal:
            return refusal
        try:
            count = self.engine.commit(kind, table, company=company, user=request.user)
        except self.engine.ImportRejected as rejection:
            messages.error(request, rejection.message)
            return redirect(self.url(kind, "preview", token) + "?show=errors")
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(self.url(kind, "preview", token))
        forget_upload(request, token)
        messages.success(request, kind.done_message % {"count": count})
        return redirect(self.url(kind))

    # URLs -------------------------------------------------------------------------------------

    def guarded(self, view, kind):
        """``view`` for one kind, behind that kind's permission (the URL walk sees the requirement)."""

        def for_kind(request, *args, **kwargs):
            return view(request, kind, *args, **kwargs)

        for_kind.__name__ = for_kind.__qualname__ = f"{self.namespace}_{view.__name__}_{kind.key}"
        for_kind.__doc__ = view.__doc__
        return permission_required(kind.permission)(for_kind)

    def urls(self):
        patterns = [path("imports/", permission_required(self.index_permission)(self.index), name=self.index_name)]
        for key, segment in self.segments.items():
            kind = self.engine.KINDS[key]
            patterns += [
                path(f"imports/{segment}/", self.guarded(self.upload, kind), name=f"import_{key}"),
                path(f"imports/{segment}/template/", self.guarded(self.template_download, kind),
                     name=f"import_{key}_template"),
                path(f"imports/{segment}/<str:token>/", self.guarded(self.preview, kind),
                     name=f"import_{key}_preview"),
                path(f"imports/{segment}/<str:token>/commit/", self.guarded(require_POST(self.commit), kind),
                     name=f"import_{key}_commit"),
            ]
        return patterns
