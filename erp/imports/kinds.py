"""Import kinds and their registry.

A department declares each kind of import it offers (its columns, the row checks, the write) as an
``ImportKind`` and registers it from its ``AppConfig.ready()``; the core's screens, template downloads
and engine find it here, so the core never imports a department.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from erp.imports.engine import Table
    from erp.imports.results import ImportResult
    from erp.models import Company, User


@dataclass(frozen=True)
class Column:
    """One column of a kind. The file's header may be the key, an ``en`` alias, a zh-Hant or zh-Hans
    name, or the label in any language of the interface; case, spaces, _ - ( ) are ignored."""

    key: str
    label: StrOrPromise  # lazy, shown in the preview and the template's help sheet
    required: bool = False
    zh_hant: tuple[str, ...] = ()  # accepted zh-Hant headers; the first is the template's header
    zh_hans: tuple[str, ...] = ()  # accepted zh-Hans headers; the first is the template's header
    en: tuple[str, ...] = ()  # further English headers
    help: StrOrPromise = ""

    def header_for(self, language: str | None) -> str:
        """The template's header for this column in ``language`` (the key in English)."""
        language = (language or "").lower()
        if language.startswith("zh-hant") or language in ("zh-tw", "zh-hk"):
            return self.zh_hant[0] if self.zh_hant else self.key
        if language.startswith("zh"):
            return self.zh_hans[0] if self.zh_hans else self.key
        return self.key

    def accepted_headers(self) -> tuple[str, ...]:
        return (self.key, *self.en, *self.zh_hant, *self.zh_hans)


class Validator(Protocol):
    """Checks every row of the table against the database and returns the result; writes nothing.
    It should read what it needs once (codes into dicts), not once per row."""

    def __call__(self, table: Table, *, company: Company, user: User) -> ImportResult: ...


class Committer(Protocol):
    """Writes a result without errors through the department's services; returns the rows written.
    Runs inside the commit's transaction, right after the validator."""

    def __call__(self, result: ImportResult, *, company: Company, user: User) -> int: ...


class Locker(Protocol):
    """Locks what the validation's verdict depends on, in the commit's transaction, before validating."""

    def __call__(self, table: Table, *, company: Company) -> None: ...


SEGMENT_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class ImportKind:
    app_label: str  # the department that owns the kind, e.g. "inventory"
    key: str  # unique within the department; names the session's pending upload and the template's sheet
    label: StrOrPromise  # lazy, e.g. "Items"
    permission: str  # needed for every page of the kind (upload, template, preview, commit)
    columns: tuple[Column, ...]
    validator: Validator
    committer: Committer
    done_message: StrOrPromise  # lazy, with %(count)s
    lock: Locker | None = None  # called in the commit's transaction before validating
    segment: str = ""  # the URL segment of the kind's screens; empty = the key

    @property
    def id(self) -> str:
        """Unique among all departments: "inventory.items"."""
        return f"{self.app_label}.{self.key}"

    @property
    def url_segment(self) -> str:
        return self.segment or self.key

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_REGISTRY: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> ImportKind:
    """Offer ``kind`` (call from the owning app's ``AppConfig.ready()``); the department's screens list
    its kinds in the order they were registered. Registering the same object again does nothing."""
    registered = _REGISTRY.get(kind.id)
    if registered is kind:
        return kind
    if registered is not None:
        raise ImproperlyConfigured(f"Two import kinds are registered as {kind.id!r}.")
    if not SEGMENT_RE.match(kind.url_segment):
        raise ImproperlyConfigured(f"Import kind {kind.id!r}: {kind.url_segment!r} is not a URL segment.")
    for other in import_kinds(kind.app_label):
        if other.url_segment == kind.url_segment:
            raise ImproperlyConfigured(f"Import kinds {other.id!r} and {kind.id!r} share the URL segment "
                                       f"{kind.url_segment!r}.")
    _REGISTRY[kind.id] = kind
    return kind


def import_kinds(app_label: str | None = None) -> list[ImportKind]:
    """The registered kinds (of one department when ``app_label`` is given), in registration order."""
    return [kind for kind in _REGISTRY.values() if app_label is None or kind.app_label == app_label]


def import_kind(kind_id: str) -> ImportKind:
    """The registered kind "app_label.key"; LookupError when there is none."""
    try:
        return _REGISTRY[kind_id]
    except KeyError:
        raise LookupError(f"No import kind {kind_id!r} is registered.") from None
