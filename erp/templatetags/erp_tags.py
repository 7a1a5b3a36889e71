from django import template

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
