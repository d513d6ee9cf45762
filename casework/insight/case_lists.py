"""The list behind a number of 办件统计 or 考核: the same conditions as the count, over the same scope."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import aiosqlite

from casework.cases.parse import Fields
from casework.cases.queries import summary
from casework.cases.where import Where
from casework.db.database import Database
from casework.db.reads import fetch_all, fetch_value
from casework.domain.enums import AssignmentState
from casework.domain.model import Actor
from casework.insight.case_stats import ENUMS, BLANK_DISTRICT, department_names
from casework.insight.measures import (APPRAISAL_FLAG, CASE_DIMENSION, CASE_MEASURE, Moment, appraisal_clause,
                                       case_dimension_clause, ALL)
from casework.insight.periods import Period, parse_period
from casework.insight.queries import scoped
from casework.paging import clamp_page

ORDER = "ORDER BY c.created_at DESC, c.id DESC"
PAGE_CAP = 1000  # the print view; pages ask for 20


@dataclass(frozen=True)
class Slice:
    """Which cases: registered in `period`, in row `key` of dimension `dim`, counted by `measure` or `flag`."""
    period: Period
    dim: str = "all"
    key: str = ""
    measure: str = "total"
    flag: str = ""

    def params(self) -> dict[str, str]:
        out = {**self.period.params(), "dim": self.dim, "key": self.key}
        out.update({"flag": self.flag} if self.flag else {"measure": self.measure})
        return out


def parse_slice(data: Mapping[str, Any], default: Period) -> Slice:
    period = parse_period(data, default)
    f = Fields(data)
    dim, key = f.text("dim", "all") or "all", f.text("key")
    measure, flag = f.text("measure", "total") or "total", f.text("flag")
    if dim != "all" and dim not in CASE_DIMENSION:
        f.errors["dim"] = f"无效的统计维度：{dim}"
    if measure not in CASE_MEASURE:
        f.errors["measure"] = f"无效的统计项：{measure}"
    if flag and (flag not in APPRAISAL_FLAG or dim != "department"):
        f.errors["flag"] = f"无效的考核项：{flag}"
    if dim == "department" and not key.isdigit():
        f.errors["key"] = "应为单位编号"
    f.done()
    return Slice(period, dim, key[:100], measure, flag)


def slice_where(s: Slice, actor: Actor, moment: Moment) -> Where:
    w = scoped(actor, s.period.start, s.period.end)
    case_dimension_clause(w, CASE_DIMENSION.get(s.dim, ALL), s.key)
    if s.flag:
        appraisal_clause(w, int(s.key), s.flag, *s.period.bounds(), moment)
    elif s.measure != "total":
        m = CASE_MEASURE[s.measure]
        w.add(m.sql, *m.bind(moment))
    return w


def slice_title(s: Slice, names: dict[int, str]) -> str:
    parts = [s.period.label]
    if s.dim == "department":
        parts.append(names.get(int(s.key), f"单位 {s.key}"))
    elif s.dim in ENUMS:
        member = ENUMS[s.dim].parse(s.key)
        parts.append(member.label if member else s.key)
    elif s.dim == "district":
        parts.append(s.key or BLANK_DISTRICT)
    if s.flag:
        parts.append(APPRAISAL_FLAG[s.flag].label)
    elif s.measure != "total":
        parts.append(CASE_MEASURE[s.measure].label)
    return " · ".join(parts)


async def departments_of(conn: aiosqlite.Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return found
    marks = ",".join("?" * len(ids))
    for r in await fetch_all(
            conn, f"SELECT a.case_id, a.department_id, d.name, a.state, a.is_lead FROM assignments a "
            f"JOIN departments d ON d.id = a.department_id WHERE a.case_id IN ({marks}) "
            f"AND a.state NOT IN ('transferred', 'withdrawn') ORDER BY a.id", ids):
        found[r[0]].append({"id": r[1], "name": r[2], "state": r[3],
                            "state_label": AssignmentState(r[3]).label, "is_lead": bool(r[4])})
    return found


async def case_page(db: Database, moment: Moment, now: datetime, s: Slice, actor: Actor, page: int,
                    per_page: int, due_soon_days: int, where: Where | None = None) -> dict[str, Any]:
    """One page of the slice's cases (or of `where`), newest first, with the exact total."""
    w = where if where is not None else slice_where(s, actor, moment)
    page, per_page = clamp_page(page, per_page, PAGE_CAP)
    async with db.reader() as conn:
        rows = await fetch_all(conn, f"SELECT c.* FROM cases c WHERE {w.sql()} {ORDER} LIMIT ? OFFSET ?",
                               [*w.params, per_page, (page - 1) * per_page])
        total = await fetch_value(conn, f"SELECT COUNT(*) FROM cases c WHERE {w.sql()}", w.params)
        depts = await departments_of(conn, [r["id"] for r in rows])
        title = slice_title(s, await department_names(conn))
    items = [summary(r, depts[r["id"]], now, db.tz, due_soon_days) for r in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": int(total), "total_capped": False,
            "title": title}
