"""The live call model: calls, queue entries and agents, kept up to date from domain events.

Pure (no I/O, no clock of its own: time is the events' `at`), so it is tested with plain event
sequences and replayed in benchmarks. Each `apply` returns what changed, for the bus, and the call
records to store. A call leaves memory when it ends; agents stay (they are the staff, a bounded
set). After a reconnect `apply(ResyncSnapshot)` resets everything from the PBX's own state.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from telephony.calls.records import (CallRecord, Direction, Purpose, ServiceLevel, SERVICE_LEVEL_SECONDS,
                                     agent_extension, disposition_for)
from telephony.calls.state import Agent, Entry, LiveCall
from telephony.calls.views import (AgentChanged, AgentView, CallChanged, CallGone, CallView, Change, ModelReset,
                                   Outcome, QueueChanged, QueueEntryView)
from telephony.events import (AgentRinging, AgentRingNoAnswer, AgentState, AgentStateChanged, CallAbandoned,
                              CallAnswered, CallEnded, CallOffered, CallTransferred, Event, HangupSide,
                              OutboundCallStarted, RecordingStarted, ResyncSnapshot, SnapshotCall, SpyStarted,
                              SpyStopped)

LOST_CAUSE = "Ended while the PBX link was down"


class _Out:
    """Changes gathered while applying one event; queues are renumbered once at the end."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.records: list[CallRecord] = []
        self.queues: set[str] = set()


