"""Loading and saving the case aggregate (the write side). Every statement is parameterized."""
from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from casework.db.timefmt import from_db, to_db
from casework.domain.enums import (AssignmentState, CaseType, Disposition, Satisfaction, Source, State,
                                   Urgency)
from casework.domain.model import Assignment, Case, Extension, FlowEntry, Urging
from casework.errors import Conflict, NotFound
from casework.search.text import index_text

CASE_COLUMNS = ("number", "query_code", "title", "content", "address", "district", "caller_name",
                "caller_phone", "source", "case_type", "urgency", "state", "disposition", "created_at",
                "created_by", "deadline", "closed_at", "overdue_done", "result", "supervision_opinion",
                "feedback_at", "resolved", "satisfaction", "feedback_opinion", "reopen_count",
                "return_count", "urge_count", "merged_into", "concern_department_id",
                "knowledge_article_id", "call_id", "updated_at")
MUTABLE_COLUMNS = CASE_COLUMNS[9:]
ASSIGNMENT_COLUMNS = ("case_id", "department_id", "state", "is_lead", "instructions", "dispatched_at",
                      "handler_id", "signed_at", "completed_at", "opinion", "return_reason", "returned_at")
FLOW_COLUMNS = ("case_id", "at", "actor_id", "actor_name", "role", "department_id", "action", "label",
                "opinion", "from_state", "to_state")


