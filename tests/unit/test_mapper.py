"""The AMI mapper against message sequences as Asterisk 20 emits them (app_queue, PJSIP, Local channels):
channel snapshots with `Dest`/`Spyer`/`Spyee` prefixes, Linkedid on every channel event, list items
for resyncs, and the noise the link lets through (Newexten, Newstate, DialBegin, Bridge*)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import pytest

from casework.clock import ManualClock
from telephony.events import (AgentRingNoAnswer, AgentState, AgentStateChanged, CallAbandoned, CallEnded,
                              CallOffered, HangupSide, OutboundCallStarted, ResyncSnapshot, SpyStarted, SpyStopped)
from telephony.mapper import AmiMapper, interface_of, local_partner

TZ = ZoneInfo("Asia/Shanghai")
Msg = dict[str, str]
REC = "/var/spool/asterisk/monitor/20260928-090000-13800138000.wav"
EMPTY = {"channels": 0, "live": 0, "calls": 0, "pending": 0, "spies": 0, "legs": 0}
NORMAL = {"Cause": "16", "Cause-txt": "Normal Clearing"}


class Leg:
    """One channel: its name, ids and caller id, rendered as an Asterisk 20 channel snapshot."""

    def __init__(self, channel: str, uid: str, linked: str, num: str = "", name: str = "", ctx: str = "x") -> None:
        self.channel, self.uid, self.linked, self.num, self.name, self.ctx = channel, uid, linked, num, name, ctx

    def snap(self, prefix: str = "", state: str = "6") -> Msg:
        desc = {"0": "Down", "4": "Ring", "5": "Ringing", "6": "Up"}[state]
        fields = {"Channel": self.channel, "ChannelState": state, "ChannelStateDesc": desc,
                  "CallerIDNum": self.num or "<unknown>", "CallerIDName": self.name or "<unknown>",
                  "ConnectedLineNum": "<unknown>", "ConnectedLineName": "<unknown>", "Language": "zh",
                  "AccountCode": "", "Context": self.ctx, "Exten": "12345", "Priority": "1",
                  "Uniqueid": self.uid, "Linkedid": self.linked}
        return {prefix + k: v for k, v in fields.items()}


def ev(name: str, *parts: Msg, **fields: str) -> Msg:
    msg: Msg = {"Event": name, "Privilege": "call,all"}
    for part in (*parts, fields):
        msg.update(part)
    return msg


def member(name: str, status: str, paused: str = "0", reason: str = "", in_call: str = "0", taken: str = "0",
           wrapup: str = "0", queue: str = "hotline", iface: str = "PJSIP/1001", who: str = "张三") -> Msg:
    return ev(name, Queue=queue, MemberName=who, Interface=iface, StateInterface=iface,
              Membership="dynamic", Penalty="0", CallsTaken=taken, LastCall="0", LastPause="0",
              LoginTime="1727485000", InCall=in_call, Status=status, Paused=paused, PausedReason=reason,
              Ringinuse="0", Wrapuptime=wrapup)


def answered_call(caller: Leg, agent: Leg, queue: str = "hotline", hangup_by: str = "caller") -> list[Msg]:
    """A queue call answered by the first agent rung, then hung up by `hangup_by`."""
    first, second = (caller, agent) if hangup_by == "caller" else (agent, caller)
    who = {"Queue": queue, "Interface": "PJSIP/1001", "MemberName": "张三"}
    return [
        ev("Newchannel", caller.snap(state="4")),
        ev("VarSet", caller.snap(), Variable="MIXMONITOR_FILENAME", Value=REC),
        ev("Newexten", caller.snap(), Extension="12345", Application="Queue", AppData=queue),
        ev("QueueCallerJoin", caller.snap(), Queue=queue, Position="1", Count="1"),
        ev("Newchannel", agent.snap(state="0")),
        ev("AgentCalled", caller.snap(), agent.snap("Dest", "0"), **who),
        ev("DialBegin", caller.snap(), agent.snap("Dest", "0"), DialString="1001"),
        ev("Newstate", agent.snap(state="5")),
        member("QueueMemberStatus", "6", queue=queue),
        ev("Newstate", agent.snap()),
        ev("DialEnd", caller.snap(), agent.snap("Dest"), DialStatus="ANSWER"),
        ev("QueueCallerLeave", caller.snap(), Queue=queue, Count="0", Position="1"),
        ev("BridgeEnter", caller.snap(), BridgeUniqueid="b1", BridgeType="basic"),
        ev("AgentConnect", caller.snap(), agent.snap("Dest"), RingTime="4", HoldTime="12", **who),
        member("QueueMemberStatus", "2", in_call="1", queue=queue),
        ev("HangupRequest", first.snap(), Cause="16"),
        ev("BridgeLeave", caller.snap(), BridgeUniqueid="b1"),
        ev("AgentComplete", caller.snap(), agent.snap("Dest"), HoldTime="12", TalkTime="95", Reason=hangup_by, **who),
        ev("SoftHangupRequest", second.snap(), Cause="16"),
        ev("Hangup", agent.snap(), **NORMAL),
        member("QueueMemberStatus", "1", taken="1", queue=queue),
        ev("Hangup", caller.snap(), **NORMAL),
    ]


def abandoned_call(caller: Leg, agent: Leg, queue: str = "hotline", wait: str = "21") -> list[Msg]:
    """The caller hangs up while the agent's phone rings."""
    return [
        ev("Newchannel", caller.snap(state="4")),
        ev("QueueCallerJoin", caller.snap(), Queue=queue, Position="1", Count="1"),
        ev("Newchannel", agent.snap(state="0")),
        ev("AgentCalled", caller.snap(), agent.snap("Dest", "0"), Queue=queue, Interface="PJSIP/1001",
           MemberName="张三"),
        member("QueueMemberStatus", "6", queue=queue),
        ev("HangupRequest", caller.snap(), Cause="16"),
        ev("Hangup", agent.snap(state="5"), Cause="0", **{"Cause-txt": "Unknown"}),
        ev("DialEnd", caller.snap(), agent.snap("Dest", "5"), DialStatus="CANCEL"),
        member("QueueMemberStatus", "1", queue=queue),
        ev("QueueCallerAbandon", caller.snap(), Queue=queue, Position="1", OriginalPosition="1", HoldTime=wait),
        ev("QueueCallerLeave", caller.snap(), Queue=queue, Count="0", Position="1"),
        ev("Hangup", caller.snap(), **NORMAL),
    ]


