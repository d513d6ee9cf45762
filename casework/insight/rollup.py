"""Keeping the per-day totals (insight_*_days) up to date, and reading them.

A refresh claims the days the triggers marked dirty, then reads, in one snapshot on a connection
of its own in a worker thread, those days and the days whose open cases or unsigned assignments
crossed a time limit since the last refresh; it recomputes those days with the same SQL as the live statistics
(casework.insight.measures) and writes them in one short transaction. One refresh runs at a time
per database; it costs two index look-ups when nothing changed.
"""
from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable

from casework.cases.where import Where
from casework.db.database import Database
from casework.insight.measures import (ALL, APPRAISAL_FLAGS, CALL_DIMENSIONS, CALL_MEASURES, CASE_DIMENSIONS,
                                       CASE_MEASURES, OPEN, Moment, call_aggregate, case_aggregate, pair_sql,
                                       scope_aggregate)

CASE_COLUMNS = tuple(m.key for m in CASE_MEASURES)
SCOPE_DIMENSIONS = tuple(d for d in CASE_DIMENSIONS if d.key != "department")
DEPT_COLUMNS = tuple(m.key for m in APPRAISAL_FLAGS)
CALL_COLUMNS = (*(m.key for m in CALL_MEASURES), "wait_sum", "wait_max", "talk_sum")
CHUNK = 400


@dataclass
class Refresh:
    case_days: list[str] = field(default_factory=list)
    call_days: list[str] = field(default_factory=list)
    case_rows: list[tuple] = field(default_factory=list)
    scope_rows: list[tuple] = field(default_factory=list)
    dept_rows: list[tuple] = field(default_factory=list)
    call_rows: list[tuple] = field(default_factory=list)
    dirty: list[tuple[str, str, int]] = field(default_factory=list)


def read_only(path: Path) -> sqlite3.Connection:
    """A private read-only connection for work done in a worker thread."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    # Sorting a year of cases needs temporary b-trees: on disk (the OS caches them), not in this process.
    for pragma in ("PRAGMA busy_timeout=10000", "PRAGMA cache_size=-32768", "PRAGMA temp_store=FILE",
                   "PRAGMA query_only=ON"):
        conn.execute(pragma)
    return conn


def runs(days: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted day texts grouped into contiguous [first, last] runs."""
    out: list[tuple[str, str]] = []
    for text in sorted(set(days)):
        if out and date.fromisoformat(out[-1][1]) + timedelta(days=1) == date.fromisoformat(text):
            out[-1] = (out[-1][0], text)
        else:
            out.append((text, text))
    return out


def _range(column: str, first: str, last: str) -> Where:
    w = Where()
    w.add(f"{column} >= ?", first)
    w.add(f"{column} < ?", (date.fromisoformat(last) + timedelta(days=1)).isoformat())
    return w


def _crossed(conn: sqlite3.Connection, moment: Moment) -> set[str]:
    """Days with an open case or an unsigned assignment whose time class changed since the last refresh."""
    last = conn.execute("SELECT clock_now, clock_soon, sign_cut FROM insight_state WHERE id = 1").fetchone()
    if last is None or last[0] is None:
        return set()
    days: set[str] = set()
    for before, now in ((last[0], moment.now), (last[1], moment.soon)):
        lo, hi = sorted((before, now))
        days.update(r[0] for r in conn.execute(
            f"SELECT DISTINCT substr(created_at, 1, 10) FROM cases WHERE state IN {OPEN} AND deadline >= ? "
            f"AND deadline < ?", (lo, hi)))
    lo, hi = sorted((last[2], moment.sign_cut))
    days.update(r[0] for r in conn.execute(
        "SELECT DISTINCT substr(c.created_at, 1, 10) FROM assignments a JOIN cases c ON c.id = a.case_id "
        "WHERE a.state = 'pending_signoff' AND a.dispatched_at >= ? AND a.dispatched_at < ?", (lo, hi)))
    return days


