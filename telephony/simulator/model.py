"""The simulator's own state: channels, bridges, queues with members and waiting callers.

The info dataclasses at the bottom are what tests read (`sim.channels()` …) to compare with the state
a client rebuilt from the event stream.
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from .config import CHANNEL_STATES, NOT_INUSE


@dataclass
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    state: int
    context: str
    exten: str
    priority: int = 1
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    language: str = "en"
    accountcode: str = ""
    application: str = ""
    app_data: str = ""
    created: float = 0.0
    bridge_id: str = ""
    device: str = ""              # PJSIP/8001 for phones, "" for trunk legs
    owner: Any = None             # the scenario that answers for this channel (Hangup action)
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def state_desc(self) -> str:
        return CHANNEL_STATES.get(self.state, "Unknown")


@dataclass
class Bridge:
    uniqueid: str = field(default_factory=lambda: str(uuid.uuid4()))
    channels: list[Channel] = field(default_factory=list)
    bridge_type: str = "basic"
    technology: str = "simple_bridge"


@dataclass
class Member:
    queue: str
    interface: str
    name: str
    state_interface: str
    login_time: int
    membership: str = "dynamic"
    penalty: int = 0
    calls: int = 0
    last_call: int = 0
    last_pause: int = 0
    in_call: int = 0
    status: int = NOT_INUSE
    paused: bool = False
    paused_reason: str = ""
    ringinuse: int = 0
    wrapuptime: int = 0
    reserved_by: Any = None       # the queue entry currently ringing this member
    wrapup_until: float = 0.0


@dataclass
class QueueEntry:
    queue: "QueueState"
    channel: Channel
    start: float
    original_position: int
    wanted: str | None = None     # ring only this interface
    waiting: bool = False
    member: Member | None = None
    offered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def position(self) -> int:
        return self.queue.entries.index(self) + 1


@dataclass
class QueueState:
    name: str
    strategy: str = "rrmemory"
    servicelevel: int = 15
    wrapuptime: int = 0
    members: dict[str, Member] = field(default_factory=dict)
    entries: list[QueueEntry] = field(default_factory=list)
    holdtime: int = 0
    talktime: int = 0
    completed: int = 0
    completed_in_sl: int = 0
    abandoned: int = 0
    abandoned_in_sl: int = 0
    rr_pos: int = 0

    def record_hold(self, seconds: int) -> None:
        """recalc_holdtime(): exponential average, weight 3/4 on the old value."""
        self.holdtime = (((self.holdtime << 2) - self.holdtime) + seconds) >> 2

    def record_completed(self, talk: int, in_sl: bool) -> None:
        self.completed += 1
        self.completed_in_sl += int(in_sl)
        if self.completed_in_sl == 1:
            self.talktime = talk
        else:
            self.talktime = (((self.talktime << 2) - self.talktime) + talk) >> 2

    def record_abandoned(self, in_sl: bool) -> None:
        self.abandoned += 1
        self.abandoned_in_sl += int(in_sl)

    def service_levels(self) -> tuple[float, float]:
        sl = 100.0 * self.completed_in_sl / self.completed if self.completed else 0.0
        total = self.completed + self.abandoned
        sl2 = 100.0 * (self.abandoned_in_sl + self.completed_in_sl) / total if total else 0.0
        return sl, sl2

    def available(self, member: Member, now: float) -> bool:
        return (not member.paused and member.status == NOT_INUSE and member.reserved_by is None
                and now >= member.wrapup_until)

    def dispatch(self, now: float) -> None:
        """Offer free members to waiting callers, first come first served, round-robin with memory."""
        for entry in self.entries:
            if not entry.waiting or entry.member is not None:
                continue
            member = self._pick(entry, now)
            if member is None:
                continue
            member.reserved_by = entry
            entry.member = member
            entry.offered.set()

    def _pick(self, entry: QueueEntry, now: float) -> Member | None:
        members = list(self.members.values())
        if not members:
            return None
        order = members[self.rr_pos % len(members):] + members[:self.rr_pos % len(members)]
        for member in order:
            if entry.wanted and member.interface != entry.wanted:
                continue
            if self.available(member, now):
                self.rr_pos = members.index(member) + 1
                return member
        return None


@dataclass(frozen=True)
class ChannelInfo:
    name: str
    uniqueid: str
    linkedid: str
    state: int
    state_desc: str
    caller_num: str
    caller_name: str
    connected_num: str
    connected_name: str
    application: str
    app_data: str
    bridge_id: str


@dataclass(frozen=True)
class EntryInfo:
    queue: str
    position: int
    channel: str
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    wait: int


@dataclass(frozen=True)
class MemberInfo:
    queue: str
    interface: str
    name: str
    status: int
    paused: bool
    paused_reason: str
    in_call: int
    calls: int
    ringing: bool


def channel_info(ch: Channel) -> ChannelInfo:
    return ChannelInfo(ch.name, ch.uniqueid, ch.linkedid, ch.state, ch.state_desc, ch.caller_num, ch.caller_name,
                       ch.connected_num, ch.connected_name, ch.application, ch.app_data, ch.bridge_id)


def entry_info(entry: QueueEntry, now: float) -> EntryInfo:
    ch = entry.channel
    return EntryInfo(entry.queue.name, entry.position, ch.name, ch.uniqueid, ch.linkedid, ch.caller_num,
                     ch.caller_name, int(now - entry.start))


def member_info(m: Member) -> MemberInfo:
    return MemberInfo(m.queue, m.interface, m.name, m.status, m.paused, m.paused_reason, m.in_call, m.calls,
                      m.reserved_by is not None)
