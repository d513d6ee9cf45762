"""The case service: load, let the domain decide, save, all inside one write transaction
(one unit of work on the writer thread, see casework/db/writer.py)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from casework.cases.lists import LISTS
from casework.cases.loading import load_case, load_flow
from casework.cases.queries import CaseFilter, CaseQueries
from casework.cases.rows import CaseRows
from casework.cases.storage import CaseStore
from casework.cases.visibility import can_view
from casework.clock import Clock
from casework.db.database import Database
from casework.db.reads import fetch_all, fetch_one
from casework.domain import commands as c
from casework.domain.handlers import Context, apply
from casework.domain.intake import Intake, register
from casework.domain.enums import CaseType, Urgency
from casework.domain.model import Actor, Case, FlowEntry
from casework.domain.workflow import allowed_actions
from casework.errors import Forbidden, Invalid, NotFound
from casework.reference.model import Reference
from casework.reference.service import ReferenceService


@dataclass
class CaseView:
    """A case as one user may see it: with its flow and the actions open to that user."""
    case: Case
    flow: list[FlowEntry]
    actions: list[c.Action]


class CaseService:
    def __init__(self, db: Database, clock: Clock, reference: ReferenceService, due_soon_days: int = 3) -> None:
        self.db, self.clock, self.reference, self.due_soon_days = db, clock, reference, due_soon_days
        self.rows = CaseRows(db.tz)

    async def search(self, f: CaseFilter, actor: Actor) -> dict[str, Any]:
        async with self.db.reader() as conn:
            return await CaseQueries(conn, self.db.tz, self.due_soon_days).search(f, actor, self.clock())

    async def named_list(self, name: str, f: CaseFilter, actor: Actor) -> dict[str, Any]:
        spec = LISTS.get(name)
        if spec is None:
            raise NotFound("没有这个列表", code="list_not_found")
        if not spec.roles & actor.roles:
            raise Forbidden("您无权查看该列表")
        async with self.db.reader() as conn:
            result = await CaseQueries(conn, self.db.tz, self.due_soon_days).named(name, f, actor, self.clock())
        return {"name": name, "label": spec.label, **result}

    def _context(self, store: CaseStore, ref: Reference, case_type: CaseType, urgency: Urgency,
                 command: c.Command | None = None, case_id: int | None = None) -> Context:
        """Everything the pure domain needs to decide, read inside the same transaction."""
        handler = getattr(command, "handler_id", None)
        target = None
        if isinstance(command, c.Merge) and command.target_id not in (None, case_id):
            try:
                target = store.load(command.target_id)
            except NotFound:
                target = None
        return Context(now=self.clock(), calendar=ref.calendar, department_ids=ref.active_department_ids,
                       user_departments=store.departments_of([handler]) if handler else {},
                       deadline_days=ref.days_for(case_type, urgency), merge_target=target)

    async def register(self, intake: Intake, actor: Actor | None) -> Case:
        return await self.db.write(self._register, await self.reference.current(), intake, actor)

    def _register(self, conn: sqlite3.Connection, ref: Reference, intake: Intake, actor: Actor | None) -> Case:
        store = CaseStore(conn, self.rows)
        ctx = self._context(store, ref, intake.case_type, intake.urgency)
        return store.add(register(intake, actor, ctx), ctx.now)

    async def perform(self, case_id: int, actor: Actor, command: c.Command) -> Case:
        return await self.db.write(self._perform, await self.reference.current(), case_id, actor, command)

    def _perform(self, conn: sqlite3.Connection, ref: Reference, case_id: int, actor: Actor,
                 command: c.Command) -> Case:
        """Load, let the domain decide, save: one unit of work on the writer thread."""
        store = CaseStore(conn, self.rows)
        case = store.load(case_id)
        if not can_view(actor, case):
            raise NotFound("办件不存在", code="case_not_found")
        ctx = self._context(store, ref, case.case_type, case.urgency, command, case.id)
        apply(case, actor, command, ctx)
        store.save(case, ctx.now)
        if case.merged_children:
            store.follow_main(case, ctx.now)
        return case

    async def view(self, case_id: int, actor: Actor) -> CaseView:
        async with self.db.reader() as conn:
            case = await load_case(conn, self.rows, case_id)
            if not can_view(actor, case):
                raise NotFound("办件不存在", code="case_not_found")
            flow = await load_flow(conn, self.rows, case_id)
        return CaseView(case, flow, allowed_actions(case, actor))

    async def id_by_number(self, number: str, actor: Actor) -> int:
        """The id of a case the user may see, by its number (并单 names the main case by number)."""
        async with self.db.reader() as conn:
            row = await fetch_one(conn, "SELECT id FROM cases WHERE number = ?", (number.strip(),))
            if row is None or not can_view(actor, await load_case(conn, self.rows, row["id"])):
                raise Invalid(fields={"target_number": "没有这个办件编号"})
        return int(row["id"])

    async def public_view(self, number: str, query_code: str) -> CaseView:
        """What a citizen may see of his own request: found by number and the code he was given."""
        async with self.db.reader() as conn:
            row = await fetch_one(conn, "SELECT id, query_code FROM cases WHERE number = ?", (number.strip(),))
            if row is None or not query_code or row["query_code"] != query_code.strip():
                raise NotFound("办件编号或查询码不正确", code="case_not_found")
            return CaseView(await load_case(conn, self.rows, row["id"]), await load_flow(conn, self.rows, row["id"]), [])

    async def known_callers(self, limit: int = 300) -> tuple[tuple[str, str], ...]:
        """(phone, name) of citizens with cases on file, newest first: the PBX simulator calls as them."""
        async with self.db.reader() as conn:
            rows = await fetch_all(conn, "SELECT caller_phone, MAX(caller_name) FROM cases WHERE caller_phone != '' "
                                         "GROUP BY caller_phone ORDER BY MAX(id) DESC LIMIT ?", (limit,))
        return tuple((r[0], r[1] or "") for r in rows)