def _case_rows(conn: sqlite3.Connection, first: str, last: str, moment: Moment, out: Refresh) -> None:
    for dim in (ALL, *CASE_DIMENSIONS):
        sql, params = case_aggregate(dim, _range("c.created_at", first, last), moment, by_day=True)
        out.case_rows.extend((r[0], dim.key, r[1], *r[2:]) for r in conn.execute(sql, params))
    sql, params = pair_sql(_range("c.created_at", first, last), moment, by_day=True)
    out.dept_rows.extend(tuple(r) for r in conn.execute(sql, params))
    end = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    for dim in (ALL, *SCOPE_DIMENSIONS):
        sql, params = scope_aggregate(dim, first, end, moment)
        out.scope_rows.extend((r[0], r[1], dim.key, *r[2:]) for r in conn.execute(sql, params))


def _call_rows(conn: sqlite3.Connection, first: str, last: str, out: Refresh) -> None:
    for dim in CALL_DIMENSIONS:
        sql, params = call_aggregate(dim, _range("k.offered_at", first, last), by_day=True)
        out.call_rows.extend((r[0], dim, r[1], *(v or 0 for v in r[2:])) for r in conn.execute(sql, params))


def compute(path: Path, moment: Moment) -> Refresh:
    """Everything a refresh writes, read in one snapshot (runs in a worker thread)."""
    conn = read_only(path)
    try:
        conn.execute("BEGIN")
        out = Refresh(dirty=[tuple(r) for r in conn.execute("SELECT kind, day, stamp FROM insight_dirty "
                                                            "WHERE stamp = 1")])
        case_days = {day for kind, day, _ in out.dirty if kind == "case"} | _crossed(conn, moment)
        out.case_days = sorted(case_days)
        out.call_days = sorted(day for kind, day, _ in out.dirty if kind == "call")
        for first, last in runs(out.case_days):
            _case_rows(conn, first, last, moment, out)
        for first, last in runs(out.call_days):
            _call_rows(conn, first, last, out)
        conn.execute("COMMIT")
        return out
    finally:
        conn.close()


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


async def _write(db: Database, r: Refresh, moment: Moment) -> None:
    async with db.transaction() as conn:
        for table, days in (("insight_case_days", r.case_days), ("insight_dept_days", r.case_days),
                            ("insight_scope_days", r.case_days), ("insight_call_days", r.call_days)):
            for chunk in _chunks(days):
                await conn.execute(f"DELETE FROM {table} WHERE day IN ({','.join('?' * len(chunk))})", chunk)
        await conn.executemany(_insert("insight_case_days", ("day", "dim", "key", *CASE_COLUMNS)), r.case_rows)
        await conn.executemany(_insert("insight_dept_days", ("day", "department_id", *DEPT_COLUMNS)), r.dept_rows)
        await conn.executemany(_insert("insight_scope_days", ("department_id", "day", "dim", "key", *CASE_COLUMNS)),
                               r.scope_rows)
        await conn.executemany(_insert("insight_call_days", ("day", "dim", "key", *CALL_COLUMNS)), r.call_rows)
        await conn.executemany("DELETE FROM insight_dirty WHERE kind = ? AND day = ? AND stamp = ?", r.dirty)
        await conn.execute("UPDATE insight_state SET clock_now = ?, clock_soon = ?, sign_cut = ?, refreshed_at = ? "
                           "WHERE id = 1", (moment.now, moment.soon, moment.sign_cut, moment.now))


async def _claim(db: Database) -> None:
    """Mark the waiting days as this refresh's (stamp 1): a change committed from now on sets its day
    back to waiting, and _write deletes only the marks still claimed (migration 0011)."""
    async with db.reader() as conn:
        waiting = await conn.execute_fetchall("SELECT 1 FROM insight_dirty WHERE stamp = 0 LIMIT 1")
    if waiting:
        async with db.transaction() as conn:
            await conn.execute("UPDATE insight_dirty SET stamp = 1 WHERE stamp = 0")


async def refresh(db: Database, moment: Moment) -> Refresh:
    """Bring the per-day totals up to `moment`; returns what was recomputed."""
    async with db.named_lock("insight-refresh"):
        await _claim(db)
        result = await asyncio.to_thread(compute, db.path, moment)
        if result.dirty or result.case_days or result.call_days:
            await _write(db, result, moment)
        return result
