"""Insight service: 办件统计, 来电情况 统计表 and 热点, first versions over the cases table.

Every count comes with the 办件查询 filter that lists the same cases (`Row.params`), when such a
filter exists, so the pages can link each number to its cases.
"""
from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from casework.cases.parse import Fields
from casework.cases.queries import Where, overdue_clause
from casework.cases.visibility import visible_departments
from casework.clock import Clock
from casework.db.database import Database
from casework.db.timefmt import to_db
from casework.domain.enums import CaseType, Disposition, OverdueClass, Role, Satisfaction, Source, State
from casework.domain.model import Actor
from casework.errors import Forbidden
from casework.insight.queries import InsightQueries, narrowed, scoped

MAX_DAYS = 366
HOTSPOT_DAYS = 30
MAX_TITLES = 20000
STAT_ROLES = (Role.SUPERVISOR, Role.LEADER)
CALL_ROLES = (Role.SUPERVISOR,)


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


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    params: dict[str, str] | None = None  # the 办件查询 filter listing these cases, if one exists


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[Row]
    note: str = ""

    @property
    def peak(self) -> int:
        return max((r.count for r in self.rows), default=0) or 1

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)


@dataclass(frozen=True)
class DayRow:
    label: str  # the day, or 合计
    cells: list[Row]  # one per Disposition, in its order
    total: Row


@dataclass(frozen=True)
class CallTable:
    period: Period
    days: list[DayRow]
    total: DayRow


@dataclass
class CaseStats:
    period: Period
    total: Row
    sections: list[Section] = field(default_factory=list)
    satisfaction_rate: float | None = None


@dataclass
class Hotspots:
    period: Period
    total: int
    districts: Section
    type_district: Section
    keywords: Section


def _require(actor: Actor, roles: tuple[Role, ...]) -> None:
    if not actor.has(*roles):
        raise Forbidden("您无权查看统计信息")


def _enum_rows(enum: Iterable[Any], counts: dict[str, int], key: str | None, base: dict[str, str]) -> list[Row]:
    return [Row(m.label, counts.get(m.value, 0), {**base, key: m.value} if key else None) for m in enum]


