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

