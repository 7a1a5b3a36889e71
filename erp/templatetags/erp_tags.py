from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.db.models import Model
from django.template.context import Context
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from erp import money as _money
from erp.document_screens.columns import render_cell
from erp.document_screens.columns import status_style as _status_style
from erp.formats import format_date as _format_date
from erp.formats import format_datetime as _format_datetime
from erp.roles import role_label as _role_label

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_stubs_ext import StrOrPromise

    from erp.registry import RenderedPanel

register = template.Library()


@register.filter
def role_label(name: Any) -> StrOrPromise:
    """A role's name (a Group or its name) in the reader's language."""
    return _role_label(name)


# Numbers and dates as a business document writes them (erp.money, erp.formats): one helper each,
# the same in templates and in messages.


@register.filter
def money(value: Any) -> str:
    """An amount: {{ order.total_amount|money }} → 36,540.00."""
    return _money.format_money(value)


@register.filter
def cost(value: Any, company: Any = None) -> str:
    """A unit cost or price with the company's cost decimals: {{ move.unit_cost|cost:current_company }}."""
    return _money.format_cost(value, company)


@register.filter
def qty(value: Any, unit: Any = None) -> str:
    """A quantity with its unit's decimals (a UnitOfMeasure or a number of places):
    {{ line.quantity|qty:line.unit }}."""
    return _money.format_quantity(value, unit)


@register.filter
def fdate(value: Any) -> str:
    """A date, datetime or ISO date text in the language's short date format (2026/12/07 in zh-Hant)."""
    return _format_date(value)


@register.filter
def fdatetime(value: Any) -> str:
    """A moment in the language's short date-time format, local time."""
    return _format_datetime(value)


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


@register.simple_tag(takes_context=True)
def cell(context: Context, value: Any, empty: str = "—") -> SafeString:
    """A table cell's content (erp.document_screens.Cell): formatted, linked, with its unit or badge."""
    return render_cell(value, empty, company=context.get("current_company"))


@register.filter
def status_style(status: str) -> str:
    """The badge colour of a status (erp/partials/status.html)."""
    return _status_style(status)
