"""AMI messages in, domain events out: the only module that reads AMI field names for events.

It keeps state because single events do not say enough: who hung up first needs the caller's
channel; a call is over when its last channel is gone (Newchannel/Hangup counted per Linkedid);
the recording file and originate variables arrive as VarSet before the call is known. The state is
keyed by live channels, dropped at hang-up and rebuilt by a resync, so memory stays flat.

Facts of Asterisk 20 it relies on: QueueCallerLeave comes before AgentConnect (so Leave alone says
nothing; AgentConnect answers, QueueCallerAbandon abandons, also on queue timeout);
AgentRingNoAnswer's RingTime is in milliseconds, AgentConnect's RingTime/HoldTime in seconds;
there is no MixMonitor stop event (the file is announced by VarSet MIXMONITOR_FILENAME); Linkedid
ties the legs together; channel names are SIP/…, PJSIP/… or Local/…;1/;2; with `systemname` set
ids look like `name-<id>` and every event carries SystemName, so ids are treated as opaque text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Mapping

from casework.clock import Clock
from telephony.events import (AgentRinging, AgentRingNoAnswer, AgentState, AgentStateChanged, CallAbandoned,
                              CallAnswered, CallEnded, CallOffered, Event, HangupSide, OutboundCallStarted,
                              RecordingStarted, ResyncSnapshot, SnapshotCall, SpyStarted, SpyStopped)

Message = Mapping[str, str]
RECORDING, CASE_ID, PURPOSE = "MIXMONITOR_FILENAME", "HOTLINE_CASE_ID", "HOTLINE_PURPOSE"
WATCHED_VARIABLES = frozenset({RECORDING, CASE_ID, PURPOSE})
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]{6,}(;[12])?$")
_NOTHING = frozenset({"<unknown>", "<null>", "(null)"})


def interface_of(channel: str) -> str:
    """The device behind a channel: 'PJSIP/1001-0000000a' → 'PJSIP/1001', 'Local/1@a-00000003;1' → 'Local/1@a'."""
    return _CHANNEL_SUFFIX.sub("", channel)


def local_partner(channel: str) -> str:
    """The other half of a Local channel pair (';1' ↔ ';2'), or '' for any other channel."""
    if channel.startswith("Local/") and channel[-2:] in (";1", ";2"):
        return channel[:-1] + ("2" if channel[-1] == "1" else "1")
    return ""


def _text(value: str | None) -> str:
    return "" if value is None or value in _NOTHING else value


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


def _duration(value: str | None) -> int:
    """CoreShowChannel's Duration is 'HH:MM:SS'; accept plain seconds too."""
    total = 0
    for part in (value or "0").split(":"):
        total = total * 60 + _int(part)
    return total


def member_state(status: str, in_call: bool, paused: bool) -> AgentState:
    """A member's state from its device status (AST_DEVICE_*), InCall and Paused. An unreachable device
    cannot take calls, so it counts as logged out; a paused agent on a call shows as on the call."""
    if status in ("4", "5"):
        return AgentState.LOGGED_OUT
    if status == "6":
        return AgentState.RINGING
    if status in ("2", "3", "7", "8") or in_call:
        return AgentState.ON_CALL
    return AgentState.PAUSED if paused else AgentState.AVAILABLE


@dataclass(slots=True)
class _Call:
    """A call the mapper follows: a hotline queue call or a call the platform originated."""
    linked_id: str
    inbound: bool
    main_uid: str  # the queue caller's channel (inbound) or the originated channel (outbound)
    main_channel: str
    queue: str = ""
    started: datetime | None = None
    answered: bool = False
    side: HangupSide | None = None
    complete_reason: str = ""
    cause: int = 0
    cause_text: str = ""
    cause_final: bool = False
    action_id: str = ""
    destination: str = ""
    rung: set[str] = field(default_factory=set)  # agent legs rung that did not answer (and their Local halves)
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class _Resync:
    channels: list[Message] = field(default_factory=list)
    members: list[Message] = field(default_factory=list)
    entries: list[Message] = field(default_factory=list)


