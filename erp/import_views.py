"""Imports screens shared by the departments: upload a CSV/XLSX file, preview every row with its errors,
then commit.

A department describes its screens with one ``ImportScreens``: its app label (the screens offer the
``ImportKind``s it registered, see ``erp.imports``, in the order it registered them), its URL namespace,
the index's name and permission, its title and introduction and the department's nav include.
``ImportScreens.urls()`` gives the URL patterns; each kind's pages (the upload form, the downloadable
XLSX template, the preview and the commit) are guarded by that kind's permission (``ImportKind.permission``),
the index by the department's.

The upload reads the file once, within the limits (``erp.imports.limits``); what it read waits between
preview and commit as JSON in ``MEDIA_ROOT/imports/<user id>-<random token>.json`` (``erp.imports.stored``),
so the preview and the commit never parse the spreadsheet again. The token is remembered in the
uploader's session, so only they can preview or commit it. The commit re-validates the rows and
imports them in one transaction (``erp.imports.commit``).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp import imports
from erp.errors import DomainError
from erp.imports import ImportKind, ImportResult, Table
from erp.models import Company, User
from erp.permissions import permission_required, user_company

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 25
SESSION_KEY = "pending_imports"
# Where the pending uploads were kept when the engine lived in inventory, with the kind's key alone
# ("items"); ``pending_uploads`` carries them over, so an upgrade loses no one's upload.
LEGACY_SESSION_KEY = "inventory_imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_SECONDS = 24 * 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

View = Callable[..., HttpResponse]
# kind (its id), filename, ext ("json": the table read at upload; "csv"/"xlsx": a file uploaded before the
# tables were stored), user (pk), created (a timestamp)
PendingUpload = dict[str, Any]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, kind: ImportKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.table: Table | None = None
        limit = imports.limits()
        self.fields["file"].help_text = _(
            "CSV (UTF-8) or Excel .xlsx; the first row holds the column headers. At most %(megabytes)s MB "
            "and %(rows)s rows.") % {"megabytes": limit.megabytes, "rows": f"{limit.rows:,}"}

    def clean_file(self) -> UploadedFile:
        """The file is read here, once (size checked before a byte is read); ``table`` keeps the rows."""
        uploaded: UploadedFile = self.cleaned_data["file"]
        limit = imports.limits()
        if (uploaded.size or 0) > limit.bytes:
            raise forms.ValidationError(_("The file is larger than %(limit)s MB: split it into smaller files.")
                                        % {"limit": limit.megabytes})
        try:
            self.table = imports.read_table(uploaded.read(limit.bytes + 1), uploaded.name or "", self.kind)
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error.message)) from None
        return uploaded


def signed_in_user(request: HttpRequest) -> User:
    """The request's user; the screens are behind ``permission_required``, so one is signed in."""
    user = request.user
    assert isinstance(user, User)
    return user


# The pending uploads --------------------------------------------------------------------------


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def pending_uploads(request: HttpRequest) -> dict[str, PendingUpload]:
    """{token: entry} of the user's uploads waiting for preview or commit."""
    legacy = request.session.get(LEGACY_SESSION_KEY)
    if legacy is not None:
        pending = dict(request.session.get(SESSION_KEY, {}))
        for token, entry in legacy.items():
            kind_id = legacy_kind_id(entry.get("kind"))
            if kind_id is not None:
                pending.setdefault(token, {**entry, "kind": kind_id})
        request.session[SESSION_KEY] = pending
        del request.session[LEGACY_SESSION_KEY]
    return cast(dict[str, PendingUpload], request.session.get(SESSION_KEY, {}))


def legacy_kind_id(key: object) -> str | None:
    """The id of the one registered kind with this key ("items" -> "inventory.items"), if one."""
    matches = [kind.id for kind in imports.import_kinds() if kind.key == key]
    return matches[0] if len(matches) == 1 else None


def file_path(request: HttpRequest, token: str, extension: str) -> Path:
    return upload_dir() / f"{signed_in_user(request).pk}-{token}.{extension}"


