"""An inbound 12345 call: trunk channel (or Local caller), dialplan, Queue(), ringing members (SIP or Local),
talk, a transfer perhaps, hang-up or abandon.

The event order follows app_queue.c of Asterisk 20: QueueCallerLeave before AgentConnect; AgentComplete
right after the hang-up request; QueueCallerAbandon (also on queue timeout) before QueueCallerLeave. A
transfer by a Local member's phone happens behind the Local pair: app_queue sees none of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import channels as c
from .citizen import Citizen
from .config import UP
from .dialplan import entry_vars, inherited, interface_vars, pvt_call_id, queue_vars, rtp_qos
from .fields import channel_fields
from .member_leg import LocalLeg, MemberLeg, PhoneLeg, member_leg
from .model import Bridge, Channel, Member, QueueEntry, QueueState
from .pbx import Pbx
from .recording import Recorder
from .reporting import cdr
from .scenario import Scenario
from .transfer import attended, blind


@dataclass(frozen=True)
class CallPlan:
    """What happens to one call. Times are simulated seconds; None = never."""
    caller_number: str = "13800138000"
    caller_name: str = "王五"
    queue: str = "hotline"
    answer_after: float | None = 2.0   # how long the answering member's phone rings
    talk_seconds: float = 5.0
    hangup_by: str = "caller"          # "caller" | "agent"
    agent: str | None = None           # ring only this interface; None = any free member, round-robin
    ring_no_answer: int = 0            # this many ring attempts time out first (AgentRingNoAnswer)
    abandon_after: float | None = None # the caller hangs up after this long unanswered
    queue_timeout: float | None = None # Queue() timeout; None = the configured one
    record: bool = True
    via_local: bool = False            # the citizen enters through an originated Local/12345@from-citizen
    transfer: str | None = None        # "blind" | "attended": the agent hands the citizen on
    transfer_to: str = "8002"
    transfer_after: float = 1.0        # of talk before the transfer; talk_seconds follow it


class InboundCall(Scenario):
    def __init__(self, pbx: Pbx, plan: CallPlan, recorder: Recorder | None = None) -> None:
        super().__init__(pbx)
        self.plan = plan
        self.recorder = recorder
        self.queue: QueueState = pbx.queues[plan.queue]
        self.citizen: Citizen | None = None
        self.caller: Channel | None = None  # the citizen's channel in the queue
        self.leg: MemberLeg | None = None
        self.member: Member | None = None
        self.entry: QueueEntry | None = None
        self.bridge: Bridge | None = None
        self.recording = ""
        self._answered_at = 0.0
        self._hold = 0
        self._queue_done = False  # AgentComplete sent (a SIP member's leg was transferred away)

    @property
    def linkedid(self) -> str:
        assert self.caller is not None
        return self.caller.linkedid

    def begin(self) -> str:
        """Create the citizen's channels now (Newchannel) and run the rest of the call in the background."""
        self.citizen = Citizen(self.pbx, self.plan.caller_number, self, self.plan.via_local)
        self.caller = self.citizen.channel
        self.pbx.calls[self.linkedid] = self
        self.pbx.spawn(self._run())
        return self.linkedid

    async def _run(self) -> None:
        try:
            self._ingress()
            self._join()
            outcome = await self._wait_in_queue()
            if outcome == "answered":
                side, soft = await self._talk()
                self._complete(side, soft)
            else:
                self._abandon(outcome)
            assert self.caller is not None
            party_b = self.leg.facing if self.leg is not None and self._answered_at else None
            cdr(self.pbx, self.caller, party_b, self._answered_at, ("Queue", self.queue.name))
        finally:
            self.pbx.calls.pop(self.linkedid, None)
            self.done.set()

    # -- dialplan and queue entry ---------------------------------------------------------------------
    def _ingress(self) -> None:
        p, citizen = self.plan, self.citizen
        assert citizen is not None
        citizen.run_dialplan(p.caller_name, p.queue, self._monitor_dir(),
                             int(p.queue_timeout or self.pbx.config.queue_timeout))

    def _monitor_dir(self) -> str:
        cfg = self.pbx.config
        return str(cfg.recordings_dir) if cfg.recordings_dir is not None else cfg.monitor_dir

    def _join(self) -> None:
        ch, q = self.caller, self.queue
        assert ch is not None
        self.entry = QueueEntry(q, ch, self.pbx.now(), len(q.entries) + 1, wanted=self.plan.agent)
        q.entries.append(self.entry)
        self.pbx.emit("QueueCallerJoin", channel_fields(ch) + [
            ("Queue", q.name), ("Position", str(self.entry.position)), ("Count", str(len(q.entries)))])
        c.moh_start(self.pbx, ch)

    def _leave(self) -> None:
        entry, q, ch = self.entry, self.queue, self.caller
        assert entry is not None and ch is not None
        position = entry.position
        q.entries.remove(entry)
        self.pbx.emit("QueueCallerLeave", channel_fields(ch) + [
            ("Queue", q.name), ("Count", str(len(q.entries))), ("Position", str(position))])
        c.set_var(self.pbx, ch, "QUEUEPOSITION", str(position))

    def _deadline(self) -> tuple[float, str]:
        assert self.entry is not None
        timeout = self.plan.queue_timeout or self.pbx.config.queue_timeout
        at, kind = self.entry.start + timeout, "timeout"
        if self.plan.abandon_after is not None and self.entry.start + self.plan.abandon_after < at:
            at, kind = self.entry.start + self.plan.abandon_after, "abandon"
        return at, kind

    def _left(self) -> float:
        return self._deadline()[0] - self.pbx.now()

    # -- waiting and ringing --------------------------------------------------------------------------
    async def _wait_in_queue(self) -> str:
        attempts = 0
        while True:
            member = await self._await_member()
            if member is None:
                return self._why_stopped()
            result = await self._ring(member, attempts)
            if result in ("answered", "abandon", "timeout", "hangup"):
                return result
            attempts += 1
            if await self._pause(min(self.pbx.config.retry, max(self._left(), 0))) or self._left() <= 0:
                return self._why_stopped()

    def _why_stopped(self) -> str:
        if self._requests:
            return "hangup"
        return self._deadline()[1]

    async def _await_member(self) -> Member | None:
        entry = self.entry
        assert entry is not None
        entry.waiting, entry.member = True, None
        entry.offered.clear()
        self.pbx.kick()
        while not entry.offered.is_set() and not self._requests and self._left() > 0:
            await self._wait_any(entry.offered, self._left())
        entry.waiting = False
        if entry.offered.is_set() and not self._requests and self._left() > 0:
            return entry.member
        self.pbx.release(entry.member)
        entry.member = None
        return None

    async def _ring(self, member: Member, attempt: int) -> str:
        self.member, ring_start = member, self.pbx.now()
        leg = self._call_member(member)
        answers = (self.plan.answer_after is not None and attempt >= self.plan.ring_no_answer
                   and not {member.interface, member.state_interface} & self.pbx.no_answer)
        ring_for = self.pbx.config.ring_timeout
        if answers and self.plan.answer_after is not None and self.plan.answer_after < ring_for:
            ring_for = self.plan.answer_after
        else:
            answers = False
        wait_for = min(ring_for, max(self._left(), 0))
        if await self._pause(wait_for):
            return self._ring_interrupted(member, leg, ring_start)
        if answers and wait_for >= ring_for:
            self._connect(member, leg, ring_start)
            return "answered"
        if self._left() <= 0 and self._deadline()[1] == "abandon":
            return "abandon"  # the caller hangs up while the phone rings: _abandon cancels the leg
        self._ring_no_answer(member, leg, ring_start)
        return self._deadline()[1] if self._left() <= 0 else "noanswer"

    def _call_member(self, member: Member) -> MemberLeg:
        """ring_entry(): request the member's channel, inherit variables, AgentCalled, DialBegin, ringing."""
        caller = self.caller
        assert caller is not None
        self.leg = leg = member_leg(self.pbx, member, caller.linkedid, self)
        facing = leg.facing
        facing.application, facing.app_data = "AppQueue", "(Outgoing Line)"
        c.set_vars(self.pbx, facing, inherited(caller.variables))
        c.set_callerid(self.pbx, facing, caller.caller_num, caller.caller_name)
        facing.connected_num, facing.connected_name = caller.caller_num, caller.caller_name
        if isinstance(leg, PhoneLeg):
            facing.exten = caller.exten
        self.pbx.emit("AgentCalled", c.two(caller, facing, [
            ("Queue", self.queue.name), ("Interface", member.interface), ("MemberName", member.name)]))
        c.dial_begin(self.pbx, caller, facing, member.interface.split("/", 1)[-1])
        leg.ring()
        c.dial_state(self.pbx, caller, facing, "RINGING")
        return leg

    def _ring_interrupted(self, member: Member, leg: MemberLeg, ring_start: float) -> str:
        req = self._take_request()
        assert req is not None
        ch, cause = req
        if ch in leg.channels:  # the member's phone was hung up while ringing: a reject
            leg.reject(cause)
            c.dial_end(self.pbx, self.caller, leg.facing, "BUSY")
            self._agent_rna(member, leg, ring_start)
            self._drop_leg(member, leg, 16)
            return "noanswer"
        self._requests.insert(0, req)  # the caller: handled by _abandon
        self._poke.set()
        return "hangup"

    def _agent_rna(self, member: Member, leg: MemberLeg, ring_start: float) -> None:
        ms = int(round((self.pbx.now() - ring_start) * 1000))
        self.pbx.emit("AgentRingNoAnswer", c.two(self.caller, leg.facing, [
            ("Queue", self.queue.name), ("Interface", member.interface), ("MemberName", member.name),
            ("RingTime", str(ms))]))

    def _ring_no_answer(self, member: Member, leg: MemberLeg, ring_start: float) -> None:
        self._agent_rna(member, leg, ring_start)
        c.dial_end(self.pbx, self.caller, leg.facing, "NOANSWER")
        self._drop_leg(member, leg, 0)

    def _drop_leg(self, member: Member, leg: MemberLeg, cause: int) -> None:
        leg.hang_up(cause)
        self.leg, self.member = None, None
        self.pbx.release(member)

    # -- answered -------------------------------------------------------------------------------------
    def _connect(self, member: Member, agent_leg: MemberLeg, ring_start: float) -> None:
        pbx, caller, q, entry, leg = self.pbx, self.caller, self.queue, self.entry, agent_leg.facing
        assert caller is not None and entry is not None
        agent_leg.answer()
        c.set_state(pbx, leg, UP)
        c.dial_end(pbx, caller, leg, "ANSWER")
        c.set_connected(pbx, caller, member.interface.split("/", 1)[-1], member.name)
        c.moh_stop(pbx, caller)
        hold = int(round(pbx.now() - entry.start))
        q.record_hold(hold)
        for ch in (caller, leg):
            c.set_vars(pbx, ch, interface_vars(member.interface, member.name, member.calls, member.last_call,
                                               member.penalty))
        for ch in (caller, leg):
            c.set_vars(pbx, ch, entry_vars(hold, entry.original_position))
        for ch in (caller, leg):
            c.set_vars(pbx, ch, self._queue_vars())
        self._start_recording()
        self._leave()
        member.in_call, member.reserved_by = 1, None
        pbx.emit("AgentConnect", c.two(caller, leg, [
            ("Queue", q.name), ("MemberName", member.name), ("Interface", member.interface),
            ("RingTime", str(int(round(pbx.now() - ring_start)))), ("HoldTime", str(hold))]))
        self._bridge(caller, leg)
        self._answered_at = pbx.now()
        self._hold = hold

    def _queue_vars(self) -> list[tuple[str, str]]:
        q = self.queue
        return queue_vars(q.name, q.strategy, len(q.entries), q.holdtime, q.talktime, q.completed, q.abandoned,
                          q.servicelevel, q.service_levels()[0])

    def _start_recording(self) -> None:
        caller = self.caller
        assert caller is not None
        if not self.plan.record:
            return
        self.recording = caller.variables.get("MONITOR_FILENAME", caller.uniqueid) + ".wav"
        c.set_var(self.pbx, caller, "MIXMONITOR_FILENAME", self.recording)
        if self.recorder is not None:
            self.pbx.spawn(self.recorder.start(self.recording))

    def _bridge(self, caller: Channel, leg: Channel) -> None:
        self.bridge = br = c.bridge_create(self.pbx)
        c.bridge_enter(self.pbx, br, caller)
        c.bridge_enter(self.pbx, br, leg)
        for ch, peer in ((caller, leg), (leg, caller)):
            c.set_var(self.pbx, ch, "BRIDGEPEER", peer.name)
            c.set_var(self.pbx, ch, "BRIDGEPVTCALLID", pvt_call_id(self.pbx.rng))

    async def _talk(self) -> tuple[str, bool]:
        p = self.plan
        if p.transfer and not await self._pause(p.transfer_after):
            self._transfer(p.transfer)
        elif p.transfer:
            return self._who_asked()
        if await self._pause(p.talk_seconds):
            return self._who_asked()
        return p.hangup_by, False

    def _who_asked(self) -> tuple[str, bool]:
        req = self._take_request()
        assert req is not None and self.leg is not None
        return ("agent" if req[0] in self.leg.channels else "caller"), True

    def _transfer(self, kind: str) -> None:
        """The agent's phone transfers whoever it is bridged with: the citizen (SIP member) or the Local
        member's ;2. Only in the first case does app_queue see it (AgentComplete, Reason transfer)."""
        leg, caller = self.leg, self.caller
        assert leg is not None and self.bridge is not None and caller is not None
        if isinstance(leg, LocalLeg):
            assert leg.phone is not None and leg.bridge is not None
            phone, transferee, bridge = leg.phone, leg.inner, leg.bridge
        else:
            self._agent_complete("transfer", self.pbx.now() - self._answered_at)
            phone, transferee, bridge = leg.facing, caller, self.bridge
        move = blind if kind == "blind" else attended
        handover = move(self.pbx, phone, transferee, bridge, self.plan.transfer_to, self)
        if isinstance(leg, LocalLeg):
            leg.phone, leg.bridge = handover.target, handover.bridge
        else:
            self.leg, self.bridge = PhoneLeg(self.pbx, leg.member, handover.target), handover.bridge

    def _agent_complete(self, reason: str, talk: float) -> None:
        caller, leg, member = self.caller, self.leg, self.member
        assert caller and leg and member
        self.pbx.emit("AgentComplete", c.two(caller, leg.facing, [
            ("Queue", self.queue.name), ("MemberName", member.name), ("Interface", member.interface),
            ("HoldTime", str(self._hold)), ("TalkTime", str(int(round(talk)))), ("Reason", reason)]))
        self.pbx.member_done(member)
        self.queue.record_completed(int(round(talk)), self._hold <= self.queue.servicelevel)
        self._queue_done = True

    def _complete(self, side: str, soft: bool) -> None:
        pbx, caller, agent_leg, br, citizen = self.pbx, self.caller, self.leg, self.bridge, self.citizen
        assert caller and agent_leg and br and citizen
        talk = pbx.now() - self._answered_at
        leg = agent_leg.facing
        first, other = (caller, leg) if side == "caller" else (leg, caller)
        if side == "caller":
            citizen.hangs_up(soft)
        else:
            agent_leg.phone_hangs_up(soft)
        if not self._queue_done:
            self._agent_complete(side, talk)
        c.set_vars(pbx, first, rtp_qos(pbx.rng, talk, False))
        c.set_vars(pbx, other, rtp_qos(pbx.rng, talk, True))
        c.bridge_leave(pbx, br, first)
        c.bridge_leave(pbx, br, other)
        c.bridge_destroy(pbx, br)
        self._finish_recording(talk)
        agent_leg.hang_up(16)
        c.set_vars(pbx, caller, self._queue_vars())
        if side == "agent":
            c.newexten(pbx, caller, "Hangup", "", priority=caller.priority + 1)
        citizen.gone(16)

    def _finish_recording(self, talk: float) -> None:
        if self.recorder is not None and self.recording:
            answered = datetime.fromtimestamp(self._answered_at) if self._answered_at else None
            self.pbx.spawn(self.recorder.finish(self.recording, talk, self.plan.caller_number, answered))

    # -- unanswered -----------------------------------------------------------------------------------
    def _abandon(self, outcome: str) -> None:
        """The caller hung up (`abandon`, `hangup`) or Queue() timed out (`timeout`)."""
        pbx, caller, entry, q, citizen = self.pbx, self.caller, self.entry, self.queue, self.citizen
        assert caller is not None and entry is not None and citizen is not None
        if outcome == "hangup":
            req = self._take_request()
            citizen.hangs_up(True, req[1] if req else 16, req[0] if req else None)
        elif outcome == "abandon":
            citizen.hangs_up()
        if self.leg is not None and self.member is not None:
            c.dial_end(pbx, caller, self.leg.facing, "CANCEL")
            self._drop_leg(self.member, self.leg, 0)
        hold = int(round(pbx.now() - entry.start))
        c.set_var(pbx, caller, "ABANDONED", "TRUE")
        c.set_vars(pbx, caller, self._queue_vars())
        q.record_abandoned(hold <= q.servicelevel)
        pbx.emit("QueueCallerAbandon", channel_fields(caller) + [
            ("Queue", q.name), ("Position", str(entry.position)), ("OriginalPosition", str(entry.original_position)),
            ("HoldTime", str(hold))])
        c.moh_stop(pbx, caller)
        c.set_vars(pbx, caller, self._queue_vars())
        self._leave()
        if outcome == "timeout":
            c.set_var(pbx, caller, "QUEUESTATUS", "TIMEOUT")
            c.newexten(pbx, caller, "Hangup", "", priority=caller.priority + 1)
        citizen.gone(16)
