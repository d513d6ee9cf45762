"""来电情况 统计表: call records per day, week, month, queue or agent (GB/T 33358 service level).

A call counts on the day it was offered, even when it was answered or ended after midnight.
Averages: wait over the inbound calls offered, talk over the calls answered. Wrap-up time is not
recorded by the telephony yet, so it shows as — (no data).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import aiosqlite

from casework.cases.parse import Fields
from casework.cases.queries import MAX_PER_PAGE
from casework.cases.where import Where
from casework.db.database import Database
from casework.db.reads import fetch_all
from casework.insight.export import CALL_RESULTS
from casework.insight.measures import (ANSWER_RATE_TARGET, CALL_DIMENSIONS, CALL_MEASURE, CALL_MEASURES,
                                       SERVICE_LEVEL_SECONDS, Moment, call_dimension_clause)
from casework.insight.periods import Period, bucket_label, buckets, parse_period
from casework.insight.rollup import CALL_COLUMNS, refresh
from casework.insight.tables import Cell, Column, Sheet, StatRow, StatTable, ratio, to_sheet
from casework.paging import clamp_page

GROUPINGS = {"day": "按日", "week": "按周", "month": "按月", "queue": "按队列", "agent": "按坐席"}
NO_QUEUE, NO_AGENT = "（未记录队列）", "（未接通或未关联坐席）"
COUNTS = [Column(m.key, m.label) for m in CALL_MEASURES]
COLUMNS = [*COUNTS[:4], Column("answer_rate", "接通率", "rate"),
           Column("in_time_rate", f"{SERVICE_LEVEL_SECONDS}秒接通率", "rate"),
           Column("wait_avg", "平均等待", "seconds"), Column("wait_max", "最长等待", "seconds"),
           Column("talk_avg", "平均通话", "seconds"), Column("wrap_avg", "平均话后处理", "seconds"), *COUNTS[4:]]
SUMS = ", ".join("MAX(wait_max)" if c == "wait_max" else f"SUM({c})" for c in CALL_COLUMNS)


@dataclass
class CallStats:
    period: Period
    grouping: str
    table: StatTable

    @property
    def level(self) -> dict[str, Any]:
        total = self.table.total
        assert total is not None
        rate, in_time = total.values["answer_rate"], total.values["in_time_rate"]
        return {"answer_rate": rate, "in_time_rate": in_time, "target": ANSWER_RATE_TARGET,
                "meets": rate is None or rate >= ANSWER_RATE_TARGET, "seconds": SERVICE_LEVEL_SECONDS}

    def sheets(self) -> list[Sheet]:
        return [to_sheet(self.table)]

    def charts(self) -> dict[str, Any]:
        rows = self.table.rows
        labels = [r.label for r in rows]
        return {"calls": {"type": "bar", "title": "来电量", "categories": labels, "series": [
            {"name": m, "values": [r.count(k) for r in rows]} for k, m in
            (("answered", "接通量"), ("abandoned", "放弃量"))], "stack": True,
            "line": {"name": "接通率（%）", "values": [_pct(r.values["answer_rate"]) for r in rows]}}}


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def call_row(key: str, label: str, sums: list[int] | None, base: dict[str, str], dim: str,
             row_key: str | None = None) -> StatRow:
    values = dict(zip(CALL_COLUMNS, sums or [0] * len(CALL_COLUMNS)))
    cells = {m.key: Cell(int(values[m.key]), {**base, "dim": dim, "key": key, "measure": m.key})
             for m in CALL_MEASURES}
    offered, answered = values["offered"], values["answered"]
    derived = {"answer_rate": ratio(answered, offered), "in_time_rate": ratio(values["in_time"], offered),
               "wait_avg": values["wait_sum"] / offered if offered else None,
               "wait_max": values["wait_max"] if offered else None,
               "talk_avg": values["talk_sum"] / answered if answered else None, "wrap_avg": None}
    return StatRow(key if row_key is None else row_key, label, cells, derived)


async def _all(conn: aiosqlite.Connection, sql: str, params: list[Any]) -> list[aiosqlite.Row]:
    return await fetch_all(conn, sql, params)


async def _agent_names(conn: aiosqlite.Connection) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in await _all(conn, "SELECT id, name FROM users", [])}


def _sum(rows: list[list[int]]) -> list[int]:
    out = [0] * len(CALL_COLUMNS)
    for r in rows:
        out = [max(a, b) if c == "wait_max" else a + b for a, b, c in zip(out, r, CALL_COLUMNS)]
    return out


async def _grouped(conn: aiosqlite.Connection, period: Period, grouping: str) -> list[StatRow]:
    first, last = period.start.isoformat(), period.end.isoformat()
    if grouping in ("queue", "agent"):
        found = await _all(conn, f"SELECT key, {SUMS} FROM insight_call_days WHERE day >= ? AND day <= ? "
                                 "AND dim = ? GROUP BY key", [first, last, grouping])
        names = await _agent_names(conn) if grouping == "agent" else {}
        blank = NO_AGENT if grouping == "agent" else NO_QUEUE
        found.sort(key=lambda r: (-int(r[1] or 0), r[0] == "", r[0]))
        return [call_row(r[0], names.get(r[0], f"坐席 {r[0]}") if grouping == "agent" and r[0] else r[0] or blank,
                         [int(v or 0) for v in r[1:]], period.params(), grouping) for r in found]
    by_day = {r[0]: [int(v or 0) for v in r[1:]] for r in await _all(
        conn, "SELECT day, " + ", ".join(CALL_COLUMNS) + " FROM insight_call_days WHERE day >= ? AND day <= ? "
              "AND dim = 'all'", [first, last])}
    rows = []
    for bucket in buckets(period, grouping):
        sums = _sum([by_day[d.isoformat()] for d in bucket.days if d.isoformat() in by_day])
        label = bucket_label(bucket, grouping)
        rows.append(call_row("", label, sums, bucket.params(), "all", bucket.start.isoformat()))
    return rows


async def call_stats(db: Database, moment: Moment, period: Period, grouping: str) -> CallStats:
    await refresh(db, moment)
    async with db.reader() as conn:
        rows = await _grouped(conn, period, grouping)
        found = await _all(conn, f"SELECT {SUMS} FROM insight_call_days WHERE day >= ? AND day <= ? AND dim = 'all'",
                           [period.start.isoformat(), period.end.isoformat()])
    total = call_row("", "合计", [int(v or 0) for v in found[0]], period.params(), "all", "total")
    first = "日期" if grouping in ("day", "week", "month") else ("队列" if grouping == "queue" else "坐席")
    note = (f"按来电（呼入）时间统计：跨零点的通话计入来电当天。接通率 = 接通量 ÷ 呼入量；{SERVICE_LEVEL_SECONDS}秒接通率 = "
            f"{SERVICE_LEVEL_SECONDS}秒内接通量 ÷ 呼入量（GB/T 33358 要求 {SERVICE_LEVEL_SECONDS} 秒内接通、接通率不低于 "
            f"{ANSWER_RATE_TARGET:.0%}）。平均等待按全部呼入计，平均通话按接通计；话后处理时长暂无数据。回拨为呼出的回拨电话。")
    table = StatTable("calls", f"来电情况统计表（{GROUPINGS[grouping]}）", COLUMNS, rows, total, first=first, note=note)
    return CallStats(period, grouping, table)


# --- the call list behind a number --------------------------------------------------------------------
@dataclass(frozen=True)
class CallSlice:
    period: Period
    dim: str = "all"
    key: str = ""
    measure: str = "offered"

    def params(self) -> dict[str, str]:
        return {**self.period.params(), "dim": self.dim, "key": self.key, "measure": self.measure}

    def where(self) -> Where:
        w = Where()
        start, end = self.period.bounds()
        w.add("k.offered_at >= ?", start)
        w.add("k.offered_at < ?", end)
        call_dimension_clause(w, self.dim, self.key)
        w.add(CALL_MEASURE[self.measure].sql)
        return w

    def title(self) -> str:
        parts = [self.period.label]
        if self.dim == "queue":
            parts.append(f"队列 {self.key or NO_QUEUE}")
        elif self.dim == "agent":
            parts.append(f"坐席 {self.key}" if self.key else NO_AGENT)
        return " · ".join([*parts, CALL_MEASURE[self.measure].label])


def parse_call_slice(data: Mapping[str, Any], default: Period) -> CallSlice:
    period = parse_period(data, default)
    f = Fields(data)
    dim, key, measure = f.text("dim", "all") or "all", f.text("key"), f.text("measure", "offered") or "offered"
    if dim not in CALL_DIMENSIONS:
        f.errors["dim"] = f"无效的统计维度：{dim}"
    if measure not in CALL_MEASURE:
        f.errors["measure"] = f"无效的统计项：{measure}"
    if dim == "agent" and key and not key.isdigit():
        f.errors["key"] = "应为坐席编号"
    f.done()
    return CallSlice(period, dim, key[:100], measure)


async def call_page(db: Database, s: CallSlice, page: int, per_page: int) -> dict[str, Any]:
    w = s.where()
    page, per_page = clamp_page(page, per_page, MAX_PER_PAGE)
    async with db.reader() as conn:
        rows = await _all(conn, "SELECT k.*, COALESCE(u.name, k.agent_name) AS agent, c.number AS case_number "
                                "FROM calls k LEFT JOIN users u ON u.id = k.agent_user_id "
                                f"LEFT JOIN cases c ON c.id = k.case_id WHERE {w.sql()} "
                                "ORDER BY k.offered_at DESC, k.id DESC LIMIT ? OFFSET ?",
                          [*w.params, per_page, (page - 1) * per_page])
        (total,) = (await _all(conn, f"SELECT COUNT(*) FROM calls k WHERE {w.sql()}", w.params))[0]
        names = await _agent_names(conn)
    items = [{**dict(r), "result": CALL_RESULTS.get(r["disposition"], r["disposition"])} for r in rows]
    title = s.title()
    if s.dim == "agent" and s.key:
        title = title.replace(f"坐席 {s.key}", f"坐席 {names.get(s.key, s.key)}")
    return {"items": items, "page": page, "per_page": per_page, "total": int(total), "total_capped": False,
            "title": title}

