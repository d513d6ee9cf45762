"""The mapper on Local channels as a real Asterisk 20 emits them: queue members `Local/1001@agents/n`
(FreePBX's and Issabel's default: ;1 faces the queue, ;2 dials the phone) and test callers originated as
`Local/12345@from-citizen` (OriginateResponse reaches every AMI session), plus blind and attended
transfers. Every call is run in the four shapes (SIP/Local member × trunk/Local caller): the domain
events must be the same."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework.clock import ManualClock
from telephony.events import AgentState, CallAnswered, CallEnded, CallTransferred, HangupSide, OutboundCallStarted
from telephony.mapper import AmiMapper, LocalLegs, member_state
from tests.unit.test_mapper import EMPTY, NORMAL, Leg, Msg, core_show, ev, kinds, member, run

Q = "hotline"


@dataclass
class Shape:
    """The channels of one call: the citizen's (trunk, or Local ;1/;2) and the member's (phone, or ;1/;2 + phone)."""
    citizen: list[Leg]   # [trunk] or [;1, ;2]; the last one waits in the queue
    member: list[Leg]    # [phone] or [;1, ;2, phone]; the first one is what the queue dials
    iface: str

    @property
    def queued(self) -> Leg:
        return self.citizen[-1]

    @property
    def facing(self) -> Leg:
        return self.member[0]

    @property
    def phone(self) -> Leg:
        return self.member[-1]


def shape(n: int, local_member: bool, local_caller: bool) -> Shape:
    base, lid = 10 * n, f"1727486000.{10 * n}"
    ids = iter(f"1727486000.{10 * n + i}" for i in range(10))
    if local_caller:
        name = f"Local/12345@from-citizen-{base:08x}"
        citizen = [Leg(f"{name};1", next(ids), lid, "13900139000", "赵六", "from-citizen"),
                   Leg(f"{name};2", next(ids), lid, "13900139000", "赵六", "from-citizen")]
    else:
        citizen = [Leg(f"PJSIP/trunk-{base:08x}", next(ids), lid, "13900139000", "赵六", "from-pstn")]
    if local_member:
        name = f"Local/1001@agents-{base + 1:08x}"
        agent = [Leg(f"{name};1", next(ids), lid, ctx="agents"), Leg(f"{name};2", next(ids), lid, ctx="agents"),
                 Leg(f"PJSIP/1001-{base + 2:08x}", next(ids), lid, ctx="from-internal")]
        return Shape(citizen, agent, "Local/1001@agents/n")
    return Shape(citizen, [Leg(f"PJSIP/1001-{base + 1:08x}", next(ids), lid, ctx="from-internal")], "PJSIP/1001")


def local_bridge(one: Leg, two: Leg, context: str, exten: str) -> Msg:
    return ev("LocalBridge", one.snap("LocalOne", "0"), two.snap("LocalTwo", "0"), Context=context, Exten=exten,
              LocalOptimization="No")


def arrival(s: Shape, join_first: bool = False) -> list[Msg]:
    """Newchannel(s); for a Local caller LocalBridge and the OriginateResponse of the test harness's
    Originate (Context default, Exten s), which a real Asterisk sends before or after QueueCallerJoin."""
    msgs = [ev("Newchannel", leg.snap(state="0")) for leg in s.citizen]
    join = [ev("Newexten", s.queued.snap(), Extension="12345", Application="Queue", AppData=Q),
            ev("QueueCallerJoin", s.queued.snap(), Queue=Q, Position="1", Count="1")]
    if len(s.citizen) == 1:
        return msgs + join
    one = s.citizen[0]
    msgs.append(local_bridge(one, s.queued, "from-citizen", "12345"))
    origin = ev("OriginateResponse", ActionID="harness-7", Response="Success", Channel=one.channel,
                Context="default", Exten="s", Reason="4", Uniqueid=one.uid, CallerIDNum="13900139000",
                CallerIDName="<unknown>")
    return msgs + (join + [origin] if join_first else [origin] + join)


def ring(s: Shape) -> list[Msg]:
    who = {"Queue": Q, "Interface": s.iface, "MemberName": "张三"}
    msgs = [ev("Newchannel", leg.snap(state="0")) for leg in s.member[:2]]
    msgs += [ev("AgentCalled", s.queued.snap(), s.facing.snap("Dest", "0"), **who),
             ev("DialBegin", s.queued.snap(), s.facing.snap("Dest", "0"), DialString=s.iface.split("/", 1)[1])]
    if len(s.member) == 3:
        one, two, phone = s.member
        msgs += [local_bridge(one, two, "agents", "1001"), ev("Newchannel", phone.snap(state="0")),
                 ev("DialBegin", two.snap(), phone.snap("Dest", "0"), DialString="1001")]
    return msgs + [member("QueueMemberStatus", "6", iface=s.iface)]


def answer(s: Shape) -> list[Msg]:
    who = {"Queue": Q, "Interface": s.iface, "MemberName": "张三"}
    msgs = []
    if len(s.member) == 3:
        one, two, phone = s.member
        msgs += [ev("DialEnd", two.snap(), phone.snap("Dest"), DialStatus="ANSWER"),
                 ev("BridgeEnter", two.snap(), BridgeUniqueid="b-local", BridgeType="basic"),
                 ev("BridgeEnter", phone.snap(), BridgeUniqueid="b-local", BridgeType="basic")]
    return msgs + [
        ev("DialEnd", s.queued.snap(), s.facing.snap("Dest"), DialStatus="ANSWER"),
        ev("QueueCallerLeave", s.queued.snap(), Queue=Q, Count="0", Position="1"),
        ev("AgentConnect", s.queued.snap(), s.facing.snap("Dest"), RingTime="3", HoldTime="9", **who),
        ev("BridgeEnter", s.queued.snap(), BridgeUniqueid="b-queue", BridgeType="basic"),
        ev("BridgeEnter", s.facing.snap(), BridgeUniqueid="b-queue", BridgeType="basic"),
        member("QueueMemberStatus", "2", in_call="1", iface=s.iface)]


def hangups(s: Shape, by: Leg, reason: str) -> list[Msg]:
    who = {"Queue": Q, "Interface": s.iface, "MemberName": "张三"}
    order = [by] + [leg for leg in s.member + s.citizen if leg is not by]
    return [ev("HangupRequest", by.snap(), Cause="16"),
            ev("AgentComplete", s.queued.snap(), s.facing.snap("Dest"), HoldTime="9", TalkTime="60", Reason=reason,
               **who),
            *[ev("Hangup", leg.snap(), **NORMAL) for leg in order],
            member("QueueMemberStatus", "1", taken="1", iface=s.iface)]


SHAPES = [(m, c) for m in (False, True) for c in (False, True)]
IDS = ["sip-member-trunk", "sip-member-local-caller", "local-member-trunk", "local-member-local-caller"]


@pytest.fixture
def mapper(clock: ManualClock) -> AmiMapper:
    return AmiMapper(clock, queues=(Q,))


@pytest.mark.parametrize("local_member, local_caller", SHAPES, ids=IDS)
@pytest.mark.parametrize("join_first", [False, True])
@pytest.mark.parametrize("by, side", [("citizen", HangupSide.CALLER), ("agent", HangupSide.AGENT)])
def test_an_answered_call_is_one_inbound_call_in_every_shape(mapper: AmiMapper, local_member: bool,
                                                           local_caller: bool, join_first: bool, by: str,
                                                           side: HangupSide) -> None:
    s = shape(1, local_member, local_caller)
    who = s.citizen[0] if by == "citizen" else s.phone
    events = run(mapper, arrival(s, join_first) + ring(s) + answer(s) + hangups(s, who, "caller"))
    calls = [k for k in kinds(events) if k != "AgentStateChanged"]
    assert calls == ["CallOffered", "AgentRinging", "CallAnswered", "CallEnded"]
    answered = next(e for e in events if isinstance(e, CallAnswered))
    assert (answered.queue, answered.interface, answered.member_name) == (Q, s.iface, "张三")
    assert answered.agent_channel == s.phone.channel  # the phone, also behind a Local member
    assert next(e for e in events if isinstance(e, CallEnded)).side is side
    assert mapper.memory() == EMPTY


@pytest.mark.parametrize("local_member, local_caller", SHAPES, ids=IDS)
def test_abandoned_and_ring_no_answer_in_every_shape(mapper: AmiMapper, local_member: bool,
                                                     local_caller: bool) -> None:
    s = shape(2, local_member, local_caller)
    who = {"Queue": Q, "Interface": s.iface, "MemberName": "张三"}
    gone = [ev("AgentRingNoAnswer", s.queued.snap(), s.facing.snap("Dest", "5"), RingTime="15000", **who),
            *[ev("Hangup", leg.snap(state="5"), Cause="0", **{"Cause-txt": "Unknown"}) for leg in s.member],
            ev("HangupRequest", s.citizen[0].snap(), Cause="16"),
            ev("QueueCallerAbandon", s.queued.snap(), Queue=Q, Position="1", OriginalPosition="1", HoldTime="40"),
            *[ev("Hangup", leg.snap(), **NORMAL) for leg in s.citizen]]
    events = run(mapper, arrival(s) + ring(s) + gone)
    calls = [k for k in kinds(events) if k != "AgentStateChanged"]
    assert calls == ["CallOffered", "AgentRinging", "AgentRingNoAnswer", "CallAbandoned", "CallEnded"]
    assert events[-1].side is HangupSide.CALLER and mapper.memory() == EMPTY


def blind(s: Shape, transferee: Leg) -> tuple[list[Msg], Leg]:
    """The agent's phone REFERs its peer to 8002, sends BYE; the peer dials PJSIP/8002."""
    target = Leg(f"PJSIP/8002-{0xff:08x}", "1727486000.99", s.queued.linked, ctx="from-internal")
    return [ev("BlindTransfer", s.phone.snap("Transferer"), transferee.snap("Transferee"), Result="Success",
               BridgeUniqueid="b", BridgeType="basic", IsExternal="Yes", Context="from-internal", Extension="8002"),
            ev("HangupRequest", s.phone.snap(), Cause="16"), ev("Hangup", s.phone.snap(), **NORMAL),
            ev("Newchannel", target.snap(state="0")),
            ev("DialBegin", transferee.snap(), target.snap("Dest", "0"), DialString="8002"),
            ev("DialEnd", transferee.snap(), target.snap("Dest"), DialStatus="ANSWER")], target