def run(mapper: AmiMapper, messages: Iterable[Msg]) -> list[Any]:
    return [event for message in messages for event in mapper.map(message)]


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 9, 28, 9, 0, tzinfo=TZ))


@pytest.fixture
def mapper(clock: ManualClock) -> AmiMapper:
    return AmiMapper(clock, queues=("hotline",))


def legs(n: int = 1, system: str = "") -> tuple[Leg, Leg]:
    pre = f"{system}-" if system else ""
    caller_id = f"{pre}1727485200.{2 * n - 1}"
    caller = Leg(f"PJSIP/trunk-{2 * n - 1:08x}", caller_id, caller_id, "13800138000", "王五")
    agent = Leg(f"PJSIP/1001-{2 * n:08x}", f"{pre}1727485200.{2 * n}", caller_id, "13800138000", "王五", "from-queue")
    return caller, agent


@pytest.mark.parametrize("by, side", [("caller", HangupSide.CALLER), ("agent", HangupSide.AGENT)])
def test_answered_queue_call(mapper: AmiMapper, by: str, side: HangupSide) -> None:
    caller, agent = legs()
    events = run(mapper, answered_call(caller, agent, hangup_by=by))  # QueueCallerLeave alone says nothing
    assert kinds(events) == ["CallOffered", "RecordingStarted", "AgentRinging", "AgentStateChanged",
                             "CallAnswered", "AgentStateChanged", "AgentStateChanged", "CallEnded"]
    offered, rec, ringing, _, answered, *_, ended = events
    assert offered == CallOffered(offered.at, caller.linked, caller.uid, caller.channel, "hotline", "13800138000",
                                  "王五", 1)
    assert rec.filename == REC and rec.linked_id == caller.linked
    assert (ringing.interface, ringing.member_name, ringing.agent_channel) == ("PJSIP/1001", "张三", agent.channel)
    assert (answered.wait_seconds, answered.ring_seconds, answered.agent_channel) == (12, 4, agent.channel)
    assert [e.state for e in events if isinstance(e, AgentStateChanged)] == [
        AgentState.RINGING, AgentState.ON_CALL, AgentState.AVAILABLE]
    assert (ended.side, ended.cause, ended.cause_text) == (side, 16, "Normal Clearing")
    assert mapper.memory() == EMPTY and offered.at == datetime(2026, 9, 28, 9, 0, tzinfo=TZ)  # the link's clock


