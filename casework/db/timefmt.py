"""Times are stored as local wall-clock text ('2026-11-28 13:05:00') in the hotline's zone, so they sort."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

FORMAT = "%Y-%m-%d %H:%M:%S"


def to_db(value: datetime | None, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime(FORMAT)


def from_db(value: str | None, tz: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, FORMAT).replace(tzinfo=tz)


def day_text(value: date) -> str:
    return value.isoformat()
