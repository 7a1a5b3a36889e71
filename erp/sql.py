"""The core's hand-written SQL (docs/architecture.md, "Hand-written SQL"): the only module of ``erp``
that opens a cursor. Every function says why the ORM is not used; tests/erp/test_sql.py proves each
gives what the ORM formulation gives, and tests/erp/test_sql_policy.py keeps raw SQL out of every
other module.

The generic helpers (``bulk_set``, ``update_row_if``, ``select_list``/``instances_of``) serve the
departments' hot paths; a department's own statements live in its ``<app>/sql.py``.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction

if TYPE_CHECKING:
    from erp.models import ApiToken, Company


# Generic helpers --------------------------------------------------------------------------------


def bulk_set(model: type[models.Model], fields: Sequence[str], values: Mapping[Any, Sequence[Any]]) -> int:
    """Set ``fields`` of many rows in one UPDATE … FROM (VALUES …): ``values`` is {pk: (value, …)};
    returns the rows touched. The ORM formulation is ``bulk_update``.

    Why raw: Django's bulk_update builds a CASE WHEN per column and row, whose compilation costs more
    than the statement itself on hot paths (a confirmation sets its lines' shortages and promised
    dates; releasing stock sets balances and valuations). The caller holds the rows' locks, so
    setting the computed values is safe. Not audited by itself: the caller records the change
    (``erp.audit``)."""
    if not values:
        return 0
    connection = transaction.get_connection()
    meta = model._meta
    pk_field: Any = meta.pk  # a concrete field: the stubs' Field union lacks its methods
    columns: list[Any] = [meta.get_field(name) for name in fields]
    casts = [pk_field.rel_db_type(connection)] + [field.db_type(connection) for field in columns]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = ", ".join(["id"] + [f"v{n}" for n in range(len(columns))])
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = v.v{n}" for n, field in enumerate(columns))
    params: list[Any] = []
    for pk, row_values in values.items():
        params.append(pk)
        params.extend(row_values)
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
           f"FROM (VALUES {', '.join([row] * len(values))}) AS v({names}) WHERE t.{pk_field.column} = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        touched: int = cursor.rowcount
        return touched


def update_row_if(model: type[models.Model], pk: Any, *, where: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    """``UPDATE … SET values WHERE pk = pk AND where`` built from the model's fields (a conditional
    update, e.g. a status change that must not race); returns the rows touched. Values may be model
    instances for foreign keys. The ORM formulation is ``filter(pk=pk, **where).update(**values)``.

    Why raw: the ORM's update() compiles a query on every call, which costs more than the statement
    on a hot path (every document transition). Not audited by itself: ``erp.documents.transition``
    records the change."""
    connection = transaction.get_connection()
    meta = model._meta
    quote = connection.ops.quote_name
    pk_field: Any = meta.pk

    def column_and_value(name: str, value: Any) -> tuple[str, Any]:
        field: Any = meta.get_field(name)
        if hasattr(value, "prepare_database_save"):
            value = value.prepare_database_save(field)
        return quote(field.column), field.get_db_prep_save(value, connection)

    sets = [column_and_value(name, value) for name, value in values.items()]
    conditions = [column_and_value(name, value) for name, value in where.items()]
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{column} = %s' for column, _v in sets)} "
           f"WHERE {quote(pk_field.column)} = %s"
           + "".join(f" AND {column} = %s" for column, _v in conditions))
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for _c, v in sets] + [pk] + [v for _c, v in conditions])
        touched: int = cursor.rowcount
        return touched


def select_list(*parts: tuple[type[models.Model], str]) -> str:
    """The columns of each (model, alias) in ``parts``, in field order, for a hand-written SELECT
    whose rows ``instances_of`` turns back into model instances."""
    return ", ".join(f'{alias}."{field.column}"' for model, alias in parts for field in model._meta.concrete_fields)


def instances_of(row: Sequence[Any], *models_: type[models.Model], using: str = "default") -> list[Any]:
    """Split ``row`` (columns as ``select_list`` gave them) into one instance per model, converting
    values as the ORM would; a model whose primary key is NULL (an outer join that found nothing)
    gives None. For hot paths where compiling a wide select_related costs more than running it."""
    connection = transaction.get_connection(using)
    instances: list[Any] = []
    start = 0
    for model in models_:
        fields: list[Any] = list(model._meta.concrete_fields)
        values = list(row[start:start + len(fields)])
        start += len(fields)
        for n, field in enumerate(fields):
            for converter in field.get_db_converters(connection):
                values[n] = converter(values[n], field, connection)
        pk = values[fields.index(model._meta.pk)]
        instances.append(None if pk is None else model.from_db(using, [f.attname for f in fields], values))
    return instances


def fetch(sql: str, params: Sequence[Any] | Mapping[str, Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of one read-only statement, e.g. a hand-written SELECT built from ORM SQL."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def first_column(queryset: models.QuerySet[Any]) -> list[Any]:
    """The first column of ``queryset`` (a ``values_list``) as plain values: the ORM formulation is
    ``list(queryset)``.

    Why raw: a user's granted customer ids (2,500 for a rep) come back as plain ints without the
    model layer's per-row iteration, once per request (erp.scoping)."""
    sql, params = queryset.query.sql_with_params()
    return [row[0] for row in fetch(sql, params, using=queryset.db)]


# Permissions and API tokens ---------------------------------------------------------------------