def attended(s: Shape, transferee: Leg) -> tuple[list[Msg], Leg]:
    """The phone consults 8002 on a call of its own (its own Linkedid), then completes the transfer."""
    consult = Leg(f"PJSIP/1001-{0xfe:08x}", "1727486000.98", "1727486000.98", ctx="from-internal")
    target = Leg(f"PJSIP/8002-{0xff:08x}", "1727486000.99", "1727486000.98", ctx="from-internal")
    msgs = [ev("Newchannel", consult.snap()), ev("Newchannel", target.snap(state="0")),
            ev("DialBegin", consult.snap(), target.snap("Dest", "0"), DialString="8002"),
            ev("AttendedTransfer", s.phone.snap("OrigTransferer"), consult.snap("SecondTransferer"),
               transferee.snap("Transferee"), target.snap("TransferTarget"), Result="Success",
               OrigBridgeUniqueid="b-1", SecondBridgeUniqueid="b-2", DestType="Bridge", DestBridgeUniqueid="b-1",
               IsExternal="No"),
            ev("Hangup", consult.snap(), **NORMAL), ev("Hangup", s.phone.snap(), **NORMAL)]
    target.linked = s.queued.linked  # bridged with the citizen's call: Asterisk propagates the older Linkedid
    return msgs, target


