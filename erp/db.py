"""Retrying whole transactions that PostgreSQL aborted for a deadlock or serialization failure."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar, overload

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
DEFAULT_ATTEMPTS = 4

P = ParamSpec("P")
R = TypeVar("R")


def is_retryable(exc: BaseException | None) -> bool:
    """True for a deadlock or serialization failure, however Django wrapped it."""
    while exc is not None:
        if getattr(exc, "pgcode", None) in RETRYABLE_SQLSTATES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def backoff_sleep(attempt: int) -> None:
    """Jittered exponential backoff: ~25 ms, 50 ms, 100 ms … so the contenders stop colliding."""
    time.sleep(random.uniform(0.5, 1.5) * 0.025 * (2**attempt))


@overload
def atomic_with_retry(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def atomic_with_retry(*, attempts: int = ..., savepoint: bool = ...) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def atomic_with_retry(
    func: Callable[P, R] | None = None, *, attempts: int = DEFAULT_ATTEMPTS, savepoint: bool = True
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Run ``func`` in its own transaction, re-running it whole on a deadlock/serialization failure.

    This is the system's only retry: services, Celery tasks and the API all go through it, and a
    conflict that outlasts the attempts reaches the user as ``BusyOnConflictMiddleware``'s "please
    try again" page, without re-running the view.

    Inside an outer transaction a retry is impossible (the outer one is already aborted), so the
    function then runs in a savepoint of it — all or nothing on its own — and the outermost retrying
    caller re-runs everything. ``savepoint=False`` is for a function that writes in one statement
    (atomic by itself) and reports refusals before writing: inside a transaction it then needs no
    savepoint, whose two round trips a hot path notices.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if transaction.get_connection().in_atomic_block:
                with transaction.atomic(savepoint=savepoint):
                    return fn(*args, **kwargs)
            for attempt in range(attempts):
                try:
                    with transaction.atomic():
                        return fn(*args, **kwargs)
                except OperationalError as exc:
                    if not is_retryable(exc) or attempt == attempts - 1:
                        raise
                    logger.info(
                        "retrying %s after %s (attempt %d)", fn.__qualname__, type(exc).__name__, attempt + 1
                    )
                    backoff_sleep(attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func is not None else decorate


def bulk_set(model, fields, values):
    """Set ``fields`` of many rows in one UPDATE … FROM (VALUES …): ``values`` is {pk: (value, …)}.

    Django's bulk_update builds a CASE WHEN per column and row, whose compilation costs more than the
    statement itself on hot paths (a confirmation updates balances, valuations and order lines). The
    caller holds the rows' locks, so setting the computed values is safe."""
    if not values:
        return 0
    connection = transaction.get_connection()
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    casts = [meta.pk.rel_db_type(connection)] + [field.db_type(connection) for field in columns]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = ", ".join(["id"] + [f"v{n}" for n in range(len(columns))])
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = v.v{n}" for n, field in enumerate(columns))
    params = []
    for pk, row_values in values.items():
        params.append(pk)
        params.extend(row_values)
    sql = (f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET {assignments} "
           f"FROM (VALUES {', '.join([row] * len(values))}) AS v({names}) WHERE t.{meta.pk.column} = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def update_row_if(model, pk, *, where, values):
    """``UPDATE … SET values WHERE pk = pk AND where`` in plain SQL built from the model's fields
    (a conditional update, e.g. a status change that must not race); returns the rows touched.

    The ORM's update() compiles a query on every call, which costs more than the statement on a
    hot path (every document transition). Values may be model instances for foreign keys."""
    connection = transaction.get_connection()
    meta = model._meta
    quote = connection.ops.quote_name

    def column_and_value(name, value):
        field = meta.get_field(name)
        if hasattr(value, "prepare_database_save"):
            value = value.prepare_database_save(field)
        return quote(field.column), field.get_db_prep_save(value, connection)

    sets = [column_and_value(name, value) for name, value in values.items()]
    conditions = [column_and_value(name, value) for name, value in where.items()]
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{column} = %s' for column, _v in sets)} "
           f"WHERE {quote(meta.pk.column)} = %s"
           + "".join(f" AND {column} = %s" for column, _v in conditions))
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for _c, v in sets] + [pk] + [v for _c, v in conditions])
        return cursor.rowcount


def select_list(*parts):
    """The columns of each (model, alias) in ``parts``, in field order, for a hand-written SELECT
    whose rows ``instances_of`` turns back into model instances."""
    return ", ".join(f'{alias}."{field.column}"' for model, alias in parts for field in model._meta.concrete_fields)


def instances_of(row, *models, using="default"):
    """Split ``row`` (columns as ``select_list`` gave them) into one instance per model, converting
    values as the ORM would; a model whose primary key is NULL (an outer join that found nothing)
    gives None. For hot paths where compiling a wide select_related costs more than running it."""
    connection = transaction.get_connection(using)
    instances, start = [], 0
    for model in models:
        fields = model._meta.concrete_fields
        values = list(row[start:start + len(fields)])
        start += len(fields)
        for n, field in enumerate(fields):
            for converter in field.get_db_converters(connection):
                values[n] = converter(values[n], field, connection)
        pk = values[fields.index(model._meta.pk)]
        instances.append(None if pk is None else model.from_db(using, [f.attname for f in fields], values))
    return instances
