"""Call records as the rest of the platform uses them, and the live pipeline that produces them.

`CallService` stores and reads records (来电情况, the caller's history in the screen pop, the
漏接回拨 list, answer-rate statistics) and links a call to the case its agent registered.
`LiveCalls` wires AMI messages → mapper → model → bus, and hands every record to a writer task so
the in-order event consumer never waits for the disk.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from casework.clock import Clock, system_clock
from casework.db.database import Database
from casework.domain.enums import Disposition
from casework.errors import Conflict, Invalid, NotFound
from config.settings import PbxSettings
from telephony.bus import Bus
from telephony.calls.model import CallModel
from telephony.calls.records import (SERVICE_LEVEL_SECONDS, CallDisposition, CallFilter, CallPage, CallRecord,
                                     Direction, Page, Purpose, ServiceLevel, agent_extension, normalize_number)
from telephony.calls.storage import CallStore
from telephony.events import Event, LinkStateChanged
from telephony.mapper import AmiMapper

log = logging.getLogger(__name__)
CALLBACK_WINDOW = timedelta(days=7)  # a call-back answers an abandoned call of the past week


class CallService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or db.now

    async def record_call(self, record: CallRecord) -> int:
        """Store (or update, by linked id) one call record; returns its id.

        Fills in what only the database knows: the platform user behind the agent's phone
        (users.phone_ext), and for a call-back the abandoned call it answers (callback_of); a case id
        that names no case (from a channel variable) is dropped rather than fail the write.
        """
        record = replace(record, caller_number=normalize_number(record.caller_number))
        async with self.db.transaction() as conn:
            store = CallStore(conn, self.db.tz)
            if record.agent_user_id is None and record.agent_interface:
                user = await store.user_for_extension(agent_extension(record.agent_interface))
                record = replace(record, agent_user_id=user)
            if record.case_id is not None and not await store.case_exists(record.case_id):
                log.warning("call %s names unknown case %s; stored unlinked", record.linked_id, record.case_id)
                record = replace(record, case_id=None)  # a bad channel variable must not lose the record
            if (record.direction is Direction.OUTBOUND and record.purpose is Purpose.CALLBACK
                    and record.callback_of is None and record.caller_number):
                missed = await store.last_abandoned(record.caller_number, record.offered_at,
                                                    record.offered_at - CALLBACK_WINDOW)
                record = replace(record, callback_of=missed)
            return await store.upsert(record)

    async def link_case(self, call_id: int, case_id: int,
                        disposition: CallDisposition | Disposition | str) -> CallRecord:
        """The agent's case decides an answered inbound call: 办件, 转办件 or 无效件.

        Calling it again for the same case updates the decision (a case can be invalidated later).
        An abandoned or outbound call keeps its disposition: only the case id is recorded.
        """
        try:
            decision = CallDisposition.of_case(disposition)
        except ValueError:
            raise Invalid(fields={"disposition": "来电结果只能是办件、转办件或无效件"}) from None
        async with self.db.transaction() as conn:
            store = CallStore(conn, self.db.tz)
            record = await store.get(call_id)
            if record is None:
                raise NotFound("来电记录不存在", code="call_not_found")
            if not await store.case_exists(case_id):
                raise NotFound("办件不存在", code="case_not_found")
            if record.case_id not in (None, case_id):
                raise Conflict("该来电已关联其他办件", code="call_linked")
            decides = record.direction is Direction.INBOUND and record.answered
            result = replace(record, case_id=case_id, disposition=decision if decides else record.disposition)
            await store.set_case(call_id, case_id, result.disposition)
        return result

    async def get(self, call_id: int) -> CallRecord:
        async with self.db.reader() as conn:
            record = await CallStore(conn, self.db.tz).get(call_id)
        if record is None:
            raise NotFound("来电记录不存在", code="call_not_found")
        return record

    async def recent_for_number(self, number: str, days: int = 30) -> list[CallRecord]:
        """The number's calls of the last `days` days, newest first (the screen pop's history)."""
        normalized = normalize_number(number)
        if not normalized:
            return []
        async with self.db.reader() as conn:
            return await CallStore(conn, self.db.tz).for_number(normalized, self.clock() - timedelta(days=days))

    async def abandoned_callbacks(self, page: Page = Page(), days: int = 7) -> CallPage:
        """漏接回拨: per number, the latest abandoned call of the last `days` days that no answered
        call has followed (neither a call-back that got through nor a later answered call of theirs).
        Each item also carries `missed` (abandoned calls in the group) and `attempts` (call-backs tried)."""
        async with self.db.reader() as conn:
            items, total, extra = await CallStore(conn, self.db.tz).abandoned(
                self.clock() - timedelta(days=days), page)
        return CallPage(items, page.page, page.per_page, total, extra)

    async def service_level(self, date_from: date, date_to: date,
                            threshold_seconds: int = SERVICE_LEVEL_SECONDS) -> ServiceLevel:
        """GB/T 33358 figures for inbound calls offered between the two days (inclusive)."""
        async with self.db.reader() as conn:
            return await CallStore(conn, self.db.tz).service_level(date_from, date_to, threshold_seconds)

    async def list(self, filters: CallFilter = CallFilter(), page: Page = Page()) -> CallPage:
        """来电情况: records matching the filters, newest first."""
        async with self.db.reader() as conn:
            items, total = await CallStore(conn, self.db.tz).search(filters, page)
        return CallPage(items, page.page, page.per_page, total)


@dataclass(frozen=True, slots=True)
class CallStored:
    """Published once a record is written: the id the agent's case links to (cases.call_id)."""
    linked_id: str
    call_id: int
    final: bool


