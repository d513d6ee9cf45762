"""Departments, deadline rules and calendar overrides in SQLite."""
from __future__ import annotations

from datetime import date

import aiosqlite

from casework.db.reads import fetch_all
from casework.domain.enums import CaseType, Urgency
from casework.reference.model import Department, Reference


async def load_reference(conn: aiosqlite.Connection) -> Reference:
    departments = {r[0]: Department(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in await fetch_all(
        conn, "SELECT id, name, kind, district, active, sort FROM departments")}
    rules = {(CaseType(r[0]), Urgency(r[1])): r[2]
             for r in await fetch_all(conn, "SELECT case_type, urgency, days FROM deadline_rules")}
    overrides = {date.fromisoformat(r[0]): bool(r[1])
                 for r in await fetch_all(conn, "SELECT day, is_workday FROM calendar_overrides")}
    return Reference(departments, rules, overrides)


async def add_department(conn: aiosqlite.Connection, name: str, kind: str, district: str, sort: int) -> int:
    cur = await conn.execute("INSERT INTO departments (name, kind, district, sort) VALUES (?, ?, ?, ?)",
                             (name, kind, district, sort))
    return int(cur.lastrowid)


async def update_department(conn: aiosqlite.Connection, dept: Department) -> None:
    await conn.execute("UPDATE departments SET name = ?, kind = ?, district = ?, active = ?, sort = ? "
                       "WHERE id = ?", (dept.name, dept.kind, dept.district, int(dept.active), dept.sort, dept.id))


async def set_rule(conn: aiosqlite.Connection, case_type: CaseType, urgency: Urgency, days: int) -> None:
    await conn.execute("INSERT INTO deadline_rules (case_type, urgency, days) VALUES (?, ?, ?) "
                       "ON CONFLICT(case_type, urgency) DO UPDATE SET days = excluded.days",
                       (case_type.value, urgency.value, days))


async def set_override(conn: aiosqlite.Connection, day: date, is_workday: bool, note: str) -> None:
    await conn.execute("INSERT INTO calendar_overrides (day, is_workday, note) VALUES (?, ?, ?) "
                       "ON CONFLICT(day) DO UPDATE SET is_workday = excluded.is_workday, note = excluded.note",
                       (day.isoformat(), int(is_workday), note))


async def delete_override(conn: aiosqlite.Connection, day: date) -> bool:
    cur = await conn.execute("DELETE FROM calendar_overrides WHERE day = ?", (day.isoformat(),))
    return cur.rowcount > 0


async def list_overrides(conn: aiosqlite.Connection) -> list[dict[str, object]]:
    return [{"day": r[0], "is_workday": bool(r[1]), "note": r[2]}
            for r in await fetch_all(conn, "SELECT day, is_workday, note FROM calendar_overrides ORDER BY day")]
