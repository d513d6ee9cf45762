"""AMI messages in, domain events out: the only place that reads AMI field names for events.

It keeps state because single events do not say enough: who hung up first needs the caller's
channel; a call is over when its last channel is gone (Newchannel/Hangup counted per Linkedid);
the recording file and originate variables arrive as VarSet before the call is known. The state is
keyed by live channels, dropped at hang-up and rebuilt by a resync, so memory stays flat.

Facts of Asterisk 20 it relies on: QueueCallerLeave comes before AgentConnect (so Leave alone says
nothing; AgentConnect answers, QueueCallerAbandon abandons, also on queue timeout);
AgentRingNoAnswer's RingTime is in milliseconds, AgentConnect's RingTime/HoldTime in seconds;
there is no MixMonitor stop event (the file is announced by VarSet MIXMONITOR_FILENAME); Linkedid
ties the legs together; channel names are SIP/…, PJSIP/… or Local/…;1/;2 (a Local pair and the phone
its ;2 dials are one leg: local_legs.py); with `systemname` set ids look like `name-<id>` and every
event carries SystemName, so ids are treated as opaque text. OriginateResponse is sent to every AMI
session: a Local channel someone else originated (a test caller through `Local/12345@from-citizen`)
is held back until it shows what it is, a hotline caller (QueueCallerJoin) or a call of ours (HOTLINE_*).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

from casework.clock import Clock
from telephony.events import (AgentRinging, AgentRingNoAnswer, CallAbandoned, CallAnswered, CallEnded,
                              CallOffered, CallTransferred, Event, HangupSide, OutboundCallStarted,
                              RecordingStarted, ResyncSnapshot, SpyStarted, SpyStopped)
from telephony.mapper.local_legs import LocalLegs, local_partner
from telephony.mapper.resync import Resync, live_channels, talking, waiting
from telephony.mapper.values import Message, interface_of, member_event, number, text

RECORDING, CASE_ID, PURPOSE = "MIXMONITOR_FILENAME", "HOTLINE_CASE_ID", "HOTLINE_PURPOSE"
WATCHED_VARIABLES = frozenset({RECORDING, CASE_ID, PURPOSE})
OURS = frozenset({CASE_ID, PURPOSE})
MEMBER_EVENTS = ("QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause",
                 "QueueMemberPenalty", "QueueMemberRinginuse")


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
    announced: bool = True  # False: an originated Local channel, held back until it shows what it is
    side: HangupSide | None = None
    complete_reason: str = ""
    cause: int = 0
    cause_text: str = ""
    cause_final: bool = False
    action_id: str = ""
    destination: str = ""
    rung: set[str] = field(default_factory=set)  # agent legs whose hang-up does not end the call
    variables: dict[str, str] = field(default_factory=dict)


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
        self._legs = LocalLegs()
        self._resync: Resync | None = None
        self._handlers: dict[str, Callable[[Message], list[Event]]] = {
            "Newchannel": self._newchannel, "Hangup": self._hangup, "VarSet": self._varset,
            "HangupRequest": lambda m: self._request(m, True), "SoftHangupRequest": lambda m: self._request(m, False),
            "QueueCallerJoin": self._join, "QueueCallerAbandon": self._abandon, "AgentCalled": self._agent_called,
            "AgentRingNoAnswer": self._ring_no_answer, "AgentConnect": self._connect,
            "AgentComplete": self._complete, "OriginateResponse": self._originate, "DialEnd": self._dial_end,
            "DialBegin": self._dial_begin, "LocalBridge": self._local_bridge,
            "BlindTransfer": self._blind_transfer, "AttendedTransfer": self._attended_transfer,
            "ChanSpyStart": self._spy_start, "ChanSpyStop": lambda m: self._spy_gone(m.get("SpyerChannel", "")),
            "HotlineResyncEnd": self._resync_end, **{name: self._member for name in MEMBER_EVENTS},
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
                "pending": len(self._pending), "spies": len(self._spies), "legs": self._legs.memory()}

    # --- channels -------------------------------------------------------------------------

    def _track_channel(self, uid: str, linked: str, channel: str) -> None:
        if uid and uid not in self._channels:
            self._channels[uid] = (linked, channel)
            self._live[linked] = self._live.get(linked, 0) + 1

    def _newchannel(self, m: Message) -> list[Event]:
        uid, channel = m.get("Uniqueid", ""), m.get("Channel", "")
        linked = m.get("Linkedid") or uid
        self._track_channel(uid, linked, channel)  # a replay is ignored
        self._legs.seen(channel, linked)
        return []

    def _local_bridge(self, m: Message) -> list[Event]:
        self._legs.bridged(m.get("LocalOneChannel", ""), m.get("LocalTwoChannel", ""))
        return []

    def _dial_begin(self, m: Message) -> list[Event]:
        """A Local member's ;2 dialing the agent's phone (never the Local caller's ;2 dialing a member)."""
        caller, call = m.get("Channel", ""), self._calls.get(m.get("Linkedid", ""))
        if call is not None and caller.endswith(";2") and not self._citizen_leg(call, m.get("Uniqueid", ""), caller):
            self._legs.dialed(caller, m.get("DestChannel", ""))
        return []

    def _citizen_leg(self, call: _Call, uid: str, channel: str) -> bool:
        """Inbound: the oldest channel and the queue caller's leg are the citizen's; outbound: every leg
        but the originated channel's."""
        head = self._legs.head
        main = uid in (call.main_uid, call.linked_id) or (channel != "" and head(channel) == head(call.main_channel))
        return main if call.inbound else not main

    def _request(self, m: Message, hard: bool) -> list[Event]:
        """The first hang-up request of a call tells who ended it: a hard request comes from the phone
        of that leg; a soft one on the citizen's leg is the platform (timeout, forced hang-up). A ringing
        agent leg that rejects or is cancelled, or one that transferred the call, does not end the call."""
        call, channel = self._calls.get(m.get("Linkedid", "")), m.get("Channel", "")
        if call is None or call.side is not None:
            return []
        citizen = self._citizen_leg(call, m.get("Uniqueid", ""), channel)
        left = channel in call.rung or self._legs.head(channel) in call.rung
        if not citizen and call.inbound and (not call.answered or left):
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
                call.cause, call.cause_text = number(m.get("Cause")), m.get("Cause-txt", "")
                call.cause_final = self._citizen_leg(call, uid, channel)
            if left <= 0:
                events.extend(self._end(call))
        self._legs.gone(channel)
        return events

    def _end(self, call: _Call) -> list[Event]:
        del self._calls[call.linked_id]
        if not call.announced:
            return []
        side = call.side or {"caller": HangupSide.CALLER, "agent": HangupSide.AGENT,
                             "transfer": HangupSide.AGENT}.get(call.complete_reason, HangupSide.SYSTEM)
        return [CallEnded(self._clock(), call.linked_id, call.cause, call.cause_text, side)]

    # --- queue calls ----------------------------------------------------------------------

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
        variables = self._pending.pop(linked, {})
        held = self._calls.get(linked)
        if held is not None and not held.announced:  # a Local caller someone originated: inbound after all
            del self._calls[linked]
            variables = {**held.variables, **variables}
        self._adopt(linked, uid, channel, queue).queue = queue
        now = self._clock()
        events: list[Event] = [CallOffered(now, linked, uid, channel, queue, text(m.get("CallerIDNum")),
                                           text(m.get("CallerIDName")), number(m.get("Position")))]
        if variables.get(RECORDING):
            events.append(RecordingStarted(now, linked, variables[RECORDING]))
        return events

    def _agent_called(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        call.rung.add(self._legs.head(m.get("DestChannel", "")))
        return [AgentRinging(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                             m.get("MemberName", ""), m.get("DestChannel", ""))]

    def _ring_no_answer(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        return [AgentRingNoAnswer(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                                  number(m.get("RingTime")) / 1000.0)]

    def _connect(self, m: Message) -> list[Event]:
        """The member's leg answered; for a Local member the agent's channel is the phone its ;2 dialed."""
        if (call := self._hotline_call(m)) is None:
            return []
        call.answered = True
        dest = m.get("DestChannel", "")
        call.rung.discard(self._legs.head(dest))
        return [CallAnswered(self._clock(), call.linked_id, m["Queue"], m.get("Interface", ""),
                             m.get("MemberName", ""), self._legs.phone(dest) or dest, number(m.get("HoldTime")),
                             number(m.get("RingTime")))]

    def _complete(self, m: Message) -> list[Event]:
        """AgentComplete's Reason (caller/agent/transfer) is the fallback when no hang-up request was seen."""
        if (call := self._hotline_call(m)) is not None:
            call.complete_reason = m.get("Reason", "")
        return []

    def _abandon(self, m: Message) -> list[Event]:
        if (call := self._hotline_call(m)) is None:
            return []
        return [CallAbandoned(self._clock(), call.linked_id, m["Queue"], number(m.get("Position")),
                              number(m.get("OriginalPosition")), number(m.get("HoldTime")))]

    def _adopt(self, linked: str, uid: str, channel: str, queue: str) -> _Call:
        if linked not in self._calls:
            self._calls[linked] = _Call(linked, True, uid, channel, queue)
        return self._calls[linked]

    # --- transfers ------------------------------------------------------------------------

    def _answered_call(self, m: Message, *prefixes: str) -> _Call | None:
        """The answered call a transfer event concerns, by the Linkedid of any of the channels it names."""
        if m.get("Result", "Success") != "Success":
            return None
        for prefix in prefixes:
            call = self._calls.get(m.get(f"{prefix}Linkedid", ""))
            if call is not None and call.answered and call.announced:
                return call
        return None

    def _hand_over(self, call: _Call, *transferers: str) -> None:
        """The transferer's legs leave: their hang-ups no longer say who ended the call."""
        call.rung.update(t for t in transferers if t)

    def _blind_transfer(self, m: Message) -> list[Event]:
        if (call := self._answered_call(m, "Transferee", "Transferer")) is None:
            return []
        self._hand_over(call, m.get("TransfererChannel", ""))
        return [CallTransferred(self._clock(), call.linked_id, "blind", m.get("Extension", ""))]

    def _attended_transfer(self, m: Message) -> list[Event]:
        if (call := self._answered_call(m, "OrigTransferer", "Transferee", "SecondTransferer")) is None:
            return []
        self._hand_over(call, m.get("OrigTransfererChannel", ""), m.get("SecondTransfererChannel", ""))
        target = m.get("TransferTargetChannel", "")
        return [CallTransferred(self._clock(), call.linked_id, "attended", interface_of(target))]

    # --- variables and calls we originate -------------------------------------------------

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
        if name == RECORDING and call.announced:
            return [RecordingStarted(self._clock(), linked, value)]
        if call.inbound or call.variables.get(name) == value:
            return []
        call.variables[name] = value  # arrived after OriginateResponse: announce the call (again)
        if not call.announced:
            return self._announce(call) if name in OURS else []
        return [self._outbound(call)]

    def _originate(self, m: Message) -> list[Event]:
        uid = text(m.get("Uniqueid"))
        if m.get("Response") != "Success" or not uid:
            return []
        linked, channel = self._channels.get(uid, (uid, m.get("Channel", "")))
        self._track_channel(uid, linked, channel)
        call = self._calls.get(linked)
        if call is not None and call.inbound:  # a Local caller already in the queue: never outbound
            return []
        if call is None:
            call = self._calls[linked] = _Call(linked, False, uid, channel, started=self._clock())
        call.action_id = m.get("ActionID", "")
        call.destination = m.get("Exten", "") if not m.get("Application") else m.get("Data", "")
        call.variables.update(self._pending.pop(linked, {}))
        if local_partner(channel) and not OURS & call.variables.keys():
            call.announced = False
            return []
        return self._announce(call)

    def _announce(self, call: _Call) -> list[Event]:
        call.announced = True
        events: list[Event] = [self._outbound(call)]
        if call.variables.get(RECORDING):
            events.append(RecordingStarted(self._clock(), call.linked_id, call.variables[RECORDING]))
        return events

    def _outbound(self, call: _Call) -> OutboundCallStarted:
        case_id = number(call.variables.get(CASE_ID)) or None
        purpose = call.variables.get(PURPOSE, "").strip().lower() or "none"
        return OutboundCallStarted(self._clock(), call.linked_id, call.action_id, call.main_channel,
                                   call.destination, case_id, purpose, interface_of(call.main_channel))

    def _dial_end(self, m: Message) -> list[Event]:
        """An originated call is answered when the dial from the agent's phone to the citizen is."""
        call = self._calls.get(m.get("Linkedid", ""))
        if call is None or call.inbound or call.answered or not call.announced or m.get("DialStatus") != "ANSWER":
            return []
        call.answered = True
        now = self._clock()
        ring, agent = int((now - call.started).total_seconds()) if call.started else 0, call.main_channel
        return [CallAnswered(now, call.linked_id, "", interface_of(agent), "", agent, 0, ring)]

    # --- spies, members, resync -----------------------------------------------------------

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
        return [member_event(self._clock(), m, queue, m.get("Event") == "QueueMemberRemoved")]

    def _resync_item(self, m: Message) -> list[Event]:
        """Collect list items between the markers; outside a resync they answer someone else's action."""
        if m.get("Event") == "HotlineResyncStart":
            self._resync = Resync()
        elif self._resync is not None:
            self._resync.add(m)
        return []

    def _resync_end(self, m: Message) -> list[Event]:
        r, self._resync = self._resync, None
        if r is None:
            return []
        self._rebuild_channels(r)
        now = self._clock()
        members = tuple(member_event(now, x, x.get("Queue", ""), False) for x in r.members
                        if x.get("Queue", "") in self._queues)
        calls = waiting(r, self._queues, self._channels) + talking(r, self._queues, members)
        for snap in calls:
            adopted = self._adopt(snap.linked_id, snap.unique_id, snap.channel, snap.queue)
            adopted.answered = adopted.answered or snap.position == 0
        return [ResyncSnapshot(now, tuple(calls), members, frozenset(self._live))]

    def _rebuild_channels(self, r: Resync) -> None:
        """The channels listed are the live ones; every table keyed by a call keeps only calls still up.
        The link replays the live events held back during the listing after the end marker: a replayed
        Newchannel of a listed channel is ignored, a replayed Hangup of an unlisted one counts nothing."""
        self._channels, self._live = live_channels(r), {}
        for linked, _ in self._channels.values():
            self._live[linked] = self._live.get(linked, 0) + 1
        self._legs.rebuild((channel, linked) for linked, channel in self._channels.values())
        self._calls = {k: v for k, v in self._calls.items() if k in self._live}
        self._pending = {k: v for k, v in self._pending.items() if k in self._live}
        self._spies = {k: v for k, v in self._spies.items() if v in self._live}
