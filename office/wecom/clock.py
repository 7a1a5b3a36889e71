"""The time WeCom's limits are counted in, injectable: the client, the robot queue and the fake server
take a ``Clock``, so a test moves a minute forward without waiting for it."""

from __future__ import annotations

import datetime
import threading
from typing import Protocol

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> datetime.datetime: ...


class SystemClock:
    """The real time (timezone-aware, as everything is: settings.USE_TZ)."""

    def now(self) -> datetime.datetime:
        return timezone.now()


SYSTEM_CLOCK = SystemClock()


class ManualClock:
    """A clock that moves only when told to (tests, the benchmark); safe to share between threads."""

    def __init__(self, start: datetime.datetime | None = None) -> None:
        self._now = start or timezone.now()
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime.datetime:
        with self._lock:
            self._now += datetime.timedelta(seconds=seconds)
            return self._now