class LiveCalls:
    """AMI messages → mapper → model → bus; records to storage on a writer task, in order."""

    def __init__(self, mapper: AmiMapper, model: CallModel, bus: Bus, calls: CallService,
                 retry_delay: float = 1.0) -> None:
        self.mapper, self.model, self.bus, self.calls = mapper, model, bus, calls
        self.retry_delay = retry_delay
        self._records: asyncio.Queue[CallRecord | None] = asyncio.Queue()  # unbounded: records are never dropped
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_all(), name="call-records")

    async def stop(self) -> None:
        """Write what is queued, then stop the writer."""
        if self._writer is not None:
            self._records.put_nowait(None)
            await self._writer
            self._writer = None

    def feed(self, item: Mapping[str, str] | Event) -> None:
        """One item of the link's sink, in order: a raw AMI message or the link's own LinkStateChanged."""
        if isinstance(item, Event):
            self.apply(item)
        else:
            self.handle(item)

    def handle(self, message: Mapping[str, str]) -> None:
        """One raw AMI message, in the order the link received it."""
        for event in self.mapper.map(message):
            self.apply(event)

    def apply(self, event: Event) -> None:
        """One domain event (the link also passes its LinkStateChanged here)."""
        outcome = self.model.apply(event)
        for change in outcome.changes:
            self.bus.publish(change)
        for record in outcome.records:
            self._records.put_nowait(record)
        if isinstance(event, LinkStateChanged):
            self.bus.publish(event)

    def tick(self, now: datetime) -> None:
        for change in self.model.tick(now).changes:
            self.bus.publish(change)

    async def _write_all(self) -> None:
        while (record := await self._records.get()) is not None:
            await self._write(record)

    async def _write(self, record: CallRecord) -> None:
        """Retry until stored: a call record is never dropped, later ones wait behind it in order."""
        attempt = 0
        while True:
            attempt += 1
            try:
                call_id = await self.calls.record_call(record)
            except Exception:
                log.exception("storing call %s failed (attempt %d), retrying", record.linked_id, attempt)
                await asyncio.sleep(min(30.0, self.retry_delay * attempt))
                continue
            self.bus.publish(CallStored(record.linked_id, call_id, record.ended_at is not None))
            return


def bench_stages(settings: PbxSettings | None = None) -> list[Callable[[Any], Any]]:
    """The live pipeline as bench/ami.py stages (`--stages telephony.calls.service:bench_stages`):
    sink item → domain events → model, changes published on a bus to one board that never reads
    (drop-oldest keeps it bounded). Records are not stored: the benchmark measures the event path."""
    pbx = settings or PbxSettings()
    mapper, model, bus = AmiMapper(system_clock(ZoneInfo("Asia/Shanghai")), pbx.queues), CallModel(), Bus()
    bus.subscribe(maxsize=1000, name="bench-board")

    def to_events(item: Any) -> list[Event]:
        return [item] if isinstance(item, Event) else mapper.map(item)

    def to_bus(event: Event) -> None:
        for change in model.apply(event).changes:
            bus.publish(change)
    return [to_events, to_bus]