def test_abandoned_while_ringing(mapper: AmiMapper) -> None:
    caller, agent = legs()
    events = run(mapper, abandoned_call(caller, agent))
    assert kinds(events) == ["CallOffered", "AgentRinging", "AgentStateChanged", "AgentStateChanged",
                             "CallAbandoned", "CallEnded"]
    abandoned, ended = events[-2], events[-1]
    assert abandoned == CallAbandoned(abandoned.at, caller.linked, "hotline", 1, 1, 21)
    assert ended.side is HangupSide.CALLER and ended.cause == 16  # the caller's cause, not the agent leg's 0
    assert mapper.memory()["calls"] == 0


def test_queue_timeout_is_abandoned_and_ended_by_the_system(mapper: AmiMapper) -> None:
    caller, _ = legs()
    events = run(mapper, [
        ev("Newchannel", caller.snap(state="4")),
        ev("QueueCallerJoin", caller.snap(), Queue="hotline", Position="1", Count="1"),
        ev("QueueCallerAbandon", caller.snap(), Queue="hotline", Position="1", OriginalPosition="1", HoldTime="300"),
        ev("QueueCallerLeave", caller.snap(), Queue="hotline", Count="0", Position="1"),
        ev("Newexten", caller.snap(), Application="Playback", AppData="vm-goodbye"),
        ev("Hangup", caller.snap(), **NORMAL)])
    assert kinds(events) == ["CallOffered", "CallAbandoned", "CallEnded"]
    assert events[1].wait_seconds == 300 and events[2].side is HangupSide.SYSTEM


def test_ring_no_answer_then_next_agent(mapper: AmiMapper, clock: ManualClock) -> None:
    caller, agent = legs()
    agent2 = Leg("PJSIP/1002-00000003", "1727485200.3", caller.linked, ctx="from-queue")
    a1, a2 = ({"Queue": "hotline", "Interface": f"PJSIP/100{i}", "MemberName": n} for i, n in ((1, "张三"), (2, "李四")))
    events = run(mapper, [
        ev("Newchannel", caller.snap(state="4")),
        ev("QueueCallerJoin", caller.snap(), Queue="hotline", Position="1", Count="1"),
        ev("Newchannel", agent.snap(state="0")),
        ev("AgentCalled", caller.snap(), agent.snap("Dest", "0"), **a1),
        ev("HangupRequest", agent.snap(state="5"), Cause="21"),  # the agent rejects: not the end of the call
        ev("AgentRingNoAnswer", caller.snap(), agent.snap("Dest", "5"), RingTime="15000", **a1),
        ev("Hangup", agent.snap(state="5"), Cause="21", **{"Cause-txt": "Call Rejected"}),
        member("QueueMemberPause", "1", paused="1", reason="Auto-Pause"),
        ev("Newchannel", agent2.snap(state="0")),
        ev("AgentCalled", caller.snap(), agent2.snap("Dest", "0"), **a2),
        ev("AgentConnect", caller.snap(), agent2.snap("Dest"), RingTime="3", HoldTime="20", **a2),
        ev("HangupRequest", caller.snap(), Cause="16"), ev("Hangup", agent2.snap(), **NORMAL),
        ev("Hangup", caller.snap(), **NORMAL)])
    assert kinds(events) == ["CallOffered", "AgentRinging", "AgentRingNoAnswer", "AgentStateChanged",
                             "AgentRinging", "CallAnswered", "CallEnded"]
    no_answer, paused, answered = events[2], events[3], events[5]
    assert no_answer == AgentRingNoAnswer(no_answer.at, caller.linked, "hotline", "PJSIP/1001", 15.0)
    assert (paused.state, paused.paused, paused.pause_reason) == (AgentState.PAUSED, True, "Auto-Pause")
    assert (answered.interface, answered.ring_seconds, answered.wait_seconds) == ("PJSIP/1002", 3, 20)
    assert (events[-1].side, events[-1].cause) == (HangupSide.CALLER, 16) and mapper.memory() == EMPTY


