"""Working days on the official Chinese calendar, with the administrator's overrides on top.

The `chinesecalendar` package knows the State Council's holidays and make-up working days for
the years it ships; past them we fall back to plain weekends until the administrator (or a
package upgrade) adds the year.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

import chinese_calendar


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._known: dict[date, bool] = {}  # chinese_calendar's check costs tens of µs a day

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._decide(day)
        return known

    def _decide(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_workdays(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, left = start, days
        while left:
            current += timedelta(days=1)
            if self.is_workday(current):
                left -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count
