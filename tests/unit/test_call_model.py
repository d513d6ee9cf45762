"""The live call model applied to domain-event sequences, and the bus that carries its changes."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telephony.bus import Bus, Overflow, SubscriptionClosed
from telephony.calls.model import LOST_CAUSE, CallModel
from telephony.calls.records import (CallDisposition, CallRecord, Direction, Purpose, ServiceLevel,
                                     service_level)
from telephony.calls.views import AgentChanged, CallChanged, CallGone, ModelReset, Outcome, QueueChanged
from telephony.events import (AgentRinging, AgentRingNoAnswer, AgentState, AgentStateChanged, CallAbandoned,
                              CallAnswered, CallEnded, CallOffered, Event, HangupSide, LinkStateChanged,
                              OutboundCallStarted, RecordingStarted, ResyncSnapshot, SnapshotCall, SpyStarted,
                              SpyStopped)

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)
A1, A2 = "PJSIP/1001", "PJSIP/1002"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def member(t: float, iface: str = A1, state: AgentState = AgentState.AVAILABLE, paused: bool = False,
           reason: str = "", queue: str = "hotline", wrapup: int = 0, name: str = "张三") -> AgentStateChanged:
    return AgentStateChanged(at(t), queue, iface, name, state, paused, reason, 0, wrapup)


def offered(t: float, lid: str, position: int = 1, number: str = "13800138000") -> CallOffered:
    return CallOffered(at(t), lid, lid, f"PJSIP/trunk-{lid}", "hotline", number, "王五", position)


def ringing(t: float, lid: str, iface: str = A1) -> AgentRinging:
    return AgentRinging(at(t), lid, "hotline", iface, "张三", f"{iface}-{lid}")


def answered(t: float, lid: str, iface: str = A1, wait: int = 10, ring: int = 3) -> CallAnswered:
    return CallAnswered(at(t), lid, "hotline", iface, "张三", f"{iface}-{lid}", wait, ring)


def ended(t: float, lid: str, side: HangupSide = HangupSide.CALLER) -> CallEnded:
    return CallEnded(at(t), lid, 16, "Normal Clearing", side)


def apply_all(model: CallModel, *events: Event) -> Outcome:
    changes, records = [], []
    for event in events:
        out = model.apply(event)
        changes += out.changes
        records += out.records
    return Outcome(tuple(changes), tuple(records))


def agent(model: CallModel, iface: str = A1):
    return next(a for a in model.agents() if a.interface == iface)


def test_answered_call_states_and_record() -> None:
    model = CallModel()
    apply_all(model, member(0), offered(100, "c1"), RecordingStarted(at(100), "c1", "/rec/c1.wav"))
    assert model.call("c1").state == "queued"
    apply_all(model, ringing(105, "c1"))
    assert (model.call("c1").state, agent(model).state) == ("ringing", AgentState.RINGING)
    out = apply_all(model, answered(110, "c1", wait=10, ring=5))
    assert (model.call("c1").state, agent(model).state, agent(model).linked_id) == ("talking", AgentState.ON_CALL, "c1")
    (early,) = out.records  # written at answer time, so a case can link to it during the call
    assert early.ended_at is None and early.disposition is CallDisposition.PENDING
    out = apply_all(model, ended(200, "c1"))
    (record,) = out.records
    assert record == CallRecord(
        linked_id="c1", direction=Direction.INBOUND, offered_at=at(100), caller_number="13800138000",
        caller_name="王五", queue="hotline", answered_at=at(110), ended_at=at(200), wait_seconds=10, ring_seconds=5,
        talk_seconds=90, agent_interface=A1, agent_name="张三", recording="/rec/c1.wav", hangup_cause=16,
        hangup_cause_text="Normal Clearing", hangup_side=HangupSide.CALLER, disposition=CallDisposition.PENDING)
    assert CallGone("c1") in out.changes
    assert agent(model).state is AgentState.AVAILABLE and agent(model).calls_today == 1
    assert model.memory() == {"calls": 0, "queue": 0, "agents": 1}


def test_time_in_state_restarts_only_on_real_changes() -> None:
    model = CallModel()
    apply_all(model, member(0), member(60), member(120))
    view = agent(model)
    assert view.since == at(0) and view.seconds_in_state(at(300)) == 300
    apply_all(model, member(400, paused=True, reason="午休", state=AgentState.PAUSED))
    assert (agent(model).state, agent(model).since, agent(model).pause_reason) == (AgentState.PAUSED, at(400), "午休")
    apply_all(model, member(500, paused=True, reason="培训", state=AgentState.PAUSED))
    assert agent(model).since == at(500)  # a different pause is a new state of its own
    out = apply_all(model, member(510, paused=True, reason="培训", state=AgentState.PAUSED))
    assert out.changes == ()  # a repeated QueueMemberStatus publishes nothing


def test_pause_survives_a_call() -> None:
    model = CallModel()
    apply_all(model, member(0), offered(1, "c1"), ringing(2, "c1"), answered(5, "c1"),
              member(6, state=AgentState.ON_CALL, paused=True, reason="小休"))
    assert (agent(model).state, agent(model).pause_reason) == (AgentState.ON_CALL, "小休")
    apply_all(model, ended(60, "c1"))
    assert (agent(model).state, agent(model).pause_reason, agent(model).since) == (AgentState.PAUSED, "小休", at(60))


def test_wrap_up_until_time_runs_out() -> None:
    model = CallModel()
    out = apply_all(model, member(0, wrapup=30), offered(1, "c1"), answered(5, "c1"), ended(60, "c1"))
    assert agent(model).state is AgentState.WRAP_UP and agent(model).wrapup_until == at(90)
    assert [c.agent.wrapup_until for c in out.changes if isinstance(c, AgentChanged)][-1] == at(90)
    apply_all(model, member(61, wrapup=30))  # the phone is idle again: still writing up
    assert agent(model).state is AgentState.WRAP_UP
    assert model.tick(at(80)).changes == ()
    out = model.tick(at(90))
    assert agent(model).state is AgentState.AVAILABLE and isinstance(out.changes[0], AgentChanged)


def test_model_wide_wrap_up_and_pause_ends_it() -> None:
    model = CallModel(wrapup_seconds=20)
    apply_all(model, member(0), offered(1, "c1"), answered(5, "c1"), ended(60, "c1"))
    assert agent(model).state is AgentState.WRAP_UP
    apply_all(model, member(65, paused=True, reason="午休", state=AgentState.PAUSED))
    assert agent(model).state is AgentState.PAUSED and agent(model).wrapup_until is None


def test_login_logout_across_queues() -> None:
    model = CallModel()
    apply_all(model, member(0), member(0, queue="hotline2"))
    assert agent(model).queues == ("hotline", "hotline2")
    apply_all(model, member(10, state=AgentState.LOGGED_OUT))
    assert agent(model).state is AgentState.AVAILABLE  # still in hotline2
    apply_all(model, member(20, state=AgentState.LOGGED_OUT, queue="hotline2"))
    assert (agent(model).state, agent(model).queues, agent(model).since) == (AgentState.LOGGED_OUT, (), at(20))


def test_the_agent_at_one_extension() -> None:
    model = CallModel()
    for event in (member(0, A1), member(0, A2, name="李四"), member(0, "PJSIP/11001", name="王五")):
        model.apply(event)
    found = model.agent_at("1002")
    assert found is not None and found.interface == A2 and found.name == "李四"
    assert model.agent_at("1003") is None and model.agent_at("") is None and model.agent_at("001") is None


def test_queue_positions_and_waits() -> None:
    model = CallModel()
    out = apply_all(model, offered(0, "c1"), offered(5, "c2", 2), offered(9, "c3", 3))
    last = [c for c in out.changes if isinstance(c, QueueChanged)][-1]
    assert [(e.linked_id, e.position) for e in last.entries] == [("c1", 1), ("c2", 2), ("c3", 3)]
    out = apply_all(model, answered(20, "c2", A2))
    (queue,) = [c for c in out.changes if isinstance(c, QueueChanged)]
    assert [(e.linked_id, e.position) for e in queue.entries] == [("c1", 1), ("c3", 2)]
    assert [e.wait_seconds(at(30)) for e in model.queue_entries("hotline")] == [30, 21]
    apply_all(model, CallAbandoned(at(31), "c1", "hotline", 1, 1, 31))
    assert [(e.linked_id, e.position) for e in model.queue_entries()] == [("c3", 1)]
    assert model.call("c1").state == "abandoned"


def test_a_join_replayed_after_a_resync_keeps_the_callers_place() -> None:
    model = CallModel()
    apply_all(model, offered(0, "c1"), offered(5, "c2", 2))
    out = model.apply(offered(9, "c1"))  # the link replays events held back during the listing
    assert [(e.linked_id, e.position, e.joined_at) for e in model.queue_entries()] == [("c1", 1, at(0)),
                                                                                     ("c2", 2, at(5))]
    assert not any(isinstance(c, QueueChanged) for c in out.changes)


def test_abandoned_after_ring_no_answer() -> None:
    model = CallModel()
    apply_all(model, member(0), member(0, A2, name="李四"), offered(0, "c1"), ringing(2, "c1"),
              AgentRingNoAnswer(at(17), "c1", "hotline", A1, 15.0), ringing(18, "c1", A2))
    assert (agent(model).state, agent(model, A2).state) == (AgentState.AVAILABLE, AgentState.RINGING)
    out = apply_all(model, CallAbandoned(at(25), "c1", "hotline", 1, 1, 25), ended(25, "c1"))
    (record,) = out.records
    assert (record.disposition, record.wait_seconds, record.ring_seconds) == (CallDisposition.ABANDONED, 25, 22)
    assert record.answered_at is None and record.agent_interface == ""
    assert agent(model, A2).state is AgentState.AVAILABLE


def test_call_back_and_spy() -> None:
    model = CallModel()
    apply_all(model, member(0), offered(0, "c1"), answered(3, "c1"))
    apply_all(model, SpyStarted(at(10), "c1", "PJSIP/2001-1", "PJSIP/1001-c1"))
    assert model.call("c1").spy_channels == ("PJSIP/2001-1",)
    apply_all(model, SpyStopped(at(20), "c1", "PJSIP/2001-1"), ended(30, "c1"))
    start = OutboundCallStarted(at(40), "o1", "cb-1", "PJSIP/1001-9", "13800138000", 42, "callback", A1)
    apply_all(model, start)
    assert (model.call("o1").state, model.call("o1").case_id, model.call("o1").agent_name) == ("dialing", 42, "张三")
    out = apply_all(model, CallAnswered(at(48), "o1", "", A1, "", "PJSIP/1001-9", 0, 8), ended(100, "o1"))
    record = out.records[-1]
    assert (record.direction, record.purpose, record.case_id, record.caller_number, record.talk_seconds) == (
        Direction.OUTBOUND, Purpose.CALLBACK, 42, "13800138000", 52)
    assert record.disposition is CallDisposition.OUTBOUND and agent(model).calls_today == 1  # call-backs don't count
    spy = OutboundCallStarted(at(200), "s1", "sp-1", "PJSIP/2001-7", "PJSIP/1001-x,qB", None, "spy", "PJSIP/2001")
    (record,) = apply_all(model, spy, ended(260, "s1", HangupSide.AGENT)).records
    assert (record.purpose, record.caller_number, record.answered_at) == (Purpose.SPY, "", None)
    assert model.memory()["calls"] == 0


def test_events_for_unknown_calls_change_nothing() -> None:
    model = CallModel()
    for event in (ringing(0, "x"), answered(0, "x"), ended(0, "x"), RecordingStarted(at(0), "x", "f"),
                  CallAbandoned(at(0), "x", "hotline", 1, 1, 1), SpyStopped(at(0), "x", "s"),
                  LinkStateChanged(at(0), False, "timeout")):
        assert model.apply(event) == Outcome()


def test_memory_is_flat_after_ten_thousand_calls() -> None:
    model = CallModel(wrapup_seconds=5)
    agents = [f"PJSIP/{1000 + i}" for i in range(10)]
    for i, iface in enumerate(agents):
        model.apply(member(0, iface, name=f"坐席{i}"))
    records = 0
    for n in range(10_000):
        t, lid, iface = n * 3.0, f"1727485200.{n}", agents[n % 10]
        events: list[Event] = [offered(t, lid), ringing(t + 1, lid, iface)]
        if n % 7 == 0:
            events += [CallAbandoned(at(t + 9), lid, "hotline", 1, 1, 9), ended(t + 9, lid)]
        else:
            events += [answered(t + 2, lid, iface, wait=2), ended(t + 30, lid)]
        records += sum(r.ended_at is not None for r in apply_all(model, *events).records)
        model.tick(at(t + 31))
    assert records == 10_000
    assert model.memory() == {"calls": 0, "queue": 0, "agents": 10}
    assert model.calls() == [] and model.queue_entries() == []
    level = model.service_level()
    assert (level.offered, level.abandoned) == (10_000, 1429) and level.answered_in_time == 8571


def test_resync_keeps_live_calls_drops_stale_and_adopts_new() -> None:
    model = CallModel()
    apply_all(model, member(0), member(0, A2, name="李四"), offered(0, "talk"), answered(5, "talk"),
              offered(10, "wait"), offered(12, "stale", 2), offered(14, "gone", 3),
              OutboundCallStarted(at(15), "cb", "a", "PJSIP/1002-1", "139", None, "callback", A2))
    snapshot = ResyncSnapshot(at(100), (
        SnapshotCall("wait", "wait", "PJSIP/trunk-wait", "hotline", "13800138000", "王五", 1, 90),
        SnapshotCall("new", "new", "PJSIP/trunk-new", "hotline", "13700137000", "", 2, 30),
        SnapshotCall("talk", "talk", "PJSIP/trunk-talk", "hotline", "13800138000", "王五", 0, 0, A1, "张三",
                     "PJSIP/1001-talk", 95),
    ), (member(100, state=AgentState.ON_CALL),), frozenset({"talk", "wait", "new", "cb"}))
    out = model.apply(snapshot)
    assert isinstance(out.changes[0], ModelReset)
    assert {r.linked_id for r in out.records} == {"stale", "gone"}
    assert all(r.hangup_cause_text == LOST_CAUSE and r.disposition is CallDisposition.ABANDONED for r in out.records)
    assert {c.linked_id for c in model.calls()} == {"talk", "wait", "new", "cb"}
    assert [(e.linked_id, e.position) for e in model.queue_entries()] == [("wait", 1), ("new", 2)]
    assert model.queue_entries()[1].wait_seconds(at(100)) == 30
    assert model.call("talk").answered_at == at(5)  # known calls keep what the model saw
    assert (agent(model).state, agent(model).linked_id) == (AgentState.ON_CALL, "talk")
    assert agent(model, A2).state is AgentState.LOGGED_OUT  # no longer a member
    (record,) = apply_all(model, answered(120, "new", A1, wait=120), ended(150, "new")).records[-1:]
    assert (record.offered_at, record.talk_seconds) == (at(70), 30)


def test_resync_of_a_call_answered_during_the_outage() -> None:
    model = CallModel()
    apply_all(model, member(0), offered(0, "c1"))
    snap = SnapshotCall("c1", "c1", "PJSIP/trunk-c1", "hotline", "13800138000", "王五", 0, 0, A1, "张三", "ch", 40)
    model.apply(ResyncSnapshot(at(100), (snap,), (member(100, state=AgentState.ON_CALL),), frozenset({"c1"})))
    call = model.call("c1")
    assert (call.state, call.answered_at, call.agent_interface) == ("talking", at(60), A1)
    (record,) = model.apply(ended(130, "c1")).records
    assert (record.wait_seconds, record.talk_seconds) == (60, 70)
    assert model.queue_entries() == []


def test_calls_today_restart_on_a_new_day() -> None:
    model = CallModel()
    apply_all(model, member(0), offered(0, "c1"), answered(1, "c1"), ended(10, "c1"))
    assert agent(model).calls_today == 1
    assert model.service_level().offered == 1
    model.tick(T0 + timedelta(days=1))
    assert agent(model).calls_today == 0 and model.service_level().offered == 0


def test_service_level_helpers() -> None:
    def rec(wait: int, answered: bool, direction: Direction = Direction.INBOUND) -> CallRecord:
        return CallRecord("x", direction, T0, answered_at=T0 if answered else None, wait_seconds=wait)
    records = [rec(5, True)] * 90 + [rec(20, True)] * 6 + [rec(30, False)] * 4 + [rec(0, True, Direction.OUTBOUND)]
    level = service_level(records)
    assert (level.offered, level.answered, level.answered_in_time, level.abandoned) == (100, 96, 90, 4)
    assert level.answer_rate == 0.96 and level.in_time_rate == 0.9 and level.meets_target
    assert not ServiceLevel(100, 94, 94, 6).meets_target and ServiceLevel().meets_target


def test_model_changes_travel_on_the_bus() -> None:
    async def scenario() -> None:
        bus, model = Bus(), CallModel()
        board = bus.subscribe(name="board")
        for event in (member(0), offered(1, "c1"), answered(2, "c1"), ended(9, "c1")):
            for change in model.apply(event).changes:
                bus.publish(change)
        got = [board.get_nowait() for _ in range(board.pending)]
        assert CallGone("c1") in got and any(isinstance(c, CallChanged) for c in got)
    asyncio.run(scenario())


def test_bus_drops_oldest_for_slow_readers_and_never_blocks() -> None:
    async def scenario() -> None:
        bus = Bus()
        slow = bus.subscribe(maxsize=3, name="slow")
        fast = bus.subscribe(maxsize=100)
        for i in range(10):
            bus.publish(i)
        assert [await slow.get() for _ in range(3)] == [7, 8, 9] and slow.dropped == 7
        assert [fast.get_nowait() for _ in range(10)] == list(range(10)) and fast.dropped == 0
    asyncio.run(scenario())


def test_bus_disconnects_readers_that_cannot_lose_items() -> None:
    async def scenario() -> None:
        bus = Bus()
        strict = bus.subscribe(maxsize=2, overflow=Overflow.DISCONNECT)
        other = bus.subscribe(maxsize=10)
        waiting = asyncio.ensure_future(strict.get())
        await asyncio.sleep(0)
        for i in range(4):
            bus.publish(i)
        with pytest.raises(SubscriptionClosed, match="fell behind"):
            await waiting  # woken up, with what was queued discarded: the reader must reload
        with pytest.raises(SubscriptionClosed):
            await strict.get()
        assert strict.closed and bus.subscribers == 1 and other.pending == 4
        assert [item async for item in _take(other, 4)] == [0, 1, 2, 3]
        other.close()
        assert [item async for item in other] == [] and bus.subscribers == 0
    asyncio.run(scenario())


async def _take(sub, n: int):
    for _ in range(n):
        yield await sub.get()