@pytest.mark.parametrize("local_member, local_caller", SHAPES, ids=IDS)
@pytest.mark.parametrize("kind", ["blind", "attended"])
@pytest.mark.parametrize("by, side", [("citizen", HangupSide.CALLER), ("target", HangupSide.AGENT)])
def test_a_transfer_hands_the_call_on_in_every_shape(mapper: AmiMapper, local_member: bool, local_caller: bool,
                                                     kind: str, by: str, side: HangupSide) -> None:
    s = shape(3, local_member, local_caller)
    transferee = s.member[1] if local_member else s.queued
    moved, target = (blind if kind == "blind" else attended)(s, transferee)
    quitter = s.citizen[0] if by == "citizen" else target
    rest = [ev("HangupRequest", quitter.snap(), Cause="16"),
            *[ev("Hangup", leg.snap(), **NORMAL) for leg in [target, *s.member[:-1], *s.citizen]]]
    events = run(mapper, arrival(s) + ring(s) + answer(s) + moved + rest)
    calls = [k for k in kinds(events) if k != "AgentStateChanged"]
    assert calls == ["CallOffered", "AgentRinging", "CallAnswered", "CallTransferred", "CallEnded"]
    (moved_on,) = [e for e in events if isinstance(e, CallTransferred)]
    assert (moved_on.kind, moved_on.target) == (kind, "8002" if kind == "blind" else "PJSIP/8002")
    assert events[-1].side is side  # the transferer's BYE did not end the call
    assert mapper.memory() == EMPTY


