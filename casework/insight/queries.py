"""The SQL of the insight pages: counts over the cases a user may see, always parameterized.

The base filter (scope + registration period) is built exactly like 办件查询's, so that every
number links to a search that lists the same cases.
"""
from __future__ import annotations

from datetime import date, timedelta

import aiosqlite

from casework.cases.queries import Where
from casework.cases.visibility import visible_departments
from casework.domain.model import Actor

GROUP_COLUMNS = {"state": "c.state", "case_type": "c.case_type", "source": "c.source",
                 "satisfaction": "c.satisfaction", "district": "c.district", "disposition": "c.disposition"}


def scoped(actor: Actor, start: date, end: date) -> Where:
    """The cases registered from `start` to `end` (whole days) that `actor` may see."""
    w = Where()
    depts = visible_departments(actor)
    if depts is not None:
        ids = sorted(depts) or [-1]
        marks = ",".join("?" * len(ids))
        w.add(f"(c.id IN (SELECT case_id FROM assignments WHERE department_id IN ({marks})) "
              f"OR c.concern_department_id IN ({marks}))", *ids, *ids)
    w.add("c.created_at >= ?", start.isoformat())
    w.add("c.created_at < ?", (end + timedelta(days=1)).isoformat())
    return w


def narrowed(w: Where, clause: str = "", *params: object) -> Where:
    """A copy of `w`, optionally with one more condition."""
    copy = Where(list(w.clauses), list(w.params))
    if clause:
        copy.add(clause, *params)
    return copy


class InsightQueries:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _rows(self, sql: str, params: list[object]) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def total(self, w: Where) -> int:
        rows = await self._rows(f"SELECT COUNT(*) FROM cases c WHERE {w.sql()}", w.params)
        return int(rows[0][0])

    async def count_by(self, column: str, w: Where) -> dict[str, int]:
        """Cases per value of one of GROUP_COLUMNS (NULL and empty values left out)."""
        col = GROUP_COLUMNS[column]
        rows = await self._rows(f"SELECT {col} AS k, COUNT(*) AS n FROM cases c WHERE {w.sql()} "
                                f"AND {col} IS NOT NULL AND {col} != '' GROUP BY {col}", w.params)
        return {r["k"]: int(r["n"]) for r in rows}

    async def by_department(self, w: Where, only: frozenset[int] | None) -> list[tuple[int, str, int]]:
        """(department id, name, cases ever assigned to it), most cases first."""
        extra, params = "", list(w.params)
        if only is not None:
            ids = sorted(only) or [-1]
            extra = f" AND a.department_id IN ({','.join('?' * len(ids))})"
            params.extend(ids)
        rows = await self._rows(
            f"SELECT a.department_id AS id, d.name AS name, COUNT(DISTINCT a.case_id) AS n FROM assignments a "
            f"JOIN departments d ON d.id = a.department_id WHERE a.case_id IN "
            f"(SELECT c.id FROM cases c WHERE {w.sql()}){extra} GROUP BY a.department_id, d.name "
            f"ORDER BY n DESC, d.sort, d.id", params)
        return [(int(r["id"]), str(r["name"]), int(r["n"])) for r in rows]

    async def phone_by_day(self, w: Where) -> list[tuple[str, str, int]]:
        """(day, disposition, phone cases registered that day)."""
        rows = await self._rows(
            f"SELECT substr(c.created_at, 1, 10) AS day, c.disposition AS disp, COUNT(*) AS n FROM cases c "
            f"WHERE {w.sql()} AND c.source = 'phone' GROUP BY day, disp", w.params)
        return [(str(r["day"]), str(r["disp"]), int(r["n"])) for r in rows]

    async def type_district(self, w: Where, limit: int) -> list[tuple[str, str, int]]:
        """(case type, district, cases), the most frequent combinations first."""
        rows = await self._rows(
            f"SELECT c.case_type AS t, c.district AS d, COUNT(*) AS n FROM cases c WHERE {w.sql()} "
            f"AND c.district != '' GROUP BY c.case_type, c.district ORDER BY n DESC, t, d LIMIT ?",
            [*w.params, limit])
        return [(str(r["t"]), str(r["d"]), int(r["n"])) for r in rows]

    async def titles(self, w: Where, limit: int) -> list[str]:
        """The titles of the most recent `limit` cases."""
        rows = await self._rows(f"SELECT c.title FROM cases c WHERE {w.sql()} ORDER BY c.created_at DESC "
                                f"LIMIT ?", [*w.params, limit])
        return [str(r[0]) for r in rows]