class CaseStore:
    """The one place that knows how a case is laid out in tables."""

    def __init__(self, conn: aiosqlite.Connection, tz: ZoneInfo) -> None:
        self.conn, self.tz = conn, tz

    def _t(self, value: datetime | None) -> str | None:
        return to_db(value, self.tz)

    def _case_values(self, case: Case, now: datetime) -> dict[str, object]:
        return {
            "number": case.number, "query_code": case.query_code, "title": case.title,
            "content": case.content, "address": case.address, "district": case.district,
            "caller_name": case.caller_name, "caller_phone": case.caller_phone,
            "source": case.source.value, "case_type": case.case_type.value,
            "urgency": case.urgency.value, "state": case.state.value,
            "disposition": case.disposition.value, "created_at": self._t(case.created_at),
            "created_by": case.created_by, "deadline": self._t(case.deadline),
            "closed_at": self._t(case.closed_at), "overdue_done": int(case.overdue_at_close),
            "result": case.result, "supervision_opinion": case.supervision_opinion,
            "feedback_at": self._t(case.feedback_at),
            "resolved": None if case.resolved is None else int(case.resolved),
            "satisfaction": case.satisfaction.value if case.satisfaction else None,
            "feedback_opinion": case.feedback_opinion, "reopen_count": case.reopen_count,
            "return_count": case.return_count, "urge_count": case.urge_count,
            "merged_into": case.merged_into, "concern_department_id": case.concern_department_id,
            "knowledge_article_id": case.knowledge_article_id, "call_id": case.call_id,
            "updated_at": self._t(now),
        }

    async def next_number(self, day: datetime) -> str:
        key = day.strftime("%Y%m%d")
        ((last,),) = await self.conn.execute_fetchall(
            "INSERT INTO case_counters(day, last) VALUES (?, 1) "
            "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last", (key,))
        return f"HK{key}-{last:06d}"

    async def add(self, case: Case, now: datetime) -> Case:
        case.number = await self.next_number(case.created_at)
        case.query_code = case.query_code or f"{secrets.randbelow(10**6):06d}"
        values = self._case_values(case, now)
        sql = (f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
        cur = await self.conn.execute(sql, [values[c] for c in CASE_COLUMNS])
        case.id = cur.lastrowid
        await self.conn.execute("INSERT INTO case_fts(rowid, body) VALUES (?, ?)",
                                (case.id, index_text(case.title, case.content, case.address)))
        await self._write_children(case)
        return case

    async def save(self, case: Case, now: datetime) -> None:
        """Write what changed; refuse if someone else saved the case since it was loaded."""
        values = self._case_values(case, now)
        sets = ", ".join(f"{c} = ?" for c in MUTABLE_COLUMNS)
        cur = await self.conn.execute(
            f"UPDATE cases SET {sets}, version = version + 1 WHERE id = ? AND version = ?",
            [values[c] for c in MUTABLE_COLUMNS] + [case.id, case.version])
        if cur.rowcount != 1:
            raise Conflict("办件已被他人处理，请刷新后重试", code="lost_race")
        case.version += 1
        await self._write_children(case)

    async def _write_children(self, case: Case) -> None:
        for a in case.assignments:
            if a.dirty:
                await self._write_assignment(case.id, a)
        for u in case.urgings:
            if u.dirty:
                await self._write_urging(case.id, u)
        for e in case.extensions:
            if e.dirty:
                await self._write_extension(case.id, e)
        await self.write_flow(case)

    async def write_flow(self, case: Case) -> None:
        if case.new_flow:
            await self.conn.executemany(
                f"INSERT INTO flow ({', '.join(FLOW_COLUMNS)}) VALUES ({', '.join('?' * len(FLOW_COLUMNS))})",
                [(case.id, self._t(f.at), f.actor_id, f.actor_name, f.role, f.department_id, f.action,
                  f.label, f.opinion, f.from_state, f.to_state) for f in case.new_flow])
            case.new_flow.clear()

    async def _write_assignment(self, case_id: int, a: Assignment) -> None:
        row = (case_id, a.department_id, a.state.value, int(a.is_lead), a.instructions,
               self._t(a.dispatched_at), a.handler_id, self._t(a.signed_at), self._t(a.completed_at),
               a.opinion, a.return_reason, self._t(a.returned_at))
        if a.id is None:
            cur = await self.conn.execute(
                f"INSERT INTO assignments ({', '.join(ASSIGNMENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(ASSIGNMENT_COLUMNS))})", row)
            a.id = cur.lastrowid
        else:
            sets = ", ".join(f"{c} = ?" for c in ASSIGNMENT_COLUMNS)
            await self.conn.execute(f"UPDATE assignments SET {sets} WHERE id = ?", (*row, a.id))
        a.dirty = False

    async def _write_urging(self, case_id: int, u: Urging) -> None:
        if u.id is None:
            cur = await self.conn.execute(
                "INSERT INTO urgings (case_id, author_id, author_name, role, opinion, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (case_id, u.author_id, u.author_name, u.role, u.opinion,
                                                 self._t(u.created_at), self._t(u.updated_at)))
            u.id = cur.lastrowid
        else:
            await self.conn.execute("UPDATE urgings SET opinion = ?, updated_at = ? WHERE id = ?",
                                    (u.opinion, self._t(u.updated_at), u.id))
        u.dirty = False

    async def _write_extension(self, case_id: int, e: Extension) -> None:
        if e.id is None:
            cur = await self.conn.execute(
                "INSERT INTO extensions (case_id, department_id, requested_by, days, reason, requested_at, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, e.department_id, e.requested_by, e.days, e.reason, self._t(e.requested_at), e.status))
            e.id = cur.lastrowid
        else:
            await self.conn.execute(
                "UPDATE extensions SET status = ?, decided_by = ?, decided_at = ?, decision_opinion = ? "
                "WHERE id = ?", (e.status, e.decided_by, self._t(e.decided_at), e.decision_opinion, e.id))
        e.dirty = False

    async def follow_main(self, main: Case, now: datetime) -> list[int]:
        """Merged duplicates follow their main case's state until their own call-back."""
        if main.state is State.FEEDBACK_DONE:
            return []  # the main case's call-back is not the duplicate's: it stays closed, awaiting its own
        cur = await self.conn.execute(
            "UPDATE cases SET state = ?, closed_at = ?, result = ?, deadline = ?, overdue_done = ?, "
            "updated_at = ?, version = version + 1 WHERE merged_into = ? AND state != ? RETURNING id",
            (main.state.value, self._t(main.closed_at), main.result, self._t(main.deadline),
             int(main.overdue_at_close), self._t(now), main.id, State.FEEDBACK_DONE.value))
        return [r[0] for r in await cur.fetchall()]

    async def load(self, case_id: int) -> Case:
        """The aggregate; child tables are read only when the case row says they hold something."""
        rows = await self._rows(
            "SELECT c.*, EXISTS(SELECT 1 FROM extensions e WHERE e.case_id = c.id) AS has_extensions, "
            "EXISTS(SELECT 1 FROM cases m WHERE m.merged_into = c.id) AS has_children FROM cases c WHERE c.id = ?",
            case_id)
        if not rows:
            raise NotFound("办件不存在", code="case_not_found")
        row = rows[0]
        case = self._case_from_row(row)
        case.assignments = [self._assignment(r) for r in await self._rows(
            "SELECT * FROM assignments WHERE case_id = ? ORDER BY id", case_id)]
        if case.urge_count:
            case.urgings = [Urging(r["author_id"], r["author_name"], r["role"], r["opinion"],
                                   self._f(r["created_at"]), r["id"], self._f(r["updated_at"]), False)
                            for r in await self._rows("SELECT * FROM urgings WHERE case_id = ? ORDER BY id", case_id)]
        if row["has_extensions"]:
            case.extensions = [Extension(r["department_id"], r["requested_by"], r["days"], r["reason"],
                                         self._f(r["requested_at"]), r["status"], r["id"], r["decided_by"],
                                         self._f(r["decided_at"]), r["decision_opinion"], False)
                               for r in await self._rows(
                                   "SELECT * FROM extensions WHERE case_id = ? ORDER BY id", case_id)]
        if row["has_children"]:
            case.merged_children = [r[0] for r in await self._rows(
                "SELECT id FROM cases WHERE merged_into = ? ORDER BY id", case_id)]
        return case

    async def load_flow(self, case_id: int) -> list[FlowEntry]:
        rows = await self._rows("SELECT * FROM flow WHERE case_id = ? ORDER BY id", case_id)
        return [FlowEntry(self._f(r["at"]), r["actor_id"], r["actor_name"], r["role"], r["department_id"],
                          r["action"], r["label"], r["opinion"], r["from_state"], r["to_state"]) for r in rows]

    async def _rows(self, sql: str, *params: object) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    def _f(self, value: str | None) -> datetime | None:
        return from_db(value, self.tz)

    def _assignment(self, r: aiosqlite.Row) -> Assignment:
        return Assignment(
            department_id=r["department_id"], state=AssignmentState(r["state"]), is_lead=bool(r["is_lead"]),
            dispatched_at=self._f(r["dispatched_at"]), instructions=r["instructions"], id=r["id"],
            handler_id=r["handler_id"], signed_at=self._f(r["signed_at"]),
            completed_at=self._f(r["completed_at"]), opinion=r["opinion"], return_reason=r["return_reason"],
            returned_at=self._f(r["returned_at"]), dirty=False)

    def _case_from_row(self, r: aiosqlite.Row) -> Case:
        return Case(
            title=r["title"], content=r["content"], source=Source(r["source"]),
            case_type=CaseType(r["case_type"]), urgency=Urgency(r["urgency"]), state=State(r["state"]),
            created_at=self._f(r["created_at"]), deadline=self._f(r["deadline"]),
            caller_name=r["caller_name"], caller_phone=r["caller_phone"], address=r["address"],
            district=r["district"], disposition=Disposition(r["disposition"]), created_by=r["created_by"],
            id=r["id"], number=r["number"], query_code=r["query_code"], result=r["result"],
            supervision_opinion=r["supervision_opinion"], closed_at=self._f(r["closed_at"]),
            feedback_at=self._f(r["feedback_at"]),
            resolved=None if r["resolved"] is None else bool(r["resolved"]),
            satisfaction=Satisfaction(r["satisfaction"]) if r["satisfaction"] else None,
            feedback_opinion=r["feedback_opinion"], reopen_count=r["reopen_count"],
            return_count=r["return_count"], urge_count=r["urge_count"], merged_into=r["merged_into"],
            concern_department_id=r["concern_department_id"],
            knowledge_article_id=r["knowledge_article_id"], call_id=r["call_id"], version=r["version"])
