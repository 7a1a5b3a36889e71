"""Query parameters: parsed once, and a bad one is a 400 that names it (``{"date_from": ["…"]}``).

Each function takes the request's ``query_params`` (any mapping of names to strings) and answers
None when the parameter is absent or empty, so that a list filter can pass it on as "not asked".
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from rest_framework import serializers

from erp.codes import normalise_code
from erp.permissions import user_company
from erp.scoping import restrict

Params = Mapping[str, str]
M = TypeVar("M", bound=Model)


def param_error(name: str, message: str) -> serializers.ValidationError:
    """The 400 to raise for the query parameter (or field) ``name``."""
    return serializers.ValidationError({name: [message]})


def parse_bool(params: Params, name: str) -> bool | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise param_error(name, _("Use true or false."))


def parse_int(params: Params, name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise param_error(name, _("Enter a whole number.")) from None


def parse_day(params: Params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        day = parse_date(raw.strip())
    except ValueError:
        day = None
    if day is None:
        raise param_error(name, _("Enter a date as YYYY-MM-DD."))
    return day


def parse_date_range(params: Params, start: str = "date_from",
                     end: str = "date_to") -> tuple[datetime.date | None, datetime.date | None]:
    """``?date_from=`` and ``?date_to=``; an end before the start is a 400 on the end."""
    date_from, date_to = parse_day(params, start), parse_day(params, end)
    if date_from and date_to and date_to < date_from:
        raise param_error(end, _("The end date is before the start date."))
    return date_from, date_to


def parse_choice(params: Params, name: str, choices: Collection[str], message: str) -> str | None:
    """One of ``choices`` (trimmed), or a 400 with ``message`` ("Unknown status.")."""
    value = (params.get(name) or "").strip() or None
    if value is not None and value not in choices:
        raise param_error(name, message)
    return value


def by_code(model: type[M], user: Any, params: Params, name: str) -> M | None:
    """The record of ``model`` whose code is ``?name=``, as far as the user may see it (erp.scoping:
    another rep's customer is as unknown as a code that does not exist); None if not asked."""
    raw = params.get(name)
    if not raw:
        return None
    found = restrict(model._default_manager.filter(code=normalise_code(raw)), user).first()
    if found is None:
        raise param_error(name, _("No record with the code %(code)s.") % {"code": normalise_code(raw)})
    return found


def by_username(user: Any, params: Params, name: str) -> Any:
    """The user of the company whose username is ``?name=``; None if not asked."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    found = get_user_model()._default_manager.filter(company=user_company(user), username=raw).first()
    if found is None:
        raise param_error(name, _("No user with the username %(username)s.") % {"username": raw})
    return found