class InsightService:
    def __init__(self, db: Database, clock: Clock, due_soon_days: int = 3) -> None:
        self.db, self.clock, self.due_soon_days = db, clock, due_soon_days

    def today(self) -> date:
        return self.clock().astimezone(self.db.tz).date()

    def this_month(self) -> Period:
        today = self.today()
        return Period(today.replace(day=1), today)

    def last_days(self, days: int) -> Period:
        today = self.today()
        return Period(today - timedelta(days=days - 1), today)

    async def case_stats(self, period: Period, actor: Actor) -> CaseStats:
        _require(actor, STAT_ROLES)
        base, w = period.params(), scoped(actor, period.start, period.end)
        async with self.db.reader() as conn:
            q = InsightQueries(conn)
            stats = CaseStats(period, Row("办件总数", await q.total(w), base))
            for key, title, enum in (("state", "按办件状态", State), ("case_type", "按办件类型", CaseType),
                                     ("source", "按办件来源", Source)):
                stats.sections.append(Section(key, title, _enum_rows(enum, await q.count_by(key, w), key, base)))
            stats.sections.append(await self._departments(q, w, actor, base))
            stats.sections.append(await self._deadlines(q, w, base))
            satisfaction = _enum_rows(Satisfaction, await q.count_by("satisfaction", w), None, base)
        section = Section("satisfaction", "回访满意度", satisfaction, note="按回访登记的满意度统计，暂不能按满意度查询办件")
        stats.sections.append(section)
        if section.total:
            stats.satisfaction_rate = (satisfaction[0].count + satisfaction[1].count) / section.total
        return stats

    async def _departments(self, q: InsightQueries, w: Where, actor: Actor, base: dict[str, str]) -> Section:
        rows = [Row(name, n, {**base, "department": str(dept_id)})
                for dept_id, name, n in await q.by_department(w, visible_departments(actor))]
        return Section("department", "按处置部门（曾派发至该部门的办件）", rows)

    async def _deadlines(self, q: InsightQueries, w: Where, base: dict[str, str]) -> Section:
        now = self.clock()
        now_text = to_db(now, self.db.tz) or ""
        soon = to_db(now + timedelta(days=self.due_soon_days), self.db.tz) or ""
        rows = []
        for cls in OverdueClass:
            counted = narrowed(w)
            overdue_clause(counted, cls, now_text, soon)
            rows.append(Row(cls.label, await q.total(counted), {**base, "overdue": cls.value}))
        return Section("overdue", "按办理时限", rows, note="待初审的办件尚未计算时限，不计入本项")

    async def call_table(self, period: Period, actor: Actor) -> CallTable:
        """Phone cases per day and disposition (来电情况 统计表, counted from cases)."""
        _require(actor, CALL_ROLES)
        async with self.db.reader() as conn:
            found = await InsightQueries(conn).phone_by_day(scoped(actor, period.start, period.end))
        counts: Counter[tuple[str, str]] = Counter()
        for day, disp, n in found:
            counts[(day, disp)] += n
            counts[("", disp)] += n
        days = [_day_row(day.isoformat(), Period(day, day), counts) for day in period.days]
        return CallTable(period, days, _day_row("", period, counts))

    async def hotspots(self, actor: Actor, limit: int = 20) -> Hotspots:
        _require(actor, STAT_ROLES)
        period = self.last_days(HOTSPOT_DAYS)
        base, w = period.params(), scoped(actor, period.start, period.end)
        async with self.db.reader() as conn:
            q = InsightQueries(conn)
            total = await q.total(w)
            districts = await q.count_by("district", w)
            pairs = await q.type_district(w, 10)
            titles = await q.titles(w, MAX_TITLES)
        words = await asyncio.to_thread(title_keywords, titles, tuple(districts), limit)
        top = sorted(districts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        return Hotspots(
            period, total,
            Section("district", "热点区域", [Row(d, n, {**base, "q": d}) for d, n in top]),
            Section("type_district", "类型与区域", [Row(f"{d} · {CaseType(t).label}", n, {**base, "case_type": t, "q": d})
                                               for t, d, n in pairs]),
            Section("keywords", "标题热词", [Row(word, n, {**base, "q": word}) for word, n in words],
                    note="按出现该词的办件标题数统计；点击按关键字查询（标题、内容、地址），结果可能略多"))


def _day_row(day: str, period: Period, counts: Counter[tuple[str, str]]) -> DayRow:
    """One line of the 统计表: a day's counts (`day` empty: the whole period's)."""
    base = {"source": Source.PHONE.value, **period.params()}
    cells = [Row(d.label, counts[(day, d.value)], {**base, "disposition": d.value}) for d in Disposition]
    return DayRow(day or "合计", cells, Row("合计", sum(c.count for c in cells), base))


# --- 标题热词: a dictionary-free first version (issue 7 brings word segmentation) -------------------
STOP_WORDS = tuple(("问题 反映 反应 市民 咨询 投诉 关于 要求 希望 建议 情况 处理 解决 请求 如何 是否 什么 怎么 "
                    "办理 相关 一个 没有 存在 进行 有关 政府 部门 来电 诉求 求助 其他 我们 他们 可以 能否 为何 "
                    "为什么 请问 严重 不能 已经 还是 一直 目前 现在").split())
NOT_KEYWORDS = ("街道",)  # too common in addresses to be a topic; not cut out, so 商业街道路 keeps 道路
STOP_CHARS = "的了吗呢啊吧和与及或"
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
GRAM_SIZES = (2, 3, 4)


def _runs(title: str, exclude: tuple[str, ...]) -> list[str]:
    """The runs of Chinese characters left once stop words, particles and excluded names are cut out."""
    for word in (*exclude, *STOP_WORDS):
        if word:
            title = title.replace(word, " ")
    for char in STOP_CHARS:
        title = title.replace(char, " ")
    return HAN_RUN.findall(title)


def _grams(runs: list[str]) -> tuple[set[str], set[str]]:
    """(every 2–4 character substring, those at the start or end of a run)."""
    grams: set[str] = set()
    edges: set[str] = set()
    for run in runs:
        for size in GRAM_SIZES:
            for i in range(len(run) - size + 1):
                grams.add(run[i:i + size])
            if len(run) >= size:
                edges.update((run[:size], run[-size:]))
    return grams, edges


def _overlaps(word: str, picked: list[tuple[str, int]]) -> bool:
    """True when `word` shares two consecutive characters with an already chosen keyword."""
    pairs = {word[i:i + 2] for i in range(len(word) - 1)}
    return any(pair in other for other, _ in picked for pair in pairs)


def _covered(counts: Counter[str]) -> set[str]:
    """Substrings that never occur except inside one longer substring (same count): not words of their own."""
    covered: set[str] = set()
    for word, n in counts.items():
        if len(word) > GRAM_SIZES[0]:
            covered.update(part for part in (word[:-1], word[1:]) if counts.get(part) == n)
    return covered


def title_keywords(titles: Iterable[str], exclude: tuple[str, ...] = (), limit: int = 20,
                   min_count: int = 2) -> list[tuple[str, int]]:
    """The most common 2–4 character substrings of the titles (counted once per title), stop words
    and `exclude` names removed; a substring sharing characters with a more frequent one is dropped."""
    counts: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    for title in titles:
        grams, at_edge = _grams(_runs(title, exclude))
        counts.update(grams)
        edges.update(at_edge)
    covered = _covered(counts)
    ranked = sorted((w for w, n in counts.items()
                     if n >= min_count and w not in covered and not any(part in w for part in NOT_KEYWORDS)),
                    key=lambda w: (-counts[w], -edges[w], -len(w), w))
    picked: list[tuple[str, int]] = []
    for word in ranked:
        if not _overlaps(word, picked):
            picked.append((word, counts[word]))
            if len(picked) == limit:
                break
    return picked
