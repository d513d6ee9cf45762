"""办件统计: counts by department, district, type, source, state and urgency, with time classes,
returns, extensions, reopenings and satisfaction; every count links to the list of its cases.

The centre and city-wide leaders read the per-day totals (refreshed first), a leader of one
department the per-day totals of what his department sees; a leader of several departments gets
the same SQL conditions evaluated live over the cases he may see.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from casework.cases.where import Where
from casework.cases.visibility import visible_departments
from casework.db.database import Database
from casework.db.reads import fetch_all
from casework.domain.enums import CaseType, Labelled, Source, State, Urgency
from casework.domain.model import Actor
from casework.insight.measures import (CASE_DIMENSION, CASE_DIMENSIONS, CASE_MEASURES, Dimension, Moment,
                                       case_aggregate, flag)
from casework.insight.periods import Period
from casework.insight.queries import scoped
from casework.insight.rollup import CASE_COLUMNS, refresh
from casework.insight.tables import Cell, Column, Sheet, StatRow, StatTable, ratio, to_sheet

ENUMS: dict[str, type[Labelled]] = {"case_type": CaseType, "source": Source, "state": State, "urgency": Urgency}
BLANK_DISTRICT = "（未填写）"
FIRST = {"department": "处置部门", "district": "所属区", "case_type": "办件类型", "source": "办件来源", "state": "办件状态",
         "urgency": "紧急程度"}
COLUMNS = [*(Column(m.key, m.label) for m in CASE_MEASURES), Column("satisfaction_rate", "满意率", "rate")]
Counts = dict[str, dict[str, list[int]]]  # dimension -> key -> sums in CASE_COLUMNS order


@dataclass
class CaseStats:
    period: Period
    summary: StatRow
    tables: list[StatTable]
    daily: list[tuple[str, int]] = field(default_factory=list)
    scoped: bool = False

    @property
    def summary_table(self) -> StatTable:
        return StatTable("all", "合计", COLUMNS, [self.summary], first="统计区间")

    def sheets(self) -> list[Sheet]:
        return [to_sheet(self.summary_table), *(to_sheet(t) for t in self.tables)]

    def charts(self) -> dict[str, Any]:
        by = {t.key: t for t in self.tables}
        types = [r for r in by["case_type"].rows if r.count("total")]
        departments = by["department"].rows[:15]
        per_day = dict(self.daily)
        days = [d.isoformat() for d in self.period.days]
        return {
            "daily": {"type": "line", "title": "每日受理量", "categories": days,
                      "series": [{"name": "办件数", "values": [per_day.get(d, 0) for d in days]}]},
            "types": {"type": "pie", "title": "办件类型占比",
                      "items": [{"name": r.label, "value": r.count("total")} for r in types]},
            "departments": {"type": "bar", "title": "处置部门办件量（前 15）",
                            "categories": [r.label for r in departments],
                            "series": [{"name": "办件数", "values": [r.count("total") for r in departments]},
                                       {"name": "超期未办结", "values": [r.count("overdue_open") for r in departments]}]},
        }


async def department_names(conn: aiosqlite.Connection) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in await fetch_all(conn, "SELECT id, name FROM departments ORDER BY sort, id")}


async def _rows(conn: aiosqlite.Connection, sql: str, params: list[Any]) -> list[aiosqlite.Row]:
    return await fetch_all(conn, sql, params)


async def _from_rollup(conn: aiosqlite.Connection, period: Period) -> tuple[Counts, list[tuple[str, int]]]:
    sums = ", ".join(f"SUM({c})" for c in CASE_COLUMNS)
    first, last = period.start.isoformat(), period.end.isoformat()
    counts: Counts = {}
    for r in await _rows(conn, f"SELECT dim, key, {sums} FROM insight_case_days WHERE day >= ? AND day <= ? "
                               "GROUP BY dim, key", [first, last]):
        counts.setdefault(r[0], {})[r[1]] = [int(v) for v in r[2:]]
    daily = await _rows(conn, "SELECT day, total FROM insight_case_days WHERE day >= ? AND day <= ? AND dim = 'all'",
                        [first, last])
    return counts, [(str(r[0]), int(r[1])) for r in daily]


async def _from_scope(conn: aiosqlite.Connection, period: Period, dept: int) -> tuple[Counts, list[tuple[str, int]]]:
    """A one-department leader's statistics from the per-day totals of the cases that department sees."""
    sums = ", ".join(f"SUM({c})" for c in CASE_COLUMNS)
    first, last = period.start.isoformat(), period.end.isoformat()
    counts: Counts = {}
    for r in await _rows(conn, f"SELECT dim, key, {sums} FROM insight_scope_days WHERE department_id = ? "
                               "AND day >= ? AND day <= ? GROUP BY dim, key", [dept, first, last]):
        counts.setdefault(r[0], {})[r[1]] = [int(v) for v in r[2:]]
    own = await _rows(conn, f"SELECT {sums} FROM insight_case_days WHERE day >= ? AND day <= ? AND dim = 'department' "
                            "AND key = ?", [first, last, str(dept)])
    counts["department"] = {str(dept): [int(v) for v in own[0]]} if own and own[0][0] else {}
    daily = await _rows(conn, "SELECT day, total FROM insight_scope_days WHERE department_id = ? AND day >= ? "
                              "AND day <= ? AND dim = 'all'", [dept, first, last])
    return counts, [(str(r[0]), int(r[1])) for r in daily]