def permission_version_sql() -> str:
    """SQL of the current permission version (migration erp 0005): an annotation for a query that
    reads a user anyway."""
    return "SELECT version FROM erp_permission_version WHERE id = 1"


def permission_version() -> int:
    """The current permission version.

    Why raw: ``erp_permission_version`` is a one-row table kept by triggers (migration erp 0005),
    with no model."""
    ((version,),) = fetch(permission_version_sql(), [])
    return int(version)


@functools.cache
def _token_sql() -> str:
    # erp.models imports erp.scoping, which imports this module: the models are imported on use.
    from django.contrib.auth import get_user_model

    from erp.models import ApiToken, Company

    user_model = get_user_model()
    return (f"SELECT {select_list((ApiToken, 't'), (user_model, 'u'), (Company, 'c'))}, ({permission_version_sql()}) "
            f"FROM {ApiToken._meta.db_table} t JOIN {user_model._meta.db_table} u ON u.id = t.user_id "
            f"LEFT JOIN {Company._meta.db_table} c ON c.id = u.company_id WHERE t.key_digest = %s")


def token_with_user(key_digest: str) -> tuple[ApiToken, int] | None:
    """(the token whose key has this digest, with its user and the user's company loaded; the
    permission version), or None. The ORM formulation is
    ``ApiToken.objects.select_related("user__company").get(key_digest=key_digest)`` plus
    ``permission_version()``.

    Why raw: every API request does this; the ORM would compile a three-table select_related on each
    request, and the version would be a second statement."""
    # erp.models imports erp.scoping, which imports this module: the models are imported on use.
    from django.contrib.auth import get_user_model

    from erp.models import ApiToken, Company

    rows = fetch(_token_sql(), [key_digest])
    if not rows:
        return None
    row = rows[0]
    token, user, company = instances_of(row, ApiToken, get_user_model(), Company)
    user.company = company
    token.user = user
    version: int = row[-1]
    return token, version


# Numbering and the event outbox -----------------------------------------------------------------


def number_take(*, company: Company, doc_type: str, year: int) -> tuple[int, str | None, str | None]:
    """Take the next value of the counter (company, doc_type, year), creating the row on first use:
    (value, the company's rule's format or None, its prefix or None). The row stays locked until
    the caller's transaction ends. The ORM formulation: read the NumberingRule, then
    ``get_or_create`` the NumberSequence ``select_for_update`` and save ``last_value + 1``.

    Why raw: one statement (INSERT … ON CONFLICT DO UPDATE … RETURNING with the rule in a CTE) where
    the ORM needs three or four, on every document that leaves draft (tests/erp/test_numbering.py
    holds it to one)."""
    from erp.models import NumberingRule, NumberSequence  # erp.models → erp.scoping → erp.sql

    table, rules = NumberSequence._meta.db_table, NumberingRule._meta.db_table
    # The first taker creates the counter row, later ones increment it; a rule without a yearly
    # reset counts in year 0.
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"WITH rule AS (SELECT format, prefix, yearly_reset FROM {rules} WHERE company_id = %(company)s "
            "AND doc_type = %(doc_type)s LIMIT 1) "
            f"INSERT INTO {table} (company_id, doc_type, year, last_value) VALUES (%(company)s, %(doc_type)s, "
            "coalesce((SELECT CASE WHEN yearly_reset THEN %(year)s ELSE 0 END FROM rule), %(year)s), 1) "
            f"ON CONFLICT (company_id, doc_type, year) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value, (SELECT format FROM rule), (SELECT prefix FROM rule)",
            {"company": company.pk, "doc_type": doc_type, "year": year},
        )
        value, fmt, prefix = cursor.fetchone()
    return int(value), fmt, prefix


def outbox_insert(*, name: str, payload: Mapping[str, Any], company_id: int | None, source_type_id: int | None,
                  source_id: int | None, created_at: datetime.datetime, pending: str,
                  subscribers: Sequence[str]) -> tuple[int, list[int]]:
    """Write an outbox event and a pending delivery row per subscriber key (in ``subscribers``
    order): (event id, delivery ids in id order). The ORM formulation is ``OutboxEvent.objects.create``
    and ``EventDelivery.objects.bulk_create``.

    Why raw: one statement (two INSERTs in CTEs) where the ORM needs two, on every published event
    (a confirmation publishes one to three). Events and deliveries are infrastructure, outside the
    audit trail (erp.settings AUDITLOG_EXCLUDE_TRACKING_MODELS)."""
    from erp.models import EventDelivery, OutboxEvent  # erp.models → erp.scoping → erp.sql

    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"WITH e AS (INSERT INTO {OutboxEvent._meta.db_table} (name, payload, company_id, source_type_id, "
            "source_id, created_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id), "
            f"d AS (INSERT INTO {EventDelivery._meta.db_table} (event_id, subscriber, status, attempts, last_error, "
            "next_attempt_at) SELECT e.id, k.key, %s, 0, '', %s FROM e, unnest(%s::text[]) WITH ORDINALITY "
            "AS k(key, n) ORDER BY k.n RETURNING id) "
            "SELECT (SELECT id FROM e), array(SELECT id FROM d ORDER BY id)",
            [name, json.dumps(payload, cls=DjangoJSONEncoder), company_id, source_type_id, source_id,
             created_at, pending, created_at, list(subscribers)],
        )
        event_id, delivery_ids = cursor.fetchone()
    return int(event_id), list(delivery_ids)
