"""The read side: 办件查询 (with 更多条件) and every named work list, scoped to the user."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import aiosqlite

from casework.cases.lists import CROWDED_ABOVE, LISTS, ListSpec
from casework.cases.where import Where, overdue_clause
from casework.cases.visibility import visible_departments
from casework.db.reads import fetch_all, fetch_value
from casework.db.timefmt import from_db, to_db
from casework.domain.deadlines import overdue_class
from casework.domain.enums import AssignmentState, CaseType, Disposition, OverdueClass, Source, State, Urgency
from casework.domain.model import Actor
from casework.paging import clamp_page
from casework.search.indexer import pending_matches
from casework.search.text import match_query

SORTS = {"created_at": "c.created_at", "deadline": "c.deadline", "number": "c.number",
         "updated_at": "c.updated_at", "id": "c.id"}
COUNT_CAP = 10000
MAX_PER_PAGE = 100
# Above this many full-text hits it is cheaper to walk cases newest-first and stop after one page
# than to fetch and sort every hit.
MANY_HITS = 2000


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    number: str = ""
    phone: str = ""
    date_from: date | None = None
    date_to: date | None = None
    states: tuple[State, ...] = ()
    case_type: CaseType | None = None
    source: Source | None = None
    department_id: int | None = None
    urgency: Urgency | None = None
    overdue: OverdueClass | None = None
    disposition: Disposition | None = None
    page: int = 1
    per_page: int = 20
    sort: str = "-created_at"


@dataclass(frozen=True)
class TextMatch:
    """A 办件查询 keyword: its index query, the backlog's cases it finds (casework/search/indexer.py)
    and the number of hits in all."""
    match: str
    pending: list[int]
    hits: int

    def add_to(self, w: Where) -> None:
        prefix = "+" if self.hits > MANY_HITS else ""  # many hits: walk the sort order instead
        found = "SELECT rowid FROM case_fts WHERE case_fts MATCH ?"
        if self.pending:
            w.add(f"{prefix}c.id IN ({found} UNION ALL SELECT value FROM json_each(?))", self.match,
                  json.dumps(self.pending))
        else:
            w.add(f"{prefix}c.id IN ({found})", self.match)


class CaseQueries:
    def __init__(self, conn: aiosqlite.Connection, tz, due_soon_days: int = 3) -> None:
        self.conn, self.tz, self.due_soon_days = conn, tz, due_soon_days

    async def _fts_hits(self, match: str, upto: int) -> int:
        """Hits in the index up to the backlog's mark (the cases above it are counted from the backlog)."""
        return int(await fetch_value(self.conn, "SELECT COUNT(*) FROM (SELECT rowid FROM case_fts WHERE case_fts "
                                           "MATCH ? AND rowid <= ? LIMIT ?)", (match, upto, COUNT_CAP + 1)))

    def where(self, f: CaseFilter, actor: Actor, now: datetime, text: TextMatch | None) -> Where:
        w = Where()
        self._scope(w, actor)
        if text:
            text.add_to(w)
        if f.number.strip():
            w.add("c.number LIKE ? ESCAPE '\\'", f.number.strip().replace("%", r"\%").replace("_", r"\_") + "%")
        if f.phone.strip():
            w.add("c.caller_phone = ?", f.phone.strip())
        if f.date_from:
            w.add("c.created_at >= ?", f.date_from.isoformat())
        if f.date_to:
            w.add("c.created_at < ?", (f.date_to + timedelta(days=1)).isoformat())
        if f.states:
            w.add(f"c.state IN ({','.join('?' * len(f.states))})", *[s.value for s in f.states])
        for column, value in (("case_type", f.case_type), ("source", f.source), ("urgency", f.urgency),
                              ("disposition", f.disposition)):
            if value is not None:
                w.add(f"c.{column} = ?", value.value)
        if f.department_id is not None:
            w.add("c.id IN (SELECT case_id FROM assignments WHERE department_id = ?)", f.department_id)
        if f.overdue is not None:
            overdue_clause(w, f.overdue, to_db(now, self.tz), to_db(now + timedelta(days=self.due_soon_days), self.tz))
        return w

    def _scope(self, w: Where, actor: Actor) -> None:
        depts = visible_departments(actor)
        if depts is None:
            return
        ids = sorted(depts) or [-1]
        marks = ",".join("?" * len(ids))
        w.add(f"(c.id IN (SELECT case_id FROM assignments WHERE department_id IN ({marks})) "
              f"OR c.concern_department_id IN ({marks}))", *ids, *ids)

    async def text_match(self, query: str) -> TextMatch | None:
        match = match_query(query) if query.strip() else None
        if match is None:
            return None
        upto, pending = await pending_matches(self.conn, query)
        return TextMatch(match, pending, await self._fts_hits(match, upto) + len(pending))

    async def search(self, f: CaseFilter, actor: Actor, now: datetime, spec: ListSpec | None = None) -> dict[str, Any]:
        text = await self.text_match(f.q)
        w = self.where(f, actor, now, text)
        only_text = text is not None and len(w.clauses) == 1 and spec is None
        if spec is not None:
            spec.apply(w, actor, to_db(now, self.tz), to_db(now + timedelta(days=self.due_soon_days), self.tz))
        key, desc = f.sort.lstrip("-"), f.sort.startswith("-")
        order = SORTS.get(key, "c.created_at") + (" DESC" if desc else " ASC")
        if spec is not None and spec.order:
            order = f"{spec.order}, {order}"
        page, per_page = clamp_page(f.page, f.per_page, MAX_PER_PAGE)
        tie = "c.id DESC" if desc else "c.id ASC"  # equal keys keep the requested direction (registration order)
        source = f"cases c INDEXED BY {spec.index}" if spec is not None and spec.index else "cases c"
        sql = f"SELECT c.* FROM {source} WHERE {w.sql()} ORDER BY {order}, {tie} LIMIT ? OFFSET ?"
        rows = await fetch_all(self.conn, sql, [*w.params, per_page, (page - 1) * per_page])
        if only_text:
            total = text.hits if text else 0
        else:
            total = await fetch_value(self.conn, f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} WHERE {w.sql()} "
                                      "LIMIT ?)", [*w.params, COUNT_CAP + 1])
        items = await self._summaries(rows, now)
        return {"items": items, "page": page, "per_page": per_page, "total": min(total, COUNT_CAP),
                "total_capped": total > COUNT_CAP}

    async def named(self, name: str, f: CaseFilter, actor: Actor, now: datetime) -> dict[str, Any]:
        spec = LISTS[name]
        if spec.probe and spec.crowded is not None:
            count = await fetch_value(self.conn, spec.probe, (actor.id,))
            spec = spec.crowded if count > CROWDED_ABOVE else spec
        return await self.search(f, actor, now, spec)

    async def _summaries(self, rows: list[aiosqlite.Row], now: datetime) -> list[dict[str, Any]]:
        ids = [r["id"] for r in rows]
        depts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            marks = ",".join("?" * len(ids))
            for r in await fetch_all(
                    self.conn, f"SELECT a.case_id, a.department_id, d.name, a.state, a.is_lead FROM assignments a "
                    f"JOIN departments d ON d.id = a.department_id WHERE a.case_id IN ({marks}) "
                    f"AND a.state NOT IN ('transferred', 'withdrawn') ORDER BY a.id", ids):
                depts[r[0]].append({"id": r[1], "name": r[2], "state": r[3],
                                    "state_label": AssignmentState(r[3]).label, "is_lead": bool(r[4])})
        return [summary(r, depts[r["id"]], now, self.tz, self.due_soon_days) for r in rows]