def store_upload(request: HttpRequest, kind: ImportKind, table: Table) -> str:
    """Save the table read from the file under a random token remembered in the session; drops the
    user's previous upload of the same kind and files older than a day."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_files(directory)
    pending = dict(pending_uploads(request))
    for old_token, entry in list(pending.items()):
        if entry.get("kind") == kind.id or time.time() - entry.get("created", 0) > STALE_SECONDS:
            discard_file(request, old_token, entry)
            pending.pop(old_token)
    token = secrets.token_urlsafe(24)
    write_table(file_path(request, token, "json"), table, exclusive=True)
    pending[token] = {"kind": kind.id, "filename": os.path.basename(table.filename)[:200], "ext": "json",
                      "user": signed_in_user(request).pk, "created": time.time()}
    request.session[SESSION_KEY] = pending
    return token


def write_table(target: Path, table: Table, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    with os.fdopen(os.open(target, flags, 0o600), "wb") as handle:
        handle.write(imports.table_to_json(table))


def remove_stale_files(directory: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass


def discard_file(request: HttpRequest, token: str, entry: PendingUpload) -> None:
    try:
        os.unlink(file_path(request, token, entry.get("ext", "csv")))
    except OSError:
        pass


def load_upload(request: HttpRequest, kind: ImportKind, token: str) -> Table | None:
    """The table of the user's pending upload, or None when it is unknown or gone. An upload kept as
    the file itself (before the tables were stored) is read now, once, and kept as its table; an
    unreadable one raises ImportFileError."""
    if not TOKEN_RE.match(token or ""):
        return None
    entry = pending_uploads(request).get(token)
    if not entry or entry.get("kind") != kind.id or entry.get("user") != signed_in_user(request).pk:
        return None
    try:
        data = file_path(request, token, entry["ext"]).read_bytes()
    except OSError:
        return None
    if entry["ext"] == "json":
        try:
            table = imports.table_from_json(data)
        except (ValueError, KeyError, TypeError):
            return None
        return table if table.kind == kind.id else None
    table = imports.read_table(data, entry["filename"], kind)
    write_table(file_path(request, token, "json"), table, exclusive=False)
    discard_file(request, token, entry)
    request.session[SESSION_KEY] = {**pending_uploads(request), token: {**entry, "ext": "json"}}
    return table


def forget_upload(request: HttpRequest, token: str) -> None:
    pending = dict(pending_uploads(request))
    entry = pending.pop(token, None)
    if entry:
        discard_file(request, token, entry)
    request.session[SESSION_KEY] = pending


def no_company(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your user account is not attached to a company."))
    return redirect("home")


def preview_rows(request: HttpRequest, kind: ImportKind, result: ImportResult) -> dict[str, Any]:
    """The preview's filters (``show``: all rows or those with errors; ``q``: a search) and its page."""
    show = request.GET.get("show")
    if show not in ("all", "errors"):
        show = "all" if result.ok else "errors"
    search = request.GET.get("q", "").strip()
    rows = result.rows if show == "all" else result.error_rows
    if search:
        needle = search.casefold()
        rows = [row for row in rows if any(needle in str(cell).casefold() for cell in row.cells(kind.columns))]
    paginator: Paginator[Any] = Paginator(rows, PAGE_SIZE)  # the page's RowResults become the template's rows
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = [
        {"number": row.number, "cells": row.cells(kind.columns), "errors": [str(e) for e in row.errors],
         "notes": row.notes}
        for row in page.object_list
    ]
    return {"show": show, "search": search, "page": page}


# The screens ----------------------------------------------------------------------------------