def test_pause_and_unpause(mapper: AmiMapper) -> None:
    paused, on_call, resumed = run(mapper, [
        member("QueueMemberPause", "1", paused="1", reason="午休"),
        member("QueueMemberStatus", "2", paused="1", reason="午休", in_call="1"),
        member("QueueMemberPause", "1", paused="0")])
    assert (paused.state, paused.paused, paused.pause_reason) == (AgentState.PAUSED, True, "午休")
    assert (on_call.state, on_call.paused) == (AgentState.ON_CALL, True)  # paused, but still talking
    assert (resumed.state, resumed.paused, resumed.pause_reason) == (AgentState.AVAILABLE, False, "")


def test_login_logout_and_other_queues(mapper: AmiMapper) -> None:
    events = run(mapper, [member("QueueMemberAdded", "1", wrapup="15"), member("QueueMemberAdded", "1", queue="x"),
                          member("QueueMemberStatus", "5"), member("QueueMemberRemoved", "1")])
    assert [(e.queue, e.state) for e in events] == [
        ("hotline", AgentState.AVAILABLE), ("hotline", AgentState.LOGGED_OUT), ("hotline", AgentState.LOGGED_OUT)]
    assert events[0].wrapup_seconds == 15


def test_other_queues_and_noise_are_ignored(mapper: AmiMapper) -> None:
    caller, agent = legs()
    assert run(mapper, answered_call(caller, agent, queue="sales")) == []
    assert mapper.memory() == EMPTY
    assert mapper.map({"Response": "Success", "ActionID": "1", "Message": "Pong"}) == []
    assert mapper.map({"Event": "FullyBooted", "Status": "Fully Booted"}) == []
    assert mapper.map(ev("VarSet", caller.snap(), Variable="BRIDGEPEER", Value="PJSIP/1001-00000002")) == []
    assert mapper.map(core_show(caller, "Queue", "hotline")) == []  # list items outside a resync
    assert mapper.map({"Event": "HotlineResyncEnd"}) == []


def originate(agent: Leg, citizen: Leg, variables: dict[str, str], response: str = "Success") -> list[Msg]:
    """Originate from the agent's phone to context hotline-callback, exten = the citizen's number."""
    return [
        ev("Newchannel", agent.snap(state="0")),
        *[ev("VarSet", agent.snap(state="0"), Variable=k, Value=v) for k, v in variables.items()],
        ev("Newstate", agent.snap(state="5")), ev("Newstate", agent.snap()),
        ev("OriginateResponse", ActionID="cb-1", Response=response, Channel="PJSIP/1001",
           Context="hotline-callback", Exten=citizen.num, Application="", Data="", Reason="4", Uniqueid=agent.uid,
           CallerIDNum="<unknown>", CallerIDName="<unknown>"),
        ev("Newchannel", citizen.snap(state="0")),
        ev("DialBegin", agent.snap(), citizen.snap("Dest", "0"), DialString=f"trunk/{citizen.num}"),
        ev("DialEnd", agent.snap(), citizen.snap("Dest"), DialStatus="ANSWER"),
        ev("HangupRequest", citizen.snap(), Cause="16"),
        ev("Hangup", citizen.snap(), **NORMAL), ev("Hangup", agent.snap(), **NORMAL),
    ]


