"""Retrying whole transactions that PostgreSQL aborted for a deadlock or serialization failure."""

import functools
import logging
import random
import time

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
DEFAULT_ATTEMPTS = 4


def is_retryable(exc):
    """True for a deadlock or serialization failure, however Django wrapped it."""
    while exc is not None:
        if getattr(exc, "pgcode", None) in RETRYABLE_SQLSTATES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def backoff_sleep(attempt):
    """Jittered exponential backoff: ~25 ms, 50 ms, 100 ms … so the contenders stop colliding."""
    time.sleep(random.uniform(0.5, 1.5) * 0.025 * (2**attempt))


def atomic_with_retry(func=None, *, attempts=DEFAULT_ATTEMPTS):
    """Run ``func`` in its own transaction, re-running it whole on a deadlock/serialization failure.

    Inside an outer transaction a retry is impossible (the outer one is already aborted), so the
    function then runs in a savepoint of it — all or nothing on its own — and the outermost retrying
    caller re-runs everything.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if transaction.get_connection().in_atomic_block:
                with transaction.atomic():
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
