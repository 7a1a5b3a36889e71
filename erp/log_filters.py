"""Logging filters (settings.LOGGING)."""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """A refused request (4xx: a 403, a CSRF failure, a bad request) is one line in the log, not a
    traceback: it is the client's mistake or a permission doing its job, and the access log records
    it (erp.middleware.RefusalLogMiddleware). Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