AGENT_PHONE = Leg("PJSIP/1001-00000009", "1727485300.9", "1727485300.9", "1001", "张三", "from-internal")
CITIZEN = Leg("PJSIP/trunk-0000000a", "1727485300.10", AGENT_PHONE.uid, "13800138000")


def test_originate_with_case_variable(mapper: AmiMapper) -> None:
    agent, citizen = AGENT_PHONE, CITIZEN
    events = run(mapper, originate(agent, citizen, {"HOTLINE_CASE_ID": "42", "HOTLINE_PURPOSE": "callback"}))
    assert kinds(events) == ["OutboundCallStarted", "CallAnswered", "CallEnded"]
    started, answered, ended = events
    assert started == OutboundCallStarted(started.at, agent.uid, "cb-1", agent.channel, "13800138000", 42,
                                          "callback", "PJSIP/1001")
    assert (answered.queue, answered.interface, answered.agent_channel) == ("", "PJSIP/1001", agent.channel)
    assert ended.side is HangupSide.CALLER  # the citizen hung up
    assert mapper.memory() == EMPTY


def test_originate_failure_and_late_variables(mapper: AmiMapper) -> None:
    agent, citizen = AGENT_PHONE, CITIZEN
    failed = originate(agent, citizen, {"HOTLINE_CASE_ID": "7"}, response="Failure")[:5]
    assert run(mapper, failed + [ev("Hangup", agent.snap(), Cause="21")]) == []
    assert mapper.memory()["pending"] == 0
    messages = originate(agent, citizen, {})
    late = ev("VarSet", agent.snap(), Variable="__HOTLINE_CASE_ID", Value="77")  # inherited form
    events = run(mapper, messages[:4] + [late] + messages[4:])
    assert [e.case_id for e in events if isinstance(e, OutboundCallStarted)] == [None, 77]


def local_call(lid: str) -> tuple[dict[str, Leg], list[Msg], list[Msg]]:
    """Trunk → Local/12345@hotline;1/;2 → Queue on ;2; the member is Local/1001@agents/n, whose ;2 dials
    PJSIP/1001. Returns the legs, the messages up to the answer, and the hang-ups of every channel."""
    names = {"trunk": "PJSIP/trunk-00000001", "in1": "Local/12345@hotline-00000001;1",
             "in2": "Local/12345@hotline-00000001;2", "ag1": "Local/1001@agents-00000002;1",
             "ag2": "Local/1001@agents-00000002;2", "phone": "PJSIP/1001-00000003"}
    legs_ = {k: Leg(c, f"{lid}{i}", f"{lid}1", "13900139000", "赵六") for i, (k, c) in enumerate(names.items(), 1)}
    q = {"Queue": "hotline", "Interface": "Local/1001@agents/n", "MemberName": "张三"}
    setup = [ev("Newchannel", legs_[k].snap(state="0")) for k in ("trunk", "in1", "in2")] + [
        ev("QueueCallerJoin", legs_["in2"].snap(), Queue="hotline", Position="1", Count="1"),
        *[ev("Newchannel", legs_[k].snap(state="0")) for k in ("ag1", "ag2", "phone")],
        ev("AgentCalled", legs_["in2"].snap(), legs_["ag1"].snap("Dest", "0"), **q),
        ev("AgentConnect", legs_["in2"].snap(), legs_["ag1"].snap("Dest"), RingTime="2", HoldTime="5", **q)]
    hangups = [ev("Hangup", legs_[k].snap(), Cause="16") for k in ("phone", "ag2", "ag1", "in2", "in1", "trunk")]
    return legs_, setup, hangups


@pytest.mark.parametrize("who, side", [("phone", HangupSide.AGENT), ("trunk", HangupSide.CALLER),
                                       ("ag1", HangupSide.AGENT)])
