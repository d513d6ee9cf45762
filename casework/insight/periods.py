"""Statistics periods: whole local days, both ends included, and their grouping by day, week or month."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping

from casework.cases.parse import Fields

MAX_DAYS = 366
GROUPINGS = {"day": "按日", "week": "按周", "month": "按月"}


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included (as 办件查询's 受理日期起/止)."""
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def params(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def bounds(self) -> tuple[str, str]:
        """[start, end + 1 day) as stored-time text, for `column >= ? AND column < ?`."""
        return self.start.isoformat(), (self.end + timedelta(days=1)).isoformat()

    def clip(self, other: "Period") -> "Period":
        return Period(max(self.start, other.start), min(self.end, other.end))

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


def parse_period(data: Mapping[str, Any], default: Period) -> Period:
    """`from`/`to` from a query string, the default for what is left empty; 400 with field errors."""
    f = Fields(data)
    start, end = f.day("from") or default.start, f.day("to") or default.end
    if not f.errors and start > end:
        f.errors["to"] = "结束日期不能早于开始日期"
    elif not f.errors and (end - start).days >= MAX_DAYS:
        f.errors["from"] = f"统计区间不能超过 {MAX_DAYS} 天"
    f.done()
    return Period(start, end)


def bucket_of(day: date, grouping: str) -> Period:
    """The week (Monday to Sunday) or month containing `day`, or the day itself."""
    if grouping == "week":
        monday = day - timedelta(days=day.weekday())
        return Period(monday, monday + timedelta(days=6))
    if grouping == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(first, following - timedelta(days=1))
    return Period(day, day)


def buckets(period: Period, grouping: str) -> list[Period]:
    """The day, week or month buckets covering `period`, each clipped to it, in order."""
    out: list[Period] = []
    for day in period.days:
        bucket = bucket_of(day, grouping).clip(period)
        if not out or out[-1] != bucket:
            out.append(bucket)
    return out


def bucket_label(bucket: Period, grouping: str) -> str:
    if grouping == "week":
        iso = bucket_of(bucket.start, "week").start.isocalendar()
        return f"{iso.year}年第{iso.week}周（{bucket.start.strftime('%m-%d')}至{bucket.end.strftime('%m-%d')}）"
    if grouping == "month":
        return f"{bucket.start.year}年{bucket.start.month}月"
    return bucket.start.isoformat()
