"""Time as the services see it: injected, so demo data and tests can set it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock(tz: ZoneInfo) -> Clock:
    return lambda: datetime.now(tz).replace(microsecond=0)


class ManualClock:
    """A clock that stands still until moved; used by the demo generator and tests."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current