class CallModel:
    """Calls by linked id, queue entries in join order, agents by interface."""

    def __init__(self, *, wrapup_seconds: int = 0, threshold_seconds: int = SERVICE_LEVEL_SECONDS) -> None:
        """`wrapup_seconds` applies when a member's own Wrapuptime is 0 (set on the queue instead)."""
        self.wrapup_seconds = wrapup_seconds
        self._calls: dict[str, LiveCall] = {}
        self._queue: dict[str, Entry] = {}
        self._agents: dict[str, Agent] = {}
        self._level = ServiceLevel(threshold_seconds=threshold_seconds)
        self._level_day: date | None = None
        self._handlers: dict[type, Callable[[Event, _Out], None]] = {  # type: ignore[dict-item]
            CallOffered: self._offered, AgentRinging: self._ringing, AgentRingNoAnswer: self._no_answer,
            CallAnswered: self._answered, CallAbandoned: self._abandoned, CallEnded: self._ended,
            CallTransferred: self._transferred,
            RecordingStarted: self._recording, OutboundCallStarted: self._outbound,
            AgentStateChanged: self._agent_state, SpyStarted: self._spy, SpyStopped: self._spy,
            ResyncSnapshot: self._reset,
        }

    def apply(self, event: Event) -> Outcome:
        """Apply one event (in the order the PBX produced them); unknown events change nothing."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return Outcome()
        out = _Out()
        handler(event, out)
        return self._finish(out)

    def tick(self, now: datetime) -> Outcome:
        """Time passing: wrap-ups run out and a new day resets the daily counters (no PBX event says so)."""
        out = _Out()
        if self._level_day is not None and self._level_day != now.date():
            self._level, self._level_day = ServiceLevel(threshold_seconds=self._level.threshold_seconds), now.date()
        for agent in self._agents.values():
            if agent.state is AgentState.WRAP_UP and agent.wrapup_until and now >= agent.wrapup_until:
                self._idle(agent, now, out)
            elif agent.day is not None and agent.day != now.date():
                agent.day, agent.calls_today = now.date(), 0
                out.changes.append(AgentChanged(agent.view()))
        return self._finish(out)

    # --- reading --------------------------------------------------------------------------

    def calls(self) -> list[CallView]:
        return [call.view() for call in self._calls.values()]

    def call(self, linked_id: str) -> CallView | None:
        found = self._calls.get(linked_id)
        return found.view() if found else None

    def queue_entries(self, queue: str | None = None) -> list[QueueEntryView]:
        """Waiting callers in join order, numbered per queue from 1 (as Asterisk numbers them)."""
        counts: dict[str, int] = {}
        out = []
        for entry in self._queue.values():
            counts[entry.queue] = counts.get(entry.queue, 0) + 1
            if queue is None or entry.queue == queue:
                call = self._calls[entry.linked_id]
                out.append(QueueEntryView(entry.linked_id, entry.queue, counts[entry.queue], call.caller_number,
                                          call.caller_name, entry.joined_at))
        return out

    def agents(self) -> list[AgentView]:
        return [agent.view() for agent in self._agents.values()]

    def agent_at(self, extension: str) -> AgentView | None:
        """The agent on the phone `extension` (PJSIP/8001 or Local/8001@agents/n for 8001), copying no
        other: a desk's hello needs its own, and after a resync every desk says hello at once."""
        return next((a.view() for i, a in self._agents.items() if extension and agent_extension(i) == extension),
                    None)

    def service_level(self) -> ServiceLevel:
        """Today's inbound calls: answered, answered within 15 s, abandoned (finished calls only)."""
        return self._level

    def memory(self) -> dict[str, int]:
        return {"calls": len(self._calls), "queue": len(self._queue), "agents": len(self._agents)}

    # --- calls ----------------------------------------------------------------------------

    def _finish(self, out: _Out) -> Outcome:
        for queue in sorted(out.queues):
            out.changes.append(QueueChanged(queue, tuple(self.queue_entries(queue))))
        return Outcome(tuple(out.changes), tuple(out.records))

    def _leave_queue(self, linked_id: str, out: _Out) -> None:
        entry = self._queue.pop(linked_id, None)
        if entry is not None:
            out.queues.add(entry.queue)

    def _offered(self, e: CallOffered, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None:
            call = self._calls[e.linked_id] = LiveCall(e.linked_id, Direction.INBOUND, e.at)
        call.caller_number = call.caller_number or e.caller_number
        call.caller_name = call.caller_name or e.caller_name
        call.queue, call.caller_channel, call.abandoned = e.queue, e.channel, False
        entry = self._queue.get(e.linked_id)
        if entry is None or entry.queue != e.queue:  # the same join replayed after a resync keeps its place
            self._leave_queue(e.linked_id, out)
            self._queue[e.linked_id] = Entry(e.linked_id, e.queue, e.at)
            out.queues.add(e.queue)
        out.changes.append(CallChanged(call.view()))

    def _ringing(self, e: AgentRinging, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None:
            return
        call.ringing[e.interface] = e.at
        agent = self._agent(e.interface, e.member_name, e.at)
        self._set(agent, AgentState.RINGING, e.at, out)
        out.changes.append(CallChanged(call.view()))

    def _no_answer(self, e: AgentRingNoAnswer, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None:
            return
        if call.ringing.pop(e.interface, None) is not None:
            call.rung_seconds += e.ring_seconds
        self._release(e.interface, e.at, out)
        out.changes.append(CallChanged(call.view()))

    def _release(self, interface: str, at: datetime, out: _Out) -> None:
        """An agent whose phone stopped ringing for a call is free again (or still paused)."""
        agent = self._agents.get(interface)
        if agent is not None and agent.state is AgentState.RINGING:
            self._idle(agent, at, out)

    def _release_ringing(self, call: LiveCall, at: datetime, out: _Out, keep: str = "") -> None:
        for interface, since in call.ringing.items():
            if interface != keep:
                call.rung_seconds += (at - since).total_seconds()
                self._release(interface, at, out)
        call.ringing.clear()

    def _answered(self, e: CallAnswered, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None or call.answered_at is not None:
            return
        call.ringing.pop(e.interface, None)
        self._release_ringing(call, e.at, out)
        self._leave_queue(e.linked_id, out)
        call.answered_at, call.wait_seconds, call.ring_seconds = e.at, e.wait_seconds, e.ring_seconds
        call.agent_interface, call.agent_channel = e.interface, e.agent_channel
        call.agent_name = e.member_name or call.agent_name
        agent = self._agent(e.interface, e.member_name, e.at)
        agent.linked_id, agent.wrapup_until = e.linked_id, None
        if call.direction is Direction.INBOUND:
            self._count_today(agent, e.at)
        call.agent_name = call.agent_name or agent.name
        self._set(agent, AgentState.ON_CALL, e.at, out)
        out.changes.append(CallChanged(call.view()))
        out.records.append(self._record(call, None))

    def _abandoned(self, e: CallAbandoned, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None or call.answered_at is not None:
            return
        call.abandoned, call.wait_seconds = True, e.wait_seconds
        self._release_ringing(call, e.at, out)
        self._leave_queue(e.linked_id, out)
        out.changes.append(CallChanged(call.view()))

    def _ended(self, e: CallEnded, out: _Out) -> None:
        call = self._calls.pop(e.linked_id, None)
        if call is None:
            return
        self._leave_queue(e.linked_id, out)
        self._release_ringing(call, e.at, out)
        agent = self._agents.get(call.agent_interface)
        if agent is not None and agent.linked_id == e.linked_id:
            self._after_call(agent, call, e.at, out)
        self._complete(call, e, out)

    def _transferred(self, e: CallTransferred, out: _Out) -> None:
        """The answering agent is done (wrap-up starts now); the record keeps that agent, and the call
        stays until its last channel hangs up."""
        call = self._calls.get(e.linked_id)
        agent = self._agents.get(call.agent_interface) if call is not None else None
        if call is None or agent is None or agent.linked_id != e.linked_id:
            return
        self._after_call(agent, call, e.at, out)
        out.changes.append(CallChanged(call.view()))

    def _complete(self, call: LiveCall, e: CallEnded, out: _Out) -> None:
        record = self._record(call, e)
        if self._level_day != e.at.date():
            self._level, self._level_day = ServiceLevel(threshold_seconds=self._level.threshold_seconds), e.at.date()
        self._level = self._level.counting(record)
        out.records.append(record)
        out.changes.append(CallGone(call.linked_id))

    def _record(self, call: LiveCall, ended: CallEnded | None) -> CallRecord:
        end = ended.at if ended else None
        answered = call.answered_at is not None
        talk = int((end - call.answered_at).total_seconds()) if end and call.answered_at else 0
        wait = call.wait_seconds
        if call.direction is Direction.INBOUND and not answered and not call.abandoned and end:
            wait = int((end - call.offered_at).total_seconds())  # left without Asterisk saying why
        ring = call.ring_seconds if answered else round(call.rung_seconds)
        return CallRecord(
            linked_id=call.linked_id, direction=call.direction, offered_at=call.offered_at,
            caller_number=call.caller_number, caller_name=call.caller_name, queue=call.queue, purpose=call.purpose,
            answered_at=call.answered_at, ended_at=end, wait_seconds=max(0, wait), ring_seconds=ring,
            talk_seconds=max(0, talk), agent_interface=call.agent_interface, agent_name=call.agent_name,
            recording=call.recording, hangup_cause=ended.cause if ended else 0,
            hangup_cause_text=ended.cause_text if ended else "",
            hangup_side=ended.side if ended else HangupSide.SYSTEM, case_id=call.case_id,
            disposition=disposition_for(call.direction, answered))

    def _recording(self, e: RecordingStarted, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is not None and call.recording != e.filename:
            call.recording = e.filename
            out.changes.append(CallChanged(call.view()))

    def _spy(self, e: SpyStarted | SpyStopped, out: _Out) -> None:
        call = self._calls.get(e.linked_id)
        if call is None:
            return
        if isinstance(e, SpyStarted):
            call.spy_channels.add(e.spy_channel)
        else:
            call.spy_channels.discard(e.spy_channel)
        out.changes.append(CallChanged(call.view()))

    def _outbound(self, e: OutboundCallStarted, out: _Out) -> None:
        """A call-back or a supervisor's ChanSpy; announced again when its variables arrive late."""
        call = self._calls.get(e.linked_id)
        purpose = Purpose.of(e.purpose)
        if call is None:
            number = "" if purpose is Purpose.SPY else e.destination
            call = self._calls[e.linked_id] = LiveCall(e.linked_id, Direction.OUTBOUND, e.at, caller_number=number)
        call.purpose, call.case_id = purpose, e.case_id if e.case_id is not None else call.case_id
        call.agent_channel, call.agent_interface = e.channel, e.interface or call.agent_interface
        agent = self._agents.get(call.agent_interface)
        call.agent_name = agent.name if agent else call.agent_name
        out.changes.append(CallChanged(call.view()))

    # --- agents ---------------------------------------------------------------------------

    def _agent(self, interface: str, name: str, at: datetime) -> Agent:
        agent = self._agents.get(interface)
        if agent is None:
            agent = self._agents[interface] = Agent(interface, name or interface, AgentState.AVAILABLE, at)
        elif name and name != interface:
            agent.name = name
        return agent

    def _set(self, agent: Agent, state: AgentState, at: datetime, out: _Out | None, restart: bool = False) -> None:
        """Time in state restarts only when the state really changes (or a different pause begins)."""
        if state is not AgentState.WRAP_UP:
            agent.wrapup_until = None
        if agent.state is not state or restart:
            agent.state, agent.since = state, at
        if out is not None:
            out.changes.append(AgentChanged(agent.view()))

    def _count_today(self, agent: Agent, at: datetime) -> None:
        if agent.day != at.date():
            agent.day, agent.calls_today = at.date(), 0
        agent.calls_today += 1

    def _after_call(self, agent: Agent, call: LiveCall, at: datetime, out: _Out) -> None:
        """A hotline call ended: wrap-up (话后整理) if configured, else free (or back to the pause)."""
        agent.linked_id = ""
        wrapup = agent.wrapup_seconds or self.wrapup_seconds
        if call.direction is Direction.INBOUND and wrapup > 0 and not agent.paused:
            agent.wrapup_until = at + timedelta(seconds=wrapup)
            self._set(agent, AgentState.WRAP_UP, at, out)
        elif agent.state in (AgentState.ON_CALL, AgentState.RINGING):
            self._idle(agent, at, out)

    def _idle(self, agent: Agent, at: datetime, out: _Out) -> None:
        """Not on a call: back to the pause the agent chose, or available."""
        self._set(agent, AgentState.PAUSED if agent.paused else AgentState.AVAILABLE, at, out)

    def _agent_state(self, e: AgentStateChanged, out: _Out, publish: bool = True) -> None:
        agent = self._agent(e.interface, e.member_name, e.at)
        before = agent.view()
        agent.calls_taken, agent.wrapup_seconds = e.calls_taken, e.wrapup_seconds
        if e.state is AgentState.LOGGED_OUT:
            agent.queues.discard(e.queue)  # still a member of another hotline queue: still logged in
            if not agent.queues:
                agent.paused, agent.pause_reason = False, ""
                self._set(agent, AgentState.LOGGED_OUT, e.at, None)
        else:
            agent.queues.add(e.queue)
            reason = e.pause_reason if e.paused else ""
            new_pause = e.paused and (not agent.paused or reason != agent.pause_reason)
            agent.paused, agent.pause_reason, state = e.paused, reason, e.state
            if state is AgentState.AVAILABLE and agent.wrapup_until is not None and e.at < agent.wrapup_until:
                state = AgentState.WRAP_UP  # the phone is free, but the agent is still writing up the call
            self._set(agent, state, e.at, None, new_pause and state is AgentState.PAUSED)
        if publish and agent.view() != before:  # QueueMemberStatus repeats itself; publish real changes only
            out.changes.append(AgentChanged(agent.view()))

    # --- resync ---------------------------------------------------------------------------

    def _reset(self, e: ResyncSnapshot, out: _Out) -> None:
        """Keep the calls still up, record and drop the ones that ended unseen, adopt new ones."""
        out.changes.append(ModelReset(e.at))
        known = {c.linked_id for c in e.calls}
        out.queues.update(entry.queue for entry in self._queue.values())
        for linked in [k for k in self._calls if k not in e.live_linked_ids and k not in known]:
            call = self._calls.pop(linked)
            agent = self._agents.get(call.agent_interface)
            if agent is not None and agent.linked_id == linked:
                agent.linked_id = ""
            self._complete(call, CallEnded(e.at, linked, 0, LOST_CAUSE, HangupSide.SYSTEM), out)
        self._queue.clear()
        for call in self._calls.values():
            call.ringing.clear()
        for snap in sorted(e.calls, key=lambda c: (c.queue, c.position)):
            self._adopt(snap, e.at, out)
        for agent in self._agents.values():
            agent.queues.clear()
        for member in e.members:
            self._agent_state(member, out, publish=False)
        for agent in self._agents.values():
            if not agent.queues:
                agent.paused, agent.pause_reason = False, ""
                self._set(agent, AgentState.LOGGED_OUT, e.at, None)
            out.changes.append(AgentChanged(agent.view()))

    def _adopt(self, snap: SnapshotCall, at: datetime, out: _Out) -> None:
        call = self._calls.get(snap.linked_id)
        if call is None:
            offered = at - timedelta(seconds=snap.wait_seconds + snap.talk_seconds)
            call = self._calls[snap.linked_id] = LiveCall(snap.linked_id, Direction.INBOUND, offered)
        call.queue, call.caller_channel = snap.queue, snap.channel
        call.caller_number = call.caller_number or snap.caller_number
        call.caller_name = call.caller_name or snap.caller_name
        if snap.position > 0:
            self._queue[snap.linked_id] = Entry(snap.linked_id, snap.queue, at - timedelta(seconds=snap.wait_seconds))
            out.queues.add(snap.queue)
        elif call.answered_at is None:
            call.answered_at = at - timedelta(seconds=snap.talk_seconds)
            call.wait_seconds = max(0, int((call.answered_at - call.offered_at).total_seconds()))
            call.agent_interface, call.agent_name = snap.agent_interface, snap.agent_name
            call.agent_channel = snap.agent_channel
        if call.agent_interface:
            self._agent(call.agent_interface, call.agent_name, at).linked_id = snap.linked_id
        out.changes.append(CallChanged(call.view()))
