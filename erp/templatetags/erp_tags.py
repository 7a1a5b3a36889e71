from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from erp.roles import role_label as _role_label

register = template.Library()


@register.filter
def role_label(name):
    return _role_label(name)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render a registered panel (erp.registry: home-page boxes, sections of a document's page) with
    the page's context plus the panel's own."""
    with context.push(**panel.context):
        return context.template.engine.get_template(panel.template).render(context)


@register.filter
def verbose_name_of(model):
    """A model's (translated) name, capitalised: the label of a generic reference to it."""
    return capfirst(model._meta.verbose_name) if model is not None else ""


@register.simple_tag
def cell(value: Any, empty: str = "—") -> SafeString:
    """A table cell's content (erp.document_screens.Cell): formatted, linked, with its unit or badge."""
    from erp.document_screens.columns import render_cell

    return render_cell(value, empty)


@register.filter
def status_style(status: str) -> str:
    """The badge colour of a status (erp/partials/status.html)."""
    from erp.document_screens.columns import status_style as style

    return style(status)