def test_an_originated_local_channel_of_ours_is_still_outbound(mapper: AmiMapper) -> None:
    one = Leg("Local/8001@from-internal-00000070;1", "1727486000.70", "1727486000.70")
    two = Leg("Local/8001@from-internal-00000070;2", "1727486000.71", "1727486000.70")
    events = run(mapper, [
        ev("Newchannel", one.snap(state="0")), ev("Newchannel", two.snap(state="0")),
        ev("VarSet", one.snap(), Variable="HOTLINE_PURPOSE", Value="callback"),
        ev("OriginateResponse", ActionID="hotline-1", Response="Success", Channel=one.channel, Context="from-internal",
           Exten="13800138000", Reason="4", Uniqueid=one.uid)])
    assert [type(e) for e in events] == [OutboundCallStarted] and events[0].destination == "13800138000"
    late = [ev("Newchannel", Leg("Local/9@x-00000071;1", "1727486000.72", "1727486000.72").snap()),
            ev("OriginateResponse", Response="Success", Channel="Local/9@x-00000071;1", Exten="s", Reason="4",
               Uniqueid="1727486000.72"),
            ev("VarSet", Leg("Local/9@x-00000071;1", "1727486000.72", "1727486000.72").snap(),
               Variable="HOTLINE_PURPOSE", Value="callback")]
    assert kinds(run(mapper, late)) == ["OutboundCallStarted"]  # the variable came after the response


def test_a_local_originate_nobody_claims_leaves_nothing(mapper: AmiMapper) -> None:
    one = Leg("Local/7000@tests-00000080;1", "1727486000.80", "1727486000.80")
    msgs = [ev("Newchannel", one.snap(state="0")),
            ev("OriginateResponse", Response="Success", Channel=one.channel, Exten="s", Reason="4", Uniqueid=one.uid),
            ev("Hangup", one.snap(), **NORMAL)]
    assert run(mapper, msgs) == [] and mapper.memory() == EMPTY


def test_memory_is_flat_after_many_local_calls(mapper: AmiMapper, clock: ManualClock) -> None:
    ended = 0
    for n in range(1, 1001):
        s = shape(n, True, n % 2 == 0)
        ended += sum(isinstance(e, CallEnded) for e in run(
            mapper, arrival(s) + ring(s) + answer(s) + hangups(s, s.citizen[0], "caller")))
        clock.advance(seconds=7)
    assert ended == 1000 and mapper.memory() == EMPTY


def test_local_legs_pair_by_local_bridge_and_by_suffix() -> None:
    legs = LocalLegs()
    legs.seen("Local/1@a-00000001;1", "L1")
    legs.seen("Local/1@a-00000001;2", "L1")
    legs.dialed("Local/1@a-00000001;2", "PJSIP/1-00000002")
    assert legs.head("PJSIP/1-00000002") == "Local/1@a-00000001;1"
    assert legs.phone("Local/1@a-00000001;1") == "PJSIP/1-00000002"
    legs.bridged("Local/2@a-00000003;1", "Local/2@a-00000003;2")  # no Newchannel seen (after a resync)
    legs.dialed("Local/2@a-00000003;2", "PJSIP/2-00000004")
    assert legs.phone("Local/2@a-00000003;2") == "PJSIP/2-00000004"
    for name in ("Local/1@a-00000001;1", "Local/1@a-00000001;2", "PJSIP/1-00000002", "Local/2@a-00000003;1",
                 "Local/2@a-00000003;2", "PJSIP/2-00000004"):
        legs.gone(name)
    assert legs.memory() == 0