def summary(r: aiosqlite.Row, departments: list[dict[str, Any]], now: datetime, tz, due_soon_days: int) -> dict[str, Any]:
    state = State(r["state"])
    deadline = from_db(r["deadline"], tz)
    cls = overdue_class(state, deadline, from_db(r["closed_at"], tz), now, due_soon_days)
    return {
        "id": r["id"], "number": r["number"], "title": r["title"], "state": state.value,
        "state_label": state.label, "case_type": r["case_type"], "case_type_label": CaseType(r["case_type"]).label,
        "source": r["source"], "source_label": Source(r["source"]).label, "urgency": r["urgency"],
        "urgency_label": Urgency(r["urgency"]).label, "disposition": r["disposition"],
        "disposition_label": Disposition(r["disposition"]).label, "caller_name": r["caller_name"],
        "caller_phone": r["caller_phone"], "address": r["address"], "district": r["district"],
        "created_at": r["created_at"], "deadline": r["deadline"], "closed_at": r["closed_at"],
        "overdue_class": cls.value, "overdue_label": cls.label, "urge_count": r["urge_count"],
        "return_count": r["return_count"], "reopen_count": r["reopen_count"], "merged_into": r["merged_into"],
        "returned": state is State.RETURNED, "call_id": r["call_id"], "departments": departments,
    }