def test_local_channels_tell_the_legs_apart(mapper: AmiMapper, who: str, side: HangupSide) -> None:
    legs_, setup, hangups = local_call("1727485400.")
    events = run(mapper, setup + [ev("HangupRequest", legs_[who].snap(), Cause="16")] + hangups[:-1])
    assert kinds(events) == ["CallOffered", "AgentRinging", "CallAnswered"]  # one channel still up
    assert events[0].channel == legs_["in2"].channel and events[2].interface == "Local/1001@agents/n"
    (ended,) = mapper.map(hangups[-1])
    assert isinstance(ended, CallEnded) and ended.side is side
    assert mapper.memory() == EMPTY


def test_systemname_ids(mapper: AmiMapper) -> None:
    caller, agent = legs(system="pbx1")
    events = run(mapper, [{**m, "SystemName": "pbx1"} for m in answered_call(caller, agent)])
    assert caller.linked == "pbx1-1727485200.1"
    assert kinds(events)[0] == "CallOffered" and events[0].linked_id == caller.linked
    assert isinstance(events[-1], CallEnded) and events[-1].linked_id == caller.linked
    assert mapper.memory()["calls"] == 0


def test_spy_on_an_agent_channel(mapper: AmiMapper) -> None:
    caller, agent = legs()
    messages = answered_call(caller, agent)
    connect = next(i for i, m in enumerate(messages) if m["Event"] == "AgentConnect")
    spy = Leg("PJSIP/2001-00000010", "1727485200.16", "1727485200.16", "2001", "张监督")
    pair = (spy.snap("Spyer"), agent.snap("Spyee"))
    spying = [ev("Newchannel", spy.snap(state="0")), ev("ChanSpyStart", *pair), ev("ChanSpyStop", *pair),
              ev("ChanSpyStart", *pair), ev("Hangup", spy.snap(), Cause="16")]
    events = run(mapper, messages[:connect + 1] + spying + messages[connect + 1:])
    spies = [e for e in events if isinstance(e, (SpyStarted, SpyStopped))]
    assert kinds(spies) == ["SpyStarted", "SpyStopped", "SpyStarted", "SpyStopped"]
    assert spies[0] == SpyStarted(spies[0].at, caller.linked, spy.channel, agent.channel)
    assert isinstance(events[-1], CallEnded) and mapper.memory()["spies"] == 0


def core_show(leg: Leg, app: str, data: str, bridge: str = "", duration: str = "00:00:10") -> Msg:
    return ev("CoreShowChannel", leg.snap(), ActionID="rs-1", BridgeId=bridge, Application=app,
              ApplicationData=data, Duration=duration)


def resync(waiting: Leg, talking: Leg, agent: Leg) -> list[Msg]:
    """What the link delivers after a login: markers around CoreShowChannels and QueueStatus lists."""
    return [
        {"Event": "HotlineResyncStart"},
        {"Response": "Success", "ActionID": "rs-1", "EventList": "start", "Message": "Channels will follow"},
        core_show(waiting, "Queue", "hotline,t,,,300", duration="00:00:42"),
        core_show(talking, "Queue", "hotline,t,,,300", bridge="br-1", duration="00:02:10"),
        core_show(agent, "AppQueue", "(Outgoing Line)", bridge="br-1", duration="00:01:30"),
        ev("CoreShowChannelsComplete", ActionID="rs-1", EventList="Complete", ListItems="3"),
        ev("QueueParams", Queue="hotline", Max="0", Strategy="rrmemory", Calls="1"),
        ev("QueueMember", Queue="hotline", Name="张三", Location="PJSIP/1001", StateInterface="PJSIP/1001",
           Membership="dynamic", Penalty="0", CallsTaken="3", LastCall="0", LastPause="0", LoginTime="0",
           InCall="1", Status="2", Paused="0", PausedReason="", Wrapuptime="0", ActionID="rs-2"),
        ev("QueueMember", Queue="sales", Name="x", Location="PJSIP/9", Status="1", Paused="0"),
        ev("QueueEntry", Queue="hotline", Position="1", Channel=waiting.channel, Uniqueid=waiting.uid,
           CallerIDNum="13800138000", CallerIDName="王五", Wait="42", Priority="0"),
        ev("QueueStatusComplete", ActionID="rs-2", EventList="Complete", ListItems="3"),
        {"Event": "HotlineResyncEnd"}]