def test_a_free_phone_outweighs_in_call() -> None:
    """After its phone transferred the citizen on, app_queue still counts a Local member in call."""
    assert member_state("1", True, False) is AgentState.AVAILABLE
    assert member_state("2", True, False) is member_state("0", True, False) is AgentState.ON_CALL


def test_a_resync_finds_the_phone_behind_a_local_member(mapper: AmiMapper) -> None:
    s = shape(4, True, False)
    (trunk,), (one, two, phone) = s.citizen, s.member
    listing = [{"Event": "HotlineResyncStart"},
               core_show(trunk, "Queue", "hotline,t,,,300", bridge="br-q", duration="00:01:00"),
               core_show(one, "AppQueue", "(Outgoing Line)", bridge="br-q", duration="00:00:50"),
               core_show(two, "Dial", "PJSIP/1001,,tr", bridge="br-l", duration="00:00:50"),
               core_show(phone, "AppDial", "(Outgoing Line)", bridge="br-l", duration="00:00:48"),
               ev("QueueMember", Queue=Q, Name="张三", Location=s.iface, StateInterface="PJSIP/1001", InCall="1",
                  Status="2", Paused="0", CallsTaken="1"),
               {"Event": "HotlineResyncEnd"}]
    (snap,) = run(mapper, listing)
    (call,) = snap.calls
    assert (call.agent_interface, call.agent_name, call.agent_channel) == (s.iface, "张三", phone.channel)
    ended = run(mapper, [ev("HangupRequest", phone.snap(), Cause="16"),
                         *[ev("Hangup", leg.snap(), **NORMAL) for leg in (phone, two, one, trunk)]])
    assert [type(e) for e in ended] == [CallEnded] and ended[0].side is HangupSide.AGENT
    assert mapper.memory() == EMPTY


def test_ringall_the_phone_of_a_local_member_that_lost_does_not_end_the_call(mapper: AmiMapper) -> None:
    """Two Local members ring at once; the second answers; the first one's phone is cancelled after
    AgentConnect (its hang-up request is not the agent's of this call); then the citizen hangs up."""
    s, other = shape(5, True, False), shape(6, True, False)
    lost = [Leg(leg.channel.replace("1001", "1002"), leg.uid, s.queued.linked, ctx=leg.ctx) for leg in other.member]
    who = {"Queue": Q, "Interface": "Local/1002@agents/n", "MemberName": "李四"}
    ring_lost = [*[ev("Newchannel", leg.snap(state="0")) for leg in lost[:2]],
                 ev("AgentCalled", s.queued.snap(), lost[0].snap("Dest", "0"), **who),
                 ev("DialBegin", s.queued.snap(), lost[0].snap("Dest", "0"), DialString="1002@agents/n"),
                 local_bridge(lost[0], lost[1], "agents", "1002"), ev("Newchannel", lost[2].snap(state="0")),
                 ev("DialBegin", lost[1].snap(), lost[2].snap("Dest", "0"), DialString="1002")]
    cancel = [ev("HangupRequest", lost[2].snap(state="5"), Cause="16"),
              *[ev("Hangup", leg.snap(state="5"), Cause="0", **{"Cause-txt": "Unknown"}) for leg in lost]]
    events = run(mapper, arrival(s) + ring_lost + ring(s) + answer(s) + cancel + hangups(s, s.citizen[0], "caller"))
    assert [k for k in kinds(events) if k != "AgentStateChanged"] == [
        "CallOffered", "AgentRinging", "AgentRinging", "CallAnswered", "CallEnded"]
    (ended,) = [e for e in events if isinstance(e, CallEnded)]
    assert ended.side is HangupSide.CALLER and mapper.memory() == EMPTY
