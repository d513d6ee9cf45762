"""Loading and saving the case aggregate inside a write unit of work (the writer's own thread).

Synchronous on purpose: a whole action (load, decide, save) runs as one function on the writer
thread (`Database.write`), so it costs one trip from the event loop, not one per statement.
Every statement is parameterized.
"""
from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from typing import Any, Sequence

from casework.cases import rows as r
from casework.cases.rows import CaseRows
from casework.domain.enums import State
from casework.domain.model import Assignment, Case, Extension, Urging
from casework.errors import Conflict, NotFound


class CaseStore:
    """The one place that writes a case's tables.

    It remembers the rows it loaded and updates only the columns that changed: every indexed
    column named in an UPDATE rewrites its index pages, and pages written are what a commit costs.
    """

    def __init__(self, conn: sqlite3.Connection, rows: CaseRows) -> None:
        self.conn, self.rows = conn, rows
        self._loaded: dict[int, tuple[Any, ...]] = {}
        self._loaded_assignments: dict[int, tuple[Any, ...]] = {}

    def load(self, case_id: int) -> Case:
        row = self.conn.execute(r.LOAD_CASE, (case_id,)).fetchone()
        if row is None:
            raise NotFound("办件不存在", code="case_not_found")
        case = self.rows.case(row, self._loaded_assignments)
        self._loaded[case_id] = self.rows.stored_values(row)
        return case

    def departments_of(self, user_ids: list[int]) -> dict[int, int | None]:
        """The departments of active users (a handler named in 签收 must belong to the department)."""
        marks = ",".join("?" * len(user_ids))
        return dict(self.conn.execute(
            f"SELECT id, department_id FROM users WHERE active = 1 AND id IN ({marks})", user_ids).fetchall())

    def next_number(self, day: datetime) -> str:
        key = day.strftime("%Y%m%d")
        (last,) = self.conn.execute(
            "INSERT INTO case_counters(day, last) VALUES (?, 1) "
            "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last", (key,)).fetchone()
        return f"HK{key}-{last:06d}"

    def add(self, case: Case, now: datetime) -> Case:
        case.number = self.next_number(case.created_at)
        case.query_code = case.query_code or f"{secrets.randbelow(10**6):06d}"
        case.id = self.conn.execute(r.INSERT_CASE, self.rows.case_values(case, now)).lastrowid
        self._write_children(case)
        return case

    def save(self, case: Case, now: datetime) -> None:
        """Write what changed; refuse if someone else saved the case since it was loaded."""
        sets, params = _changes(r.MUTABLE_COLUMNS, self.rows.case_values(case, now)[r.FIXED:], self._loaded.get(case.id))
        sets = ", ".join(filter(None, (sets, "version = version + 1")))
        cur = self.conn.execute(f"UPDATE cases SET {sets} WHERE id = ? AND version = ?",
                                (*params, case.id, case.version))
        if cur.rowcount != 1:
            raise Conflict("办件已被他人处理，请刷新后重试", code="lost_race")
        case.version += 1
        self._write_children(case)

    def _write_children(self, case: Case) -> None:
        assert case.id is not None
        for a in case.assignments:
            if a.dirty and a.id is None:
                a.id = self.conn.execute(r.INSERT_ASSIGNMENT, self.rows.assignment_values(case.id, a)).lastrowid
            elif a.dirty:
                self._update_assignment(case.id, a)
            a.dirty = False
        for u in case.urgings:
            if u.dirty:
                self._write_urging(case.id, u)
        for e in case.extensions:
            if e.dirty:
                self._write_extension(case.id, e)
        self.write_flow(case)

    def _update_assignment(self, case_id: int, a: Assignment) -> None:
        values = self.rows.assignment_values(case_id, a)
        sets, params = _changes(r.ASSIGNMENT_COLUMNS, values, self._loaded_assignments.get(a.id))  # type: ignore[arg-type]
        if params:
            self.conn.execute(f"UPDATE assignments SET {sets} WHERE id = ?", (*params, a.id))
            self._loaded_assignments[a.id] = values  # type: ignore[index]

    def write_flow(self, case: Case) -> None:
        if case.new_flow:
            self.conn.executemany(r.INSERT_FLOW, self.rows.flow_values(case))
            case.new_flow.clear()

    def _write_urging(self, case_id: int, u: Urging) -> None:
        t = self.rows.t
        if u.id is None:
            u.id = self.conn.execute(
                "INSERT INTO urgings (case_id, author_id, author_name, role, opinion, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, u.author_id, u.author_name, u.role, u.opinion, t(u.created_at), t(u.updated_at))).lastrowid
        else:
            self.conn.execute("UPDATE urgings SET opinion = ?, updated_at = ? WHERE id = ?",
                              (u.opinion, t(u.updated_at), u.id))
        u.dirty = False

    def _write_extension(self, case_id: int, e: Extension) -> None:
        t = self.rows.t
        if e.id is None:
            e.id = self.conn.execute(
                "INSERT INTO extensions (case_id, department_id, requested_by, days, reason, requested_at, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, e.department_id, e.requested_by, e.days, e.reason, t(e.requested_at), e.status)).lastrowid
        else:
            self.conn.execute(
                "UPDATE extensions SET status = ?, decided_by = ?, decided_at = ?, decision_opinion = ? "
                "WHERE id = ?", (e.status, e.decided_by, t(e.decided_at), e.decision_opinion, e.id))
        e.dirty = False

    def follow_main(self, main: Case, now: datetime) -> list[int]:
        """Merged duplicates follow their main case's state until their own call-back."""
        if main.state is State.FEEDBACK_DONE:
            return []  # the main case's call-back is not the duplicate's: it stays closed, awaiting its own
        t = self.rows.t
        cur = self.conn.execute(
            "UPDATE cases SET state = ?, closed_at = ?, result = ?, deadline = ?, overdue_done = ?, "
            "updated_at = ?, version = version + 1 WHERE merged_into = ? AND state != ? RETURNING id",
            (main.state.value, t(main.closed_at), main.result, t(main.deadline), int(main.overdue_at_close),
             t(now), main.id, State.FEEDBACK_DONE.value))
        return [row[0] for row in cur.fetchall()]


def _changes(columns: Sequence[str], values: Sequence[Any], before: Sequence[Any] | None) -> tuple[str, list[Any]]:
    """The SET list and its parameters for the columns whose value differs from `before` (all without it)."""
    pairs = [(c, v) for i, (c, v) in enumerate(zip(columns, values)) if before is None or before[i] != v]
    return ", ".join(f"{c} = ?" for c, _ in pairs), [v for _, v in pairs]
