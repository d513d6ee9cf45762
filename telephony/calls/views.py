"""Frozen snapshots of the live call model, and the change notices it hands to the bus.

Subscribers (the live board, agent desks) run on their own schedule: they get immutable copies,
never the model's mutable state, so a slow reader can neither see a half-applied event nor change
the model. Times are kept as instants; durations are computed against the reader's `now`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from telephony.calls.records import CallRecord, Direction, Purpose
from telephony.events import AgentState


def _seconds(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds()))


@dataclass(frozen=True, slots=True)
class CallView:
    """A call in progress. `state`: queued, ringing (an agent's phone rings), talking, abandoned
    (left the queue unanswered, the caller's channel still up), dialing (originated, not answered)."""
    linked_id: str
    direction: Direction
    purpose: Purpose
    state: str
    caller_number: str
    caller_name: str
    queue: str
    offered_at: datetime
    answered_at: datetime | None
    caller_channel: str
    agent_interface: str
    agent_name: str
    agent_channel: str
    ringing: tuple[str, ...]
    spy_channels: tuple[str, ...]
    recording: str
    case_id: int | None

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {"linked_id": self.linked_id, "direction": self.direction.value, "purpose": self.purpose.value,
                "state": self.state, "caller_number": self.caller_number, "caller_name": self.caller_name,
                "queue": self.queue, "offered_at": self.offered_at.isoformat(),
                "answered_at": self.answered_at.isoformat() if self.answered_at else None,
                "talk_seconds": _seconds(self.answered_at, now) if self.answered_at else 0,
                "caller_channel": self.caller_channel, "agent_interface": self.agent_interface,
                "agent_name": self.agent_name, "agent_channel": self.agent_channel, "ringing": list(self.ringing),
                "spy_channels": list(self.spy_channels), "recording": self.recording, "case_id": self.case_id}


@dataclass(frozen=True, slots=True)
class QueueEntryView:
    linked_id: str
    queue: str
    position: int
    caller_number: str
    caller_name: str
    joined_at: datetime

    def wait_seconds(self, now: datetime) -> int:
        return _seconds(self.joined_at, now)

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {"linked_id": self.linked_id, "queue": self.queue, "position": self.position,
                "caller_number": self.caller_number, "caller_name": self.caller_name,
                "joined_at": self.joined_at.isoformat(), "wait_seconds": self.wait_seconds(now)}


@dataclass(frozen=True, slots=True)
class AgentView:
    interface: str
    name: str
    state: AgentState
    since: datetime
    paused: bool
    pause_reason: str
    queues: tuple[str, ...]
    calls_today: int
    calls_taken: int
    linked_id: str
    wrapup_until: datetime | None

    def seconds_in_state(self, now: datetime) -> int:
        return _seconds(self.since, now)

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {"interface": self.interface, "name": self.name, "state": self.state.value,
                "state_label": self.state.label, "since": self.since.isoformat(),
                "seconds_in_state": self.seconds_in_state(now), "paused": self.paused,
                "pause_reason": self.pause_reason, "queues": list(self.queues), "calls_today": self.calls_today,
                "calls_taken": self.calls_taken, "linked_id": self.linked_id}


@dataclass(frozen=True, slots=True)
class CallChanged:
    call: CallView


@dataclass(frozen=True, slots=True)
class CallGone:
    """The call ended (its record is in the same Outcome) or was dropped by a resync."""
    linked_id: str


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """The whole waiting list of one queue, positions renumbered, after any join or leave."""
    queue: str
    entries: tuple[QueueEntryView, ...]


@dataclass(frozen=True, slots=True)
class AgentChanged:
    agent: AgentView


@dataclass(frozen=True, slots=True)
class ModelReset:
    """The model was rebuilt from a resync: subscribers should reload everything that follows."""
    at: datetime


Change = Union[CallChanged, CallGone, QueueChanged, AgentChanged, ModelReset]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one event did: the changes to publish, and the call records to store (a record with
    `ended_at` None is an answered call still in progress, written early so a case can link to it)."""
    changes: tuple[Change, ...] = ()
    records: tuple[CallRecord, ...] = ()