class AmiMapper:
    """Turns raw AMI messages (header → value) into the small frozen events of telephony.events."""

    def __init__(self, clock: Clock, queues: Iterable[str]) -> None:
        self._clock = clock
        self._queues = frozenset(queues)
        self._channels: dict[str, tuple[str, str]] = {}  # uniqueid → (linkedid, channel name)
        self._live: dict[str, int] = {}  # linkedid → channels up
        self._calls: dict[str, _Call] = {}
        self._pending: dict[str, dict[str, str]] = {}  # linkedid → watched variables seen before the call
        self._spies: dict[str, str] = {}  # spyer channel → spied call's linkedid
        self._resync: _Resync | None = None
        self._handlers: dict[str, Callable[[Message], list[Event]]] = {
            "Newchannel": self._newchannel, "Hangup": self._hangup, "VarSet": self._varset,
            "HangupRequest": lambda m: self._request(m, True), "SoftHangupRequest": lambda m: self._request(m, False),
            "QueueCallerJoin": self._join, "QueueCallerAbandon": self._abandon, "AgentCalled": self._agent_called,
            "AgentRingNoAnswer": self._ring_no_answer, "AgentConnect": self._connect,
            "AgentComplete": self._complete, "OriginateResponse": self._originate, "DialEnd": self._dial_end,
            "ChanSpyStart": self._spy_start, "ChanSpyStop": lambda m: self._spy_gone(m.get("SpyerChannel", "")),
            "HotlineResyncEnd": self._resync_end,
            **{name: self._member for name in ("QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus",
                                               "QueueMemberPause", "QueueMemberPenalty", "QueueMemberRinginuse")},
            **{name: self._resync_item for name in ("HotlineResyncStart", "CoreShowChannel", "QueueMember",
                                                    "QueueEntry", "QueueParams")},
        }

    def map(self, message: Message) -> list[Event]:
        """The events one AMI message means, in order; [] for everything irrelevant (most messages)."""
        handler = self._handlers.get(message.get("Event", ""))
        return [] if handler is None else handler(message)

    @property
    def events(self) -> frozenset[str]:
        """What `map` reads: the link drops every other event unparsed (most of a busy PBX's stream)."""
        return frozenset(self._handlers)

    def memory(self) -> dict[str, int]:
        """Sizes of the internal tables: they return to empty when the PBX is idle."""
        return {"channels": len(self._channels), "live": len(self._live), "calls": len(self._calls),
                "pending": len(self._pending), "spies": len(self._spies)}

    def _track_channel(self, uid: str, linked: str, channel: str) -> None:
        if uid and uid not in self._channels:
            self._channels[uid] = (linked, channel)
            self._live[linked] = self._live.get(linked, 0) + 1

    def _newchannel(self, m: Message) -> list[Event]:
        uid = m.get("Uniqueid", "")
        self._track_channel(uid, m.get("Linkedid") or uid, m.get("Channel", ""))  # a replay is ignored
        return []

    def _citizen_leg(self, call: _Call, uid: str, channel: str) -> bool:
        """Inbound: the oldest channel, the queue caller's channel and its Local partner are the
        citizen's; outbound: everything but the originated channel (and its Local partner)."""
        main = uid in (call.main_uid, call.linked_id) or (
            channel != "" and channel in (call.main_channel, local_partner(call.main_channel)))
        return main if call.inbound else not main

    def _request(self, m: Message, hard: bool) -> list[Event]:
        """The first hang-up request of a call tells who ended it: a hard request comes from the phone
        of that leg; a soft one on the citizen's leg is the platform (timeout, forced hang-up). A ringing
        agent leg that rejects or is cancelled does not end the call, so it does not count."""
        call, channel = self._calls.get(m.get("Linkedid", "")), m.get("Channel", "")
        if call is None or call.side is not None:
            return []
        citizen = self._citizen_leg(call, m.get("Uniqueid", ""), channel)
        if not citizen and call.inbound and (not call.answered or channel in call.rung):
            return []
        call.side = (HangupSide.CALLER if hard else HangupSide.SYSTEM) if citizen else HangupSide.AGENT
        return []

    def _hangup(self, m: Message) -> list[Event]:
        """A channel never counted (hung up before a resync listed it, replayed after) leaves the count be."""
        uid, channel = m.get("Uniqueid", ""), m.get("Channel", "")
        known = self._channels.pop(uid, None)
        linked = known[0] if known else m.get("Linkedid") or uid
        left = self._live.get(linked, 1) - 1 if known else self._live.get(linked, 0)
        if left > 0:
            self._live[linked] = left
        else:
            self._live.pop(linked, None)
            self._pending.pop(linked, None)
        events = self._spy_gone(channel)
        call = self._calls.get(linked)
        if call is not None:
            if not call.cause_final:  # the citizen leg's cause is the call's (busy, no answer, normal clearing)
                call.cause, call.cause_text = _int(m.get("Cause")), m.get("Cause-txt", "")
                call.cause_final = self._citizen_leg(call, uid, channel)
            if left <= 0:
                events.append(self._end(call))
        return events

    def _end(self, call: _Call) -> CallEnded:
        del self._calls[call.linked_id]
        side = call.side or {"caller": HangupSide.CALLER, "agent": HangupSide.AGENT,
                             "transfer": HangupSide.AGENT}.get(call.complete_reason, HangupSide.SYSTEM)
        return CallEnded(self._clock(), call.linked_id, call.cause, call.cause_text, side)

    def _hotline_call(self, m: Message) -> _Call | None:
        if m.get("Queue", "") not in self._queues:
            return None
        return self._calls.get(m.get("Linkedid", ""))

    def _join(self, m: Message) -> list[Event]:
        queue = m.get("Queue", "")
        if queue not in self._queues:
            return []
        uid, channel = m.get("Uniqueid", ""), m.get("Channel", "")
        linked = m.get("Linkedid") or uid
        self._track_channel(uid, linked, channel)
        self._adopt(linked, uid, channel, queue).queue = queue
        now = self._clock()
        events: list[Event] = [CallOffered(now, linked, uid, channel, queue, _text(m.get("CallerIDNum")),
                                           _text(m.get("CallerIDName")), _int(m.get("Position")))]
        recording = self._pending.pop(linked, {}).get(RECORDING)
        if recording:
            events.append(RecordingStarted(now, linked, recording))
        return events

    def _agent_called(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        call.rung.update((m.get("DestChannel", ""), local_partner(m.get("DestChannel", ""))))
        return [AgentRinging(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                             m.get("MemberName", ""), m.get("DestChannel", ""))]

    def _ring_no_answer(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        return [AgentRingNoAnswer(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                                  _int(m.get("RingTime")) / 1000.0)]

    def _connect(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        call.answered = True
        call.rung.difference_update((m.get("DestChannel", ""), local_partner(m.get("DestChannel", ""))))
        return [CallAnswered(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                             m.get("MemberName", ""), m.get("DestChannel", ""), _int(m.get("HoldTime")),
                             _int(m.get("RingTime")))]

    def _complete(self, m: Message) -> list[Event]:
        """AgentComplete's Reason (caller/agent/transfer) is the fallback when no hang-up request was seen."""
        if (call := self._hotline_call(m)) is not None:
            call.complete_reason = m.get("Reason", "")
        return []

    def _abandon(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        return [CallAbandoned(self._clock(), call.linked_id, m["Queue"], _int(m.get("Position")),
                              _int(m.get("OriginalPosition")), _int(m.get("HoldTime")))]

    def _varset(self, m: Message) -> list[Event]:
        name, value = m.get("Variable", "").lstrip("_"), m.get("Value", "")  # __NAME: inherited by new legs
        if name not in WATCHED_VARIABLES or not value:
            return []
        uid = m.get("Uniqueid", "")
        linked = m.get("Linkedid") or self._channels.get(uid, (uid, ""))[0]
        call = self._calls.get(linked)
        if call is None:
            self._pending.setdefault(linked, {})[name] = value
            return []
        if name == RECORDING:
            return [RecordingStarted(self._clock(), linked, value)]
        if call.inbound or call.variables.get(name) == value:
            return []
        call.variables[name] = value  # arrived after OriginateResponse: announce the call again
        return [self._outbound(call)]

    def _originate(self, m: Message) -> list[Event]:
        uid = _text(m.get("Uniqueid"))
        if m.get("Response") != "Success" or not uid:
            return []
        linked, channel = self._channels.get(uid, (uid, m.get("Channel", "")))
        self._track_channel(uid, linked, channel)
        call = self._calls.setdefault(linked, _Call(linked, False, uid, channel, started=self._clock()))
        call.action_id = m.get("ActionID", "")
        call.destination = m.get("Exten", "") if not m.get("Application") else m.get("Data", "")
        call.variables.update(self._pending.pop(linked, {}))
        events: list[Event] = [self._outbound(call)]
        if call.variables.get(RECORDING):
            events.append(RecordingStarted(self._clock(), linked, call.variables[RECORDING]))
        return events

    def _outbound(self, call: _Call) -> OutboundCallStarted:
        case_id = _int(call.variables.get(CASE_ID)) or None
        purpose = call.variables.get(PURPOSE, "").strip().lower() or "none"
        return OutboundCallStarted(self._clock(), call.linked_id, call.action_id, call.main_channel,
                                   call.destination, case_id, purpose, interface_of(call.main_channel))

    def _dial_end(self, m: Message) -> list[Event]:
        """An originated call is answered when the dial from the agent's phone to the citizen is."""
        call = self._calls.get(m.get("Linkedid", ""))
        if call is None or call.inbound or call.answered or m.get("DialStatus") != "ANSWER":
            return []
        call.answered = True
        now = self._clock()
        ring, agent = int((now - call.started).total_seconds()) if call.started else 0, call.main_channel
        return [CallAnswered(now, call.linked_id, "", interface_of(agent), "", agent, 0, ring)]

    def _spy_start(self, m: Message) -> list[Event]:
        linked, spy = m.get("SpyeeLinkedid", ""), m.get("SpyerChannel", "")
        if linked not in self._calls or not spy:
            return []
        self._spies[spy] = linked
        return [SpyStarted(self._clock(), linked, spy, m.get("SpyeeChannel", ""))]

    def _spy_gone(self, spy: str) -> list[Event]:
        linked = self._spies.pop(spy, None) if self._spies else None
        return [] if linked is None else [SpyStopped(self._clock(), linked, spy)]

    def _member(self, m: Message) -> list[Event]:
        if (queue := m.get("Queue", "")) not in self._queues:
            return []
        return [self._member_event(m, queue, m.get("Event") == "QueueMemberRemoved")]

    def _member_event(self, m: Message, queue: str, removed: bool) -> AgentStateChanged:
        """QueueMember* events say MemberName/Interface; QueueStatus's QueueMember says Name/Location."""
        interface = m.get("Interface") or m.get("Location", "")
        paused = m.get("Paused") == "1" and not removed
        state = AgentState.LOGGED_OUT if removed else member_state(
            m.get("Status", ""), m.get("InCall") == "1", paused)
        return AgentStateChanged(self._clock(), queue, interface, m.get("MemberName") or m.get("Name") or interface,
                                 state, paused, m.get("PausedReason", "") if paused else "",
                                 _int(m.get("CallsTaken")), _int(m.get("Wrapuptime")))

    def _resync_item(self, m: Message) -> list[Event]:
        """Collect list items between the markers; outside a resync they answer someone else's action."""
        if m.get("Event") == "HotlineResyncStart":
            self._resync = _Resync()
        elif (r := self._resync) is not None:
            {"CoreShowChannel": r.channels, "QueueMember": r.members, "QueueEntry": r.entries}.get(
                m.get("Event", ""), []).append(m)
        return []

    def _resync_end(self, m: Message) -> list[Event]:
        r, self._resync = self._resync, None
        if r is None:
            return []
        self._rebuild_channels(r)
        members = tuple(self._member_event(x, x.get("Queue", ""), False) for x in r.members
                        if x.get("Queue", "") in self._queues)
        calls = self._waiting(r) + self._talking(r, members)
        return [ResyncSnapshot(self._clock(), tuple(calls), members, frozenset(self._live))]

    def _rebuild_channels(self, r: _Resync) -> None:
        """The channels listed are the live ones; every table keyed by a call keeps only calls still up.
        The link replays the live events held back during the listing after the end marker: a replayed
        Newchannel of a listed channel is ignored, a replayed Hangup of an unlisted one counts nothing."""
        channels = {x.get("Uniqueid", ""): (x.get("Linkedid") or x.get("Uniqueid", ""), x.get("Channel", ""))
                    for x in r.channels}
        self._channels, self._live = channels, {}
        for linked, _ in channels.values():
            self._live[linked] = self._live.get(linked, 0) + 1
        self._calls = {k: v for k, v in self._calls.items() if k in self._live}
        self._pending = {k: v for k, v in self._pending.items() if k in self._live}
        self._spies = {k: v for k, v in self._spies.items() if v in self._live}

    def _waiting(self, r: _Resync) -> list[SnapshotCall]:
        calls = []
        for x in r.entries:
            queue, uid = x.get("Queue", ""), x.get("Uniqueid", "")
            if queue not in self._queues:
                continue
            linked, channel = self._channels.get(uid, (uid, x.get("Channel", "")))
            self._adopt(linked, uid, channel, queue)
            calls.append(SnapshotCall(linked, uid, channel, queue, _text(x.get("CallerIDNum")),
                                      _text(x.get("CallerIDName")), _int(x.get("Position")), _int(x.get("Wait"))))
        return calls

    def _talking(self, r: _Resync, members: tuple[AgentStateChanged, ...]) -> list[SnapshotCall]:
        """Callers still in the Queue application but not waiting talk to the agent bridged with them."""
        skip = {x.get("Uniqueid", "") for x in r.entries}
        bridges: dict[str, list[Message]] = {}
        for x in r.channels:
            bridges.setdefault(x.get("BridgeId") or "-", []).append(x)
        calls = []
        for x in r.channels:
            queue, uid = x.get("ApplicationData", "").split(",")[0], x.get("Uniqueid", "")
            peers = [y for y in bridges.get(x.get("BridgeId") or "", []) if y is not x]
            if x.get("Application") != "Queue" or queue not in self._queues or uid in skip or not peers:
                continue
            linked, agent = x.get("Linkedid") or uid, peers[0].get("Channel", "")
            self._adopt(linked, uid, x.get("Channel", ""), queue).answered = True
            member = next((a for a in members if a.interface.removesuffix("/n") == interface_of(agent)), None)
            calls.append(SnapshotCall(
                linked, uid, x.get("Channel", ""), queue, _text(x.get("CallerIDNum")), _text(x.get("CallerIDName")),
                0, 0, member.interface if member else interface_of(agent), member.member_name if member else "",
                agent, _duration(peers[0].get("Duration"))))
        return calls

    def _adopt(self, linked: str, uid: str, channel: str, queue: str) -> _Call:
        if linked not in self._calls:
            self._calls[linked] = _Call(linked, True, uid, channel, queue)
        return self._calls[linked]
