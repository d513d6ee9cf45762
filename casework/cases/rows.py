"""How a case aggregate maps to table rows, with no connection in sight.

The write side (`storage.CaseStore`, on the writer's thread) and the read side (`queries.CaseQueries`,
on aiosqlite's readers) load and write cases through these same statements and mappings. The
aggregate loads in one statement: its child rows come back as JSON arrays, so that loading a case
is one trip to the database, not five.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from enum import Enum
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from casework.db.timefmt import from_db, to_db
from casework.domain.enums import (AssignmentState, CaseType, Disposition, Satisfaction, Source, State,
                                   Urgency)
from casework.domain.model import Assignment, Case, Extension, FlowEntry, Urging

CASE_COLUMNS = ("number", "query_code", "title", "content", "address", "district", "caller_name",
                "caller_phone", "source", "case_type", "urgency", "state", "disposition", "created_at",
                "created_by", "deadline", "closed_at", "overdue_done", "result", "supervision_opinion",
                "feedback_at", "resolved", "satisfaction", "feedback_opinion", "reopen_count",
                "return_count", "urge_count", "merged_into", "concern_department_id",
                "knowledge_article_id", "call_id", "updated_at")
FIXED = CASE_COLUMNS.index("case_type")  # the columns before it never change after registration
MUTABLE_COLUMNS = CASE_COLUMNS[FIXED:]
ASSIGNMENT_COLUMNS = ("case_id", "department_id", "state", "is_lead", "instructions", "dispatched_at",
                      "handler_id", "signed_at", "completed_at", "opinion", "return_reason", "returned_at")
FLOW_COLUMNS = ("case_id", "at", "actor_id", "actor_name", "role", "department_id", "action", "label",
                "opinion", "from_state", "to_state")
URGING_COLUMNS = ("id", "author_id", "author_name", "role", "opinion", "created_at", "updated_at")
EXTENSION_COLUMNS = ("id", "department_id", "requested_by", "days", "reason", "requested_at", "status",
                     "decided_by", "decided_at", "decision_opinion")


def _values(columns: Sequence[str]) -> str:
    return ", ".join("?" * len(columns))


def _children(table: str, columns: Sequence[str]) -> str:
    return (f"(SELECT json_group_array(json_array({', '.join(columns)})) FROM "
            f"(SELECT * FROM {table} WHERE case_id = c.id ORDER BY id))")


# Loaded positionally (a name lookup on a row costs more than the column's conversion):
# id, version, CASE_COLUMNS, then the JSON arrays.
LOAD_CASE = (
    f"SELECT c.id, c.version, {', '.join(f'c.{col}' for col in CASE_COLUMNS)}, "
    f"{_children('assignments', ('id', *ASSIGNMENT_COLUMNS[1:]))} AS assignment_rows, "
    f"CASE WHEN c.urge_count > 0 THEN {_children('urgings', URGING_COLUMNS)} END AS urging_rows, "
    f"{_children('extensions', EXTENSION_COLUMNS)} AS extension_rows, "
    "(SELECT json_group_array(id) FROM (SELECT id FROM cases m WHERE m.merged_into = c.id ORDER BY id)) "
    "AS children FROM cases c WHERE c.id = ?")
LOAD_FLOW = "SELECT * FROM flow WHERE case_id = ? ORDER BY id"
INSERT_CASE = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({_values(CASE_COLUMNS)})"
INSERT_ASSIGNMENT = f"INSERT INTO assignments ({', '.join(ASSIGNMENT_COLUMNS)}) VALUES ({_values(ASSIGNMENT_COLUMNS)})"
INSERT_FLOW = f"INSERT INTO flow ({', '.join(FLOW_COLUMNS)}) VALUES ({_values(FLOW_COLUMNS)})"


def _by_value(enum: type[Enum]) -> dict[Any, Any]:
    return {member.value: member for member in enum}  # a dict lookup, not Enum.__call__


_SOURCES, _TYPES, _URGENCIES, _STATES = _by_value(Source), _by_value(CaseType), _by_value(Urgency), _by_value(State)
_DISPOSITIONS, _SATISFACTIONS = _by_value(Disposition), _by_value(Satisfaction)
_ASSIGNMENT_STATES = _by_value(AssignmentState)


class CaseRows:
    """Conversions between the aggregate and its rows, in the hotline's time zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def t(self, value: datetime | None) -> str | None:
        return to_db(value, self.tz)

    def f(self, value: str | None) -> datetime | None:
        return from_db(value, self.tz)

    def case_values(self, case: Case, now: datetime) -> list[Any]:
        """In the order of CASE_COLUMNS."""
        t = self.t
        return [
            case.number, case.query_code, case.title, case.content, case.address, case.district,
            case.caller_name, case.caller_phone, case.source.value, case.case_type.value, case.urgency.value,
            case.state.value, case.disposition.value, t(case.created_at), case.created_by, t(case.deadline),
            t(case.closed_at), int(case.overdue_at_close), case.result, case.supervision_opinion,
            t(case.feedback_at), None if case.resolved is None else int(case.resolved),
            case.satisfaction.value if case.satisfaction else None, case.feedback_opinion, case.reopen_count,
            case.return_count, case.urge_count, case.merged_into, case.concern_department_id,
            case.knowledge_article_id, case.call_id, t(now)]

    def assignment_values(self, case_id: int, a: Assignment) -> tuple[Any, ...]:
        """In the order of ASSIGNMENT_COLUMNS."""
        t = self.t
        return (case_id, a.department_id, a.state.value, int(a.is_lead), a.instructions, t(a.dispatched_at),
                a.handler_id, t(a.signed_at), t(a.completed_at), a.opinion, a.return_reason, t(a.returned_at))

    def flow_values(self, case: Case) -> list[tuple[Any, ...]]:
        return [(case.id, self.t(f.at), f.actor_id, f.actor_name, f.role, f.department_id, f.action, f.label,
                 f.opinion, f.from_state, f.to_state) for f in case.new_flow]

    def case(self, r: Sequence[Any], stored: dict[int, tuple[Any, ...]] | None = None) -> Case:
        """The aggregate from one LOAD_CASE row; `stored` receives each assignment's values as stored
        (in the order of ASSIGNMENT_COLUMNS), for updates of only what changed."""
        f = self.f
        (case_id, version, number, query_code, title, content, address, district, caller_name, caller_phone,
         source, case_type, urgency, state, disposition, created_at, created_by, deadline, closed_at, _overdue,
         result, supervision_opinion, feedback_at, resolved, satisfaction, feedback_opinion, reopen_count,
         return_count, urge_count, merged_into, concern_department_id, knowledge_article_id, call_id,
         _updated_at, assignment_rows, urging_rows, extension_rows, children) = r
        case = Case(
            title, content, _SOURCES[source], _TYPES[case_type], _URGENCIES[urgency], _STATES[state],
            f(created_at), f(deadline), caller_name, caller_phone, address, district, _DISPOSITIONS[disposition],
            created_by, case_id, number, query_code, result, supervision_opinion, f(closed_at), f(feedback_at),
            None if resolved is None else bool(resolved), _SATISFACTIONS[satisfaction] if satisfaction else None,
            feedback_opinion, reopen_count, return_count, urge_count, merged_into, concern_department_id,
            knowledge_article_id, call_id, version)
        assignments = json.loads(assignment_rows)
        case.assignments = [self._assignment(a) for a in assignments]
        if stored is not None:
            stored.update((a[0], (case_id, *a[1:])) for a in assignments)
        if urging_rows:
            case.urgings = [self._urging(u) for u in json.loads(urging_rows)]
        if extension_rows != "[]":
            case.extensions = [self._extension(e) for e in json.loads(extension_rows)]
        if children != "[]":
            case.merged_children = json.loads(children)
        return case

    @staticmethod
    def stored_values(r: Sequence[Any]) -> tuple[Any, ...]:
        """MUTABLE_COLUMNS of a LOAD_CASE row, as stored."""
        return tuple(r[2 + FIXED:2 + len(CASE_COLUMNS)])  # after id and version

    def _assignment(self, a: list[Any]) -> Assignment:
        f = self.f
        return Assignment(department_id=a[1], state=_ASSIGNMENT_STATES[a[2]], is_lead=bool(a[3]), instructions=a[4],
                          dispatched_at=f(a[5]), id=a[0], handler_id=a[6], signed_at=f(a[7]),
                          completed_at=f(a[8]), opinion=a[9], return_reason=a[10], returned_at=f(a[11]),
                          dirty=False)

    def _urging(self, u: list[Any]) -> Urging:
        return Urging(u[1], u[2], u[3], u[4], self.f(u[5]), u[0], self.f(u[6]), False)

    def _extension(self, e: list[Any]) -> Extension:
        return Extension(e[1], e[2], e[3], e[4], self.f(e[5]), e[6], e[0], e[7], self.f(e[8]), e[9], False)

    def flow_entry(self, r: sqlite3.Row) -> FlowEntry:
        return FlowEntry(self.f(r["at"]), r["actor_id"], r["actor_name"], r["role"], r["department_id"],
                         r["action"], r["label"], r["opinion"], r["from_state"], r["to_state"])