def test_resync_snapshot(mapper: AmiMapper) -> None:
    (waiting, _), (talking, agent), (stale, _) = legs(1), legs(2), legs(3)
    run(mapper, [ev("Newchannel", stale.snap()),
                 ev("QueueCallerJoin", stale.snap(), Queue="hotline", Position="1", Count="1")])
    (snap,) = run(mapper, resync(waiting, talking, agent))
    assert isinstance(snap, ResyncSnapshot) and snap.live_linked_ids == {waiting.linked, talking.linked}
    by_id = {c.linked_id: c for c in snap.calls}
    assert (by_id[waiting.linked].position, by_id[waiting.linked].wait_seconds) == (1, 42)
    assert [getattr(by_id[talking.linked], k) for k in ("position", "agent_interface", "agent_name", "agent_channel",
            "talk_seconds")] == [0, "PJSIP/1001", "张三", agent.channel, 90]
    assert [(m.interface, m.state, m.calls_taken) for m in snap.members] == [("PJSIP/1001", AgentState.ON_CALL, 3)]
    assert mapper.memory()["calls"] == 2  # the stale call is forgotten, the two live ones followed
    ended = run(mapper, [ev("Hangup", agent.snap(), Cause="16"), ev("HangupRequest", talking.snap(), Cause="16"),
                         ev("Hangup", talking.snap(), Cause="16"), ev("Hangup", waiting.snap(), Cause="16")])
    assert [(e.linked_id, e.side) for e in ended] == [(talking.linked, HangupSide.CALLER),
                                                      (waiting.linked, HangupSide.SYSTEM)]
    assert mapper.memory() == EMPTY


def test_events_replayed_after_a_resync(mapper: AmiMapper) -> None:
    """The link holds back live events during the listing and replays them after the end marker."""
    (waiting, rung), (talking, agent) = legs(1), legs(2)
    run(mapper, resync(waiting, talking, agent))
    replayed = run(mapper, [ev("Newchannel", talking.snap()), ev("Newchannel", agent.snap()),
                            ev("QueueCallerJoin", waiting.snap(), Queue="hotline", Position="1", Count="1"),
                            ev("Hangup", rung.snap(), Cause="19")])  # a ring attempt that ended unlisted
    assert kinds(replayed) == ["CallOffered"]  # the model keeps the caller's place (see test_call_model)
    assert mapper.memory()["live"] == 2  # nothing counted twice, nothing uncounted subtracted
    ended = run(mapper, [ev("Hangup", leg.snap(), Cause="16") for leg in (agent, talking, waiting)])
    assert kinds(ended) == ["CallEnded", "CallEnded"] and mapper.memory() == EMPTY


def test_memory_is_flat_after_many_calls(mapper: AmiMapper, clock: ManualClock) -> None:
    ended = 0
    for n in range(1, 2001):
        caller, agent = legs(n)
        messages = answered_call(caller, agent) if n % 3 else abandoned_call(caller, agent)
        ended += sum(isinstance(e, CallEnded) for e in run(mapper, messages))
        clock.advance(seconds=7)
    assert ended == 2000
    assert mapper.memory() == EMPTY


def test_channel_name_helpers() -> None:
    assert [interface_of(c) for c in ("PJSIP/1001-0000000a", "SIP/zhang-00000a1f", "Local/1001@agents-00000003;1")
            ] == ["PJSIP/1001", "SIP/zhang", "Local/1001@agents"]
    assert local_partner("Local/1001@agents-00000003;1") == "Local/1001@agents-00000003;2"
    assert local_partner("PJSIP/1001-0000000a") == ""

