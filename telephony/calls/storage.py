"""How call records are laid out in the `calls` table. Every statement is parameterized.

Writes are upserts keyed by the PBX's linked id: the record of an answered call is written at
answer time (so a case can link to it during the call) and again at hang-up, and a reconnect may
report a call twice; the row stays one, and what a case decided (case id, disposition) is kept.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import aiosqlite

from casework.db.store import SqlStore

from casework.db.timefmt import to_db
from telephony.calls.records import (CallDisposition, CallFilter, CallRecord, Direction, Page, Purpose,
                                     ServiceLevel, normalize_number)
from telephony.events import HangupSide

COLUMNS = ("linked_id", "direction", "purpose", "caller_number", "caller_name", "queue", "offered_at",
           "answered_at", "ended_at", "wait_seconds", "ring_seconds", "talk_seconds", "agent_interface",
           "agent_name", "agent_user_id", "recording", "hangup_cause", "hangup_cause_text", "hangup_side",
           "case_id", "callback_of", "disposition")
_KEEP_IF_EMPTY = ("caller_number", "caller_name", "queue", "agent_interface", "agent_name", "recording")
_FINAL = ("hangup_cause", "hangup_cause_text", "hangup_side")
_DECIDED = "('front_desk', 'forwarded', 'invalid')"
UPSERT = (
    f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT(linked_id) DO UPDATE SET "
    + ", ".join(f"{c} = CASE WHEN excluded.{c} != '' THEN excluded.{c} ELSE calls.{c} END" for c in _KEEP_IF_EMPTY)
    + ", " + ", ".join(f"{c} = CASE WHEN excluded.ended_at IS NOT NULL THEN excluded.{c} ELSE calls.{c} END"
                       for c in _FINAL)
    + ", purpose = excluded.purpose, offered_at = MIN(calls.offered_at, excluded.offered_at), "
    "answered_at = COALESCE(calls.answered_at, excluded.answered_at), "
    "ended_at = COALESCE(excluded.ended_at, calls.ended_at), wait_seconds = excluded.wait_seconds, "
    "ring_seconds = excluded.ring_seconds, talk_seconds = MAX(calls.talk_seconds, excluded.talk_seconds), "
    "agent_user_id = COALESCE(excluded.agent_user_id, calls.agent_user_id), "
    "case_id = COALESCE(calls.case_id, excluded.case_id), "
    "callback_of = COALESCE(calls.callback_of, excluded.callback_of), "
    f"disposition = CASE WHEN calls.disposition IN {_DECIDED} THEN calls.disposition ELSE excluded.disposition END "
    "RETURNING id")
_OPEN_ABANDONED = """
    WITH open AS (
        SELECT x.id, x.caller_number, x.offered_at FROM calls x
        WHERE x.direction = 'inbound' AND x.disposition = 'abandoned' AND x.caller_number != ''
          AND x.offered_at >= ?
          AND NOT EXISTS (SELECT 1 FROM calls y WHERE y.caller_number = x.caller_number
                          AND y.answered_at IS NOT NULL AND y.offered_at >= x.offered_at)),
    grouped AS (SELECT caller_number, MAX(id) AS last_id, COUNT(*) AS missed, MIN(offered_at) AS first_at
                FROM open GROUP BY caller_number)"""


class CallStore(SqlStore):
    """The one place that knows the `calls` table."""

    def _t(self, value: datetime | None) -> str | None:
        return to_db(value, self.tz)

    def _day(self, value: date) -> str:
        return self._t(datetime.combine(value, time(), self.tz))  # type: ignore[return-value]

    def _values(self, r: CallRecord) -> list[Any]:
        return [r.linked_id, r.direction.value, r.purpose.value, r.caller_number, r.caller_name, r.queue,
                self._t(r.offered_at), self._t(r.answered_at), self._t(r.ended_at), r.wait_seconds, r.ring_seconds,
                r.talk_seconds, r.agent_interface, r.agent_name, r.agent_user_id, r.recording, r.hangup_cause,
                r.hangup_cause_text, r.hangup_side.value, r.case_id, r.callback_of, r.disposition.value]

    def _record(self, row: aiosqlite.Row) -> CallRecord:
        f = self._f
        return CallRecord(
            id=row["id"], linked_id=row["linked_id"], direction=Direction(row["direction"]),
            purpose=Purpose(row["purpose"]), caller_number=row["caller_number"], caller_name=row["caller_name"],
            queue=row["queue"], offered_at=f(row["offered_at"]), answered_at=f(row["answered_at"]),  # type: ignore
            ended_at=f(row["ended_at"]), wait_seconds=row["wait_seconds"], ring_seconds=row["ring_seconds"],
            talk_seconds=row["talk_seconds"], agent_interface=row["agent_interface"], agent_name=row["agent_name"],
            agent_user_id=row["agent_user_id"], recording=row["recording"], hangup_cause=row["hangup_cause"],
            hangup_cause_text=row["hangup_cause_text"], hangup_side=HangupSide(row["hangup_side"]),
            case_id=row["case_id"], callback_of=row["callback_of"], disposition=CallDisposition(row["disposition"]))


    async def upsert(self, record: CallRecord) -> int:
        row = await self._one(UPSERT, self._values(record))
        assert row is not None
        return int(row[0])

    async def user_for_extension(self, extension: str) -> int | None:
        if not extension:
            return None
        row = await self._one("SELECT id FROM users WHERE phone_ext = ? AND active = 1 ORDER BY id LIMIT 1",
                              [extension])
        return row[0] if row else None

    async def last_abandoned(self, number: str, before: datetime, since: datetime) -> int | None:
        """The latest abandoned inbound call from `number`: the one a call-back answers."""
        row = await self._one(
            "SELECT id FROM calls WHERE caller_number = ? AND direction = 'inbound' AND disposition = 'abandoned' "
            "AND offered_at <= ? AND offered_at >= ? ORDER BY offered_at DESC, id DESC LIMIT 1",
            [number, self._t(before), self._t(since)])
        return row[0] if row else None

    async def get(self, call_id: int) -> CallRecord | None:
        row = await self._one("SELECT * FROM calls WHERE id = ?", [call_id])
        return self._record(row) if row else None

    async def case_exists(self, case_id: int) -> bool:
        return await self._one("SELECT 1 FROM cases WHERE id = ?", [case_id]) is not None

    async def set_case(self, call_id: int, case_id: int, disposition: CallDisposition) -> None:
        await self.conn.execute("UPDATE calls SET case_id = ?, disposition = ? WHERE id = ?",
                                [case_id, disposition.value, call_id])

    async def for_number(self, number: str, since: datetime, limit: int = 50) -> list[CallRecord]:
        rows = await self._rows("SELECT * FROM calls WHERE caller_number = ? AND offered_at >= ? "
                                "ORDER BY offered_at DESC, id DESC LIMIT ?", [number, self._t(since), limit])
        return [self._record(r) for r in rows]

    async def abandoned(self, since: datetime, page: Page) -> tuple[list[CallRecord], int, dict[int, dict]]:
        """Per number, the latest abandoned call no answered call has followed since (漏接回拨)."""
        sql = (f"{_OPEN_ABANDONED} SELECT c.*, g.missed, g.first_at, (SELECT COUNT(*) FROM calls a "
               "WHERE a.direction = 'outbound' AND a.caller_number = c.caller_number "
               "AND a.offered_at >= g.first_at) AS attempts "
               "FROM grouped g JOIN calls c ON c.id = g.last_id ORDER BY c.offered_at DESC, c.id DESC LIMIT ? OFFSET ?")
        params: list[Any] = [self._t(since)]
        rows = await self._rows(sql, [*params, page.per_page, page.offset])
        total = await self._one(f"{_OPEN_ABANDONED} SELECT COUNT(*) FROM grouped", params)
        extra = {r["id"]: {"missed": r["missed"], "attempts": r["attempts"],
                           "first_missed_at": self._f(r["first_at"]).isoformat()} for r in rows}  # type: ignore
        return [self._record(r) for r in rows], int(total[0]) if total else 0, extra

    def _where(self, f: CallFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []

        def add(clause: str, *values: Any) -> None:
            clauses.append(clause)
            params.extend(values)
        if f.date_from:
            add("offered_at >= ?", self._day(f.date_from))
        if f.date_to:
            add("offered_at < ?", self._day(f.date_to + timedelta(days=1)))
        for column, value in (("direction", f.direction), ("disposition", f.disposition)):
            if value is not None:
                add(f"{column} = ?", value.value)
        for column, text in (("queue", f.queue), ("agent_interface", f.agent_interface),
                             ("caller_number", normalize_number(f.number))):
            if text:
                add(f"{column} = ?", text)
        for column, number in (("agent_user_id", f.agent_user_id), ("case_id", f.case_id)):
            if number is not None:
                add(f"{column} = ?", number)
        if f.answered is not None:
            add("answered_at IS NOT NULL" if f.answered else "answered_at IS NULL")
        return " AND ".join(clauses) or "1", params

    async def search(self, f: CallFilter, page: Page) -> tuple[list[CallRecord], int]:
        where, params = self._where(f)
        rows = await self._rows(f"SELECT * FROM calls WHERE {where} ORDER BY offered_at DESC, id DESC "
                                "LIMIT ? OFFSET ?", [*params, page.per_page, page.offset])
        total = await self._one(f"SELECT COUNT(*) FROM calls WHERE {where}", params)
        return [self._record(r) for r in rows], int(total[0]) if total else 0

    async def service_level(self, date_from: date, date_to: date, threshold: int) -> ServiceLevel:
        row = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(answered_at IS NOT NULL), 0), "
            "COALESCE(SUM(answered_at IS NOT NULL AND wait_seconds <= ?), 0), "
            "COALESCE(SUM(answered_at IS NULL), 0) FROM calls "
            "WHERE direction = 'inbound' AND offered_at >= ? AND offered_at < ?",
            [threshold, self._day(date_from), self._day(date_to + timedelta(days=1))])
        assert row is not None
        return ServiceLevel(int(row[0]), int(row[1]), int(row[2]), int(row[3]), threshold)
