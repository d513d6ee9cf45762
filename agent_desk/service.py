"""What the desk does with a call: a case from it, the call added to a case, nuisance marks, wrap-up."""
from __future__ import annotations

from dataclasses import dataclass

from casework.cases.service import CaseService
from casework.clock import Clock
from casework.db.database import Database
from casework.db.timefmt import to_db
from casework.domain.intake import Intake
from casework.domain.model import Actor, Case
from casework.errors import Invalid
from telephony.actions import TelephonyActions
from telephony.calls.records import normalize_number
from telephony.calls.service import CallService


@dataclass
class DeskService:
    db: Database
    clock: Clock
    cases: CaseService
    calls: CallService
    actions: TelephonyActions
    wrapup_pause: bool = True

    async def register_from_call(self, intake: Intake, actor: Actor, phone_ext: str) -> Case:
        """The case the agent saves during or after a call: linked to the call, wrap-up ends."""
        case = await self.cases.register(intake, actor)
        if intake.call_id is not None:
            await self.calls.link_case(intake.call_id, case.id, case.disposition)
        await self.end_wrapup(phone_ext)
        return case

    async def add_call_to_case(self, call_id: int, case_id: int, actor: Actor, phone_ext: str) -> None:
        """A caller asking about an existing case: the call joins that case instead of a new one."""
        view = await self.cases.view(case_id, actor)
        await self.calls.link_case(call_id, case_id, view.case.disposition)
        await self.end_wrapup(phone_ext)

    async def end_wrapup(self, phone_ext: str) -> None:
        if self.wrapup_pause and phone_ext and self.actions.link is not None and self.actions.link.state.up:
            await self.actions.pause(phone_ext, False)

    async def mark_nuisance(self, number: str, reason: str, actor: Actor) -> None:
        normalized = normalize_number(number)
        if not normalized:
            raise Invalid(fields={"number": "号码格式不正确"})
        if len(reason) > 200:
            raise Invalid(fields={"reason": "不超过 200 字"})
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO nuisance_numbers (number, reason, marked_by, marked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(number) DO UPDATE SET reason = excluded.reason, marked_by = excluded.marked_by, "
                "marked_at = excluded.marked_at", (normalized, reason, actor.id, to_db(self.clock(), self.db.tz)))

    async def unmark_nuisance(self, number: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM nuisance_numbers WHERE number = ?", (normalize_number(number),))
