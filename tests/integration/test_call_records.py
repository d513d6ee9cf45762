"""Call records on a real SQLite file: storage, the service API, and the live pipeline end to end."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from casework.clock import ManualClock
from casework.db.database import Database
from casework.domain.enums import Disposition
from casework.errors import Conflict, Invalid, NotFound
from telephony.bus import Bus
from telephony.calls.model import CallModel
from telephony.calls.records import (CallDisposition, CallFilter, CallRecord, Direction, Page, Purpose)
from telephony.calls.service import CallService, CallStored, LiveCalls
from telephony.calls.views import CallGone
from telephony.ami import AmiMessage
from telephony.events import HangupSide, LinkStateChanged
from telephony.mapper import AmiMapper
from tests.unit.test_mapper import abandoned_call, answered_call, legs

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0 + timedelta(hours=8))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "calls.sqlite3", tz=TZ).open()
    yield database
    await database.close()


@pytest.fixture
def calls(db: Database, clock: ManualClock) -> CallService:
    return CallService(db, clock)


async def add_user(db: Database, username: str, phone_ext: str) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO users (username, name, password_hash, roles, phone_ext, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (username, "王话务", "x", "call_taker", phone_ext, "2026-09-01 08:00:00"))
        return cur.lastrowid


async def add_case(db: Database, number: str) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO cases (number, query_code, title, content, source, case_type, urgency, state, disposition, "
            "created_at, deadline, updated_at) VALUES (?, '123456', '噪音', '夜间施工', 'phone', 'complaint', "
            "'normal', 'pending_dispatch', 'forwarded', ?, ?, ?)",
            (number, "2026-09-28 09:05:00", "2026-10-09 17:00:00", "2026-09-28 09:05:00"))
        return cur.lastrowid


def inbound(lid: str, minutes: float = 0, number: str = "13800138000", answered: bool = True,
            wait: int = 8, **over) -> CallRecord:
    offered = T0 + timedelta(minutes=minutes)
    record = CallRecord(
        linked_id=lid, direction=Direction.INBOUND, offered_at=offered, caller_number=number, caller_name="王五",
        queue="hotline", answered_at=offered + timedelta(seconds=wait) if answered else None,
        ended_at=offered + timedelta(seconds=wait + 120), wait_seconds=wait, ring_seconds=3 if answered else 0,
        talk_seconds=120 if answered else 0, agent_interface="PJSIP/1001" if answered else "",
        agent_name="张三" if answered else "", recording=f"/rec/{lid}.wav" if answered else "",
        hangup_cause=16, hangup_cause_text="Normal Clearing", hangup_side=HangupSide.CALLER,
        disposition=CallDisposition.PENDING if answered else CallDisposition.ABANDONED)
    return replace(record, **over)


def callback(lid: str, minutes: float, number: str, answered: bool) -> CallRecord:
    offered = T0 + timedelta(minutes=minutes)
    return CallRecord(linked_id=lid, direction=Direction.OUTBOUND, offered_at=offered, caller_number=number,
                      purpose=Purpose.CALLBACK, answered_at=offered + timedelta(seconds=9) if answered else None,
                      ended_at=offered + timedelta(seconds=60), agent_interface="PJSIP/1001",
                      disposition=CallDisposition.OUTBOUND)


async def test_record_and_read_back(db: Database, calls: CallService) -> None:
    user = await add_user(db, "ct", "1001")
    call_id = await calls.record_call(inbound("c1", number="+86 138-0013-8000"))
    got = await calls.get(call_id)
    assert got == replace(inbound("c1"), id=call_id, agent_user_id=user)  # number normalized, agent resolved
    assert got.to_dict()["disposition_label"] == "待定"
    with pytest.raises(NotFound):
        await calls.get(call_id + 100)


async def test_migration_applied_and_records_survive_reopen(tmp_path: Path) -> None:
    first = await Database(tmp_path / "h.sqlite3", tz=TZ).open()
    call_id = await CallService(first).record_call(inbound("c1"))
    await first.close()
    again = await Database(tmp_path / "h.sqlite3", tz=TZ).open()
    try:
        async with again.reader() as conn:
            async with conn.execute("SELECT MAX(version) FROM schema_version") as cur:
                assert (await cur.fetchone())[0] >= 2
        assert (await CallService(again).get(call_id)).linked_id == "c1"
    finally:
        await again.close()


async def test_answer_time_record_then_case_then_hang_up_is_one_row(db: Database, calls: CallService) -> None:
    final = inbound("c1")
    early = replace(final, ended_at=None, talk_seconds=0, hangup_cause=0, hangup_cause_text="",
                    hangup_side=HangupSide.SYSTEM, recording="")
    call_id = await calls.record_call(early)
    case_id = await add_case(db, "HK20260928-000001")
    linked = await calls.link_case(call_id, case_id, Disposition.FRONT_DESK)
    assert (linked.case_id, linked.disposition) == (case_id, CallDisposition.FRONT_DESK)
    assert await calls.record_call(final) == call_id
    got = await calls.get(call_id)
    assert (got.case_id, got.disposition, got.ended_at, got.talk_seconds, got.recording) == (
        case_id, CallDisposition.FRONT_DESK, final.ended_at, 120, "/rec/c1.wav")
    assert await calls.record_call(early) == call_id  # a late duplicate does not undo the hang-up
    assert (await calls.get(call_id)).ended_at == final.ended_at
    assert (await calls.list()).total == 1


async def test_unknown_case_id_from_a_channel_variable_does_not_lose_the_record(calls: CallService) -> None:
    call_id = await calls.record_call(replace(callback("o1", 1, "13800138000", answered=True), case_id=4242))
    assert (await calls.get(call_id)).case_id is None


async def test_link_case_rules(db: Database, calls: CallService) -> None:
    case_a, case_b = await add_case(db, "HK-1"), await add_case(db, "HK-2")
    answered_id = await calls.record_call(inbound("c1"))
    abandoned_id = await calls.record_call(inbound("c2", answered=False))
    with pytest.raises(Invalid):
        await calls.link_case(answered_id, case_a, "abandoned")
    with pytest.raises(NotFound):
        await calls.link_case(9999, case_a, "forwarded")
    with pytest.raises(NotFound):
        await calls.link_case(answered_id, 9999, "forwarded")
    assert (await calls.link_case(answered_id, case_a, "forwarded")).disposition is CallDisposition.FORWARDED
    assert (await calls.link_case(answered_id, case_a, "invalid")).disposition is CallDisposition.INVALID
    with pytest.raises(Conflict):
        await calls.link_case(answered_id, case_b, "forwarded")
    kept = await calls.link_case(abandoned_id, case_b, "forwarded")
    assert (kept.case_id, kept.disposition) == (case_b, CallDisposition.ABANDONED)  # answer rate unchanged


async def test_recent_for_number(calls: CallService, clock: ManualClock) -> None:
    for lid, minutes in (("old", -60 * 24 * 40), ("a", -60), ("b", 0), ("c", 30)):
        await calls.record_call(inbound(lid, minutes))
    await calls.record_call(inbound("other", 10, number="13900139000"))
    recent = await calls.recent_for_number("+8613800138000")
    assert [r.linked_id for r in recent] == ["c", "b", "a"]
    assert [r.linked_id for r in await calls.recent_for_number("13800138000", days=100)][-1] == "old"
    assert await calls.recent_for_number("") == []


async def test_abandoned_callbacks(calls: CallService) -> None:
    a, b, c, d = "13800000001", "13800000002", "13800000003", "13800000004"
    for lid, minutes, number in (("a1", 0, a), ("a2", 5, a), ("b1", 10, b), ("c1", 15, c), ("d1", 20, d)):
        await calls.record_call(inbound(lid, minutes, number, answered=False))
    await calls.record_call(inbound("c2", 25, c))  # C called again and got through
    miss_id = (await calls.list(CallFilter(number=a, answered=False))).items[0].id
    tried = await calls.record_call(callback("cb-a", 30, a, answered=False))
    assert (await calls.get(tried)).callback_of == miss_id  # linked to A's latest abandoned call
    await calls.record_call(callback("cb-b", 35, b, answered=True))
    page = await calls.abandoned_callbacks()
    assert [r.linked_id for r in page.items] == ["d1", "a2"] and page.total == 2
    listed = {item["linked_id"]: item for item in page.to_dict()["items"]}
    assert (listed["a2"]["missed"], listed["a2"]["attempts"], listed["d1"]["attempts"]) == (2, 1, 0)
    second = await calls.abandoned_callbacks(Page(page=2, per_page=1))
    assert [r.linked_id for r in second.items] == ["a2"] and second.total == 2
    assert (await calls.abandoned_callbacks(days=0)).total == 0


async def test_list_filters_and_paging(db: Database, calls: CallService) -> None:
    user = await add_user(db, "ct", "1001")
    for n in range(25):
        await calls.record_call(inbound(f"c{n}", minutes=60 * 24 * (n % 3), answered=n % 5 != 0,
                                        number=f"1380000{n:04d}"))
    await calls.record_call(callback("o1", 1, "13800000001", answered=True))
    assert (await calls.list()).total == 26
    page = await calls.list(CallFilter(direction=Direction.INBOUND), Page(page=2, per_page=10))
    assert (len(page.items), page.total, page.page) == (10, 25, 2)
    assert page.items[0].offered_at >= page.items[-1].offered_at
    day1 = await calls.list(CallFilter(date_from=date(2026, 9, 29), date_to=date(2026, 9, 29)))
    assert day1.total == 8 and all(r.offered_at.date() == date(2026, 9, 29) for r in day1.items)
    assert (await calls.list(CallFilter(disposition=CallDisposition.ABANDONED))).total == 5
    assert (await calls.list(CallFilter(answered=True, agent_user_id=user))).total == 21
    assert [r.linked_id for r in (await calls.list(CallFilter(number="138-0000-0007"))).items] == ["c7"]
    assert (await calls.list(CallFilter(queue="nope"))).total == 0
    assert Page(per_page=1000).per_page == 100 and Page(page=-3).page == 1


async def test_service_level_statistics(calls: CallService) -> None:
    for n in range(20):
        answered = n < 19
        await calls.record_call(inbound(f"c{n}", n, answered=answered, wait=5 if n < 17 else 40))
    await calls.record_call(inbound("tomorrow", 60 * 24))
    level = await calls.service_level(date(2026, 9, 28), date(2026, 9, 28))
    assert (level.offered, level.answered, level.answered_in_time, level.abandoned) == (20, 19, 17, 1)
    assert level.answer_rate == 0.95 and level.meets_target
    assert (await calls.service_level(date(2026, 9, 27), date(2026, 9, 29))).offered == 21


async def test_live_pipeline_from_ami_to_database(db: Database, calls: CallService) -> None:
    await add_user(db, "ct", "1001")
    clock = ManualClock(T0)
    bus = Bus()
    board = bus.subscribe(name="board")
    live = LiveCalls(AmiMapper(clock, ["hotline"]), CallModel(), bus, calls)
    live.start()
    caller, agent = legs(1)
    for message in answered_call(caller, agent):
        clock.advance(seconds=2)
        live.handle(message)
    caller2, agent2 = legs(2)
    for message in abandoned_call(caller2, agent2):
        live.feed(AmiMessage(message))  # what the link's sink holds: AMI messages and LinkStateChanged
    live.feed(LinkStateChanged(clock(), False, "PBX 关闭了连接"))
    await live.stop()
    published = [board.get_nowait() for _ in range(board.pending)]
    stored = [p for p in published if isinstance(p, CallStored)]
    assert [(s.linked_id, s.final) for s in stored] == [(caller.linked, False), (caller.linked, True),
                                                        (caller2.linked, True)]
    assert stored[0].call_id == stored[1].call_id and CallGone(caller.linked) in published
    assert [p.up for p in published if isinstance(p, LinkStateChanged)] == [False]
    record = await calls.get(stored[1].call_id)
    assert (record.caller_name, record.agent_name, record.agent_user_id is not None, record.hangup_side) == (
        "王五", "张三", True, HangupSide.CALLER)
    assert (record.wait_seconds, record.ring_seconds, record.recording.endswith(".wav")) == (12, 4, True)
    missed = await calls.get(stored[2].call_id)
    assert (missed.disposition, missed.wait_seconds) == (CallDisposition.ABANDONED, 21)


async def test_pipeline_retries_a_failed_write(db: Database, calls: CallService) -> None:
    attempts = []

    class Flaky(CallService):
        async def record_call(self, record: CallRecord) -> int:
            attempts.append(record.linked_id)
            if len(attempts) == 1:
                raise RuntimeError("disk busy")
            return await super().record_call(record)

    bus = Bus()
    sub = bus.subscribe()
    live = LiveCalls(AmiMapper(ManualClock(T0), ["hotline"]), CallModel(), bus, Flaky(db), retry_delay=0.01)
    live.start()
    caller, agent = legs(1)
    for message in abandoned_call(caller, agent):
        live.handle(message)
    await asyncio.wait_for(live.stop(), 5)
    assert attempts == [caller.linked, caller.linked]
    assert any(isinstance(x, CallStored) for x in [sub.get_nowait() for _ in range(sub.pending)])
