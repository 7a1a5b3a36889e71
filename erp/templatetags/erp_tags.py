from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.db.models import Model
from django.template.context import Context
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from erp.document_screens.columns import render_cell
from erp.document_screens.columns import status_style as _status_style
from erp.roles import role_label as _role_label

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_stubs_ext import StrOrPromise

    from erp.registry import RenderedPanel

register = template.Library()


@register.filter
def role_label(name: str) -> StrOrPromise:
    return _role_label(name)


@register.simple_tag(takes_context=True)
def query_with(context: Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    request: HttpRequest = context["request"]
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def render_panel(context: Context, panel: RenderedPanel) -> SafeString:
    """Render a registered panel (erp.registry: home-page boxes, sections of a document's page) with
    the page's context plus the panel's own."""
    assert context.template is not None  # a tag renders inside a template
    with context.push(**panel.context):
        return context.template.engine.get_template(panel.template).render(context)


@register.filter
def verbose_name_of(model: type[Model] | Model | None) -> StrOrPromise | None:
    """A model's (translated) name, capitalised: the label of a generic reference to it."""
    return capfirst(model._meta.verbose_name) if model is not None else ""


@register.simple_tag
def cell(value: Any, empty: str = "—") -> SafeString:
    """A table cell's content (erp.document_screens.Cell): formatted, linked, with its unit or badge."""
    return render_cell(value, empty)


@register.filter
def status_style(status: str) -> str:
    """The badge colour of a status (erp/partials/status.html)."""
    return _status_style(status)