class ImportScreens:
    """One department's imports screens, for the kinds it registered. URL names are
    ``<namespace>:<index_name>`` and ``<namespace>:import_<kind key>[_template|_preview|_commit]``;
    the paths ``imports/`` and ``imports/<kind's URL segment>/…``."""

    def __init__(self, *, app_label: str, namespace: str, index_permission: str, title: StrOrPromise,
                 intro: StrOrPromise, index_name: str = "import_index", nav_template: str | None = None) -> None:
        self.app_label = app_label
        self.namespace = namespace
        self.index_permission = index_permission
        self.index_name = index_name
        self.title = title
        self.intro = intro
        self.nav_template = nav_template

    @property
    def kinds(self) -> list[ImportKind]:
        return imports.import_kinds(self.app_label)

    def url(self, kind: ImportKind, step: str = "", token: str | None = None) -> str:
        name = f"{self.namespace}:import_{kind.key}" + (f"_{step}" if step else "")
        return reverse(name, args=[token] if token else [])

    def kind_links(self, user: User) -> list[dict[str, Any]]:
        return [{"kind": kind, "url": self.url(kind), "template_url": self.url(kind, "template")}
                for kind in self.kinds if user.has_perm(kind.permission)]

    def render(self, request: HttpRequest, page: str, context: dict[str, Any]) -> HttpResponse:
        return render(request, f"erp/imports/{page}.html", {
            "title": self.title, "intro": self.intro, "nav_template": self.nav_template,
            "kinds": self.kind_links(signed_in_user(request)), **context,
        })

    def pending_table(self, request: HttpRequest, kind: ImportKind,
                      token: str) -> tuple[Company, Table, None] | tuple[None, None, HttpResponse]:
        """(company, table, None): the user's company and the table of their pending upload; or
        (None, None, refusal): a redirect with a message when either is missing or the file is unreadable."""
        company: Company | None = user_company(signed_in_user(request))
        if company is None:
            return None, None, no_company(request)
        try:
            table = load_upload(request, kind, token)
        except imports.ImportFileError as error:
            forget_upload(request, token)
            messages.error(request, error.message)
            return None, None, redirect(self.url(kind))
        if table is None:
            messages.error(request, _("This upload is no longer available: upload the file again."))
            return None, None, redirect(self.url(kind))
        return company, table, None

    # Views: ``kind`` is the ImportKind, bound by ``urls()``.

    def index(self, request: HttpRequest) -> HttpResponse:
        """The kinds of import the user may run, each with its template."""
        return self.render(request, "index", {})

    def upload(self, request: HttpRequest, kind: ImportKind) -> HttpResponse:
        form = ImportUploadForm(request.POST or None, request.FILES or None, kind=kind)
        if request.method == "POST" and form.is_valid():
            assert form.table is not None  # a valid form has read its file
            token = store_upload(request, kind, form.table)
            return redirect(self.url(kind, "preview", token))
        return self.render(request, "upload", {
            "kind": kind, "form": form, "template_url": self.url(kind, "template"), "columns": kind.columns,
        })

    def template_download(self, request: HttpRequest, kind: ImportKind) -> HttpResponse:
        response = HttpResponse(imports.template_workbook(kind, get_language()), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="import-{kind.url_segment}.xlsx"'
        return response

    def preview(self, request: HttpRequest, kind: ImportKind, token: str) -> HttpResponse:
        company, table, refusal = self.pending_table(request, kind, token)
        if refusal is not None:
            return refusal
        assert company is not None and table is not None
        result = imports.validate(kind, table, company=company, user=signed_in_user(request))
        columns = [{"key": c.key, "label": c.label, "header": table.headers.get(c.key, "")} for c in kind.columns]
        return self.render(request, "preview", {
            "kind": kind, "result": result, "table": table, "columns": columns, "row_count": len(result.rows),
            "error_row_count": result.error_row_count, "error_count": len(result.errors),
            "commit_url": self.url(kind, "commit", token), "upload_url": self.url(kind),
            **preview_rows(request, kind, result),
        })

    def commit(self, request: HttpRequest, kind: ImportKind, token: str) -> HttpResponse:
        company, table, refusal = self.pending_table(request, kind, token)
        if refusal is not None:
            return refusal
        assert company is not None and table is not None
        try:
            count = imports.commit(kind, table, company=company, user=signed_in_user(request))
        except imports.ImportRejected as rejection:
            messages.error(request, rejection.message)
            return redirect(self.url(kind, "preview", token) + "?show=errors")
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(self.url(kind, "preview", token))
        forget_upload(request, token)
        messages.success(request, kind.done_message % {"count": count})
        return redirect(self.url(kind))

    # URLs -------------------------------------------------------------------------------------

    def guarded(self, view: View, kind: ImportKind) -> View:
        """``view`` for one kind, behind that kind's permission (the URL walk sees the requirement)."""

        def for_kind(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return view(request, kind, *args, **kwargs)

        for_kind.__name__ = for_kind.__qualname__ = f"{self.namespace}_{view.__name__}_{kind.key}"
        for_kind.__doc__ = view.__doc__
        return cast(View, permission_required(kind.permission)(for_kind))

    def urls(self) -> list[URLPattern]:
        patterns = [path("imports/", permission_required(self.index_permission)(self.index), name=self.index_name)]
        for kind in self.kinds:
            segment = kind.url_segment
            patterns += [
                path(f"imports/{segment}/", self.guarded(self.upload, kind), name=f"import_{kind.key}"),
                path(f"imports/{segment}/template/", self.guarded(self.template_download, kind),
                     name=f"import_{kind.key}_template"),
                path(f"imports/{segment}/<str:token>/", self.guarded(self.preview, kind),
                     name=f"import_{kind.key}_preview"),
                path(f"imports/{segment}/<str:token>/commit/", self.guarded(require_POST(self.commit), kind),
                     name=f"import_{kind.key}_commit"),
            ]
        return patterns
