"""Reading one case and its flow on an aiosqlite connection (the readers, or another service's
transaction), through the same statements and mappings as the write side."""
from __future__ import annotations

import aiosqlite

from casework.cases import rows as r
from casework.cases.rows import CaseRows
from casework.db.reads import fetch_all, fetch_one
from casework.domain.model import Case, FlowEntry
from casework.errors import NotFound


async def load_case(conn: aiosqlite.Connection, rows: CaseRows, case_id: int) -> Case:
    found = await fetch_one(conn, r.LOAD_CASE, (case_id,))
    if found is None:
        raise NotFound("办件不存在", code="case_not_found")
    return rows.case(found)


async def load_flow(conn: aiosqlite.Connection, rows: CaseRows, case_id: int) -> list[FlowEntry]:
    return [rows.flow_entry(row) for row in await fetch_all(conn, r.LOAD_FLOW, (case_id,))]


async def write_flow(conn: aiosqlite.Connection, rows: CaseRows, case: Case) -> None:
    """The flow entries a service outside the case workflow recorded (e.g. 上传附件)."""
    if case.new_flow:
        await conn.executemany(r.INSERT_FLOW, rows.flow_values(case))
        case.new_flow.clear()