ROW_DIMENSIONS = ("district", "case_type", "source", "state", "urgency")


def _add(counts: Counts, dim: str, key: str, sums: list[int]) -> None:
    found = counts.setdefault(dim, {}).get(key)
    if found is None:
        counts[dim][key] = list(sums)
    else:
        for i, v in enumerate(sums):
            found[i] += v


async def _live(conn: aiosqlite.Connection, period: Period, actor: Actor, moment: Moment,
                departments: frozenset[int] | None) -> tuple[Counts, list[tuple[str, int]]]:
    """The statistics over the cases `actor` may see, with the same SQL as the per-day totals: one pass
    grouped by every row dimension at once (summed here per dimension), one per department."""
    w = scoped(actor, period.start, period.end)
    sums = ", ".join("COUNT(*)" if m.sql == "1" else f"SUM({flag(m.sql)})" for m in CASE_MEASURES)
    params: list[Any] = [p for m in CASE_MEASURES for p in m.bind(moment)]
    columns = ", ".join("c." + d for d in ROW_DIMENSIONS)
    counts: Counts = {"all": {}}
    for r in await _rows(conn, f"SELECT {columns}, {sums} FROM cases c WHERE {w.sql()} GROUP BY {columns}",
                         [*params, *w.params]):
        found = [int(v) for v in r[len(ROW_DIMENSIONS):]]
        _add(counts, "all", "", found)
        for dim, value in zip(ROW_DIMENSIONS, r):
            _add(counts, dim, str(value), found)
    # A case is dispatched after it is registered: its assignments are found by dispatch time, fast.
    dispatched = Where([*w.clauses, "a.dispatched_at >= ?"], [*w.params, period.start.isoformat()])
    sql, dept_params = case_aggregate(CASE_DIMENSION["department"], dispatched, moment, by_day=False,
                                      departments=departments)
    counts["department"] = {str(r[0]): [int(v) for v in r[1:]] for r in await _rows(conn, sql, dept_params)}
    daily = await _rows(conn, f"SELECT substr(c.created_at, 1, 10) AS day, COUNT(*) FROM cases c WHERE {w.sql()} "
                              "GROUP BY day", list(w.params))
    return counts, [(str(r[0]), int(r[1])) for r in daily]


def stat_row(dim: str, key: str, label: str, sums: list[int] | None, base: dict[str, str]) -> StatRow:
    values = sums or [0] * len(CASE_COLUMNS)
    cells = {m: Cell(v, {**base, "dim": dim, "key": key, "measure": m}) for m, v in zip(CASE_COLUMNS, values)}
    row = StatRow(key, label, cells)
    happy = row.count("satisfied") + row.count("basic")
    row.values["satisfaction_rate"] = ratio(happy, happy + row.count("unsatisfied"))
    return row


def _keys(dim: Dimension, found: dict[str, list[int]], names: dict[int, str]) -> list[tuple[str, str]]:
    """(key, label) of a dimension's rows in display order."""
    if dim.key in ENUMS:
        return [(m.value, m.label) for m in ENUMS[dim.key]]
    by_total = sorted(found, key=lambda k: (-found[k][0], k == "", k))
    if dim.key == "department":
        return [(k, names.get(int(k), f"单位 {k}")) for k in by_total]
    return [(k, k or BLANK_DISTRICT) for k in by_total]


def build(period: Period, counts: Counts, daily: list[tuple[str, int]], names: dict[int, str],
          scoped_view: bool) -> CaseStats:
    base = period.params()
    summary = stat_row("all", "", period.label, counts.get("all", {}).get(""), base)
    tables = []
    for dim in CASE_DIMENSIONS:
        found = counts.get(dim.key, {})
        rows = [stat_row(dim.key, k, label, found.get(k), base) for k, label in _keys(dim, found, names)]
        total = None if dim.key == "department" else StatRow("total", "合计", summary.cells, summary.values)
        tables.append(StatTable(dim.key, dim.title, COLUMNS, rows, total, first=FIRST[dim.key]))
    return CaseStats(period, summary, tables, sorted(daily), scoped_view)


async def case_stats(db: Database, moment: Moment, period: Period, actor: Actor) -> CaseStats:
    """From the per-day totals for the centre, city-wide leaders and one-department leaders; live otherwise."""
    departments = visible_departments(actor)
    totals = departments is None or len(departments) == 1
    if totals:
        await refresh(db, moment)
    async with db.reader() as conn:
        names = await department_names(conn)
        if departments is None:
            counts, daily = await _from_rollup(conn, period)
        elif totals:
            counts, daily = await _from_scope(conn, period, next(iter(departments)))
        else:
            counts, daily = await _live(conn, period, actor, moment, departments)
    return build(period, counts, daily, names, departments is not None)

