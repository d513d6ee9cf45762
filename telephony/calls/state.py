"""The mutable state the live call model keeps: one LiveCall per call, one Agent per interface.

Only the model touches these; everyone else gets their frozen views (telephony.calls.views).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from telephony.calls.records import Direction, Purpose
from telephony.calls.views import AgentView, CallView
from telephony.events import AgentState


@dataclass(slots=True)
class LiveCall:
    linked_id: str
    direction: Direction
    offered_at: datetime
    caller_number: str = ""
    caller_name: str = ""
    queue: str = ""
    caller_channel: str = ""
    purpose: Purpose = Purpose.NONE
    case_id: int | None = None
    answered_at: datetime | None = None
    abandoned: bool = False
    wait_seconds: int = 0
    ring_seconds: int = 0
    rung_seconds: float = 0.0  # agents' phones that rang unanswered
    agent_interface: str = ""
    agent_name: str = ""
    agent_channel: str = ""
    recording: str = ""
    ringing: dict[str, datetime] = field(default_factory=dict)
    spy_channels: set[str] = field(default_factory=set)

    def view(self) -> CallView:
        if self.answered_at is not None:
            state = "talking"
        elif self.abandoned:
            state = "abandoned"
        elif self.direction is Direction.OUTBOUND:
            state = "dialing"
        else:
            state = "ringing" if self.ringing else "queued"
        return CallView(self.linked_id, self.direction, self.purpose, state, self.caller_number, self.caller_name,
                        self.queue, self.offered_at, self.answered_at, self.caller_channel, self.agent_interface,
                        self.agent_name, self.agent_channel, tuple(self.ringing), tuple(sorted(self.spy_channels)),
                        self.recording, self.case_id)


@dataclass(slots=True)
class Agent:
    interface: str
    name: str
    state: AgentState
    since: datetime
    paused: bool = False
    pause_reason: str = ""
    queues: set[str] = field(default_factory=set)
    calls_taken: int = 0
    calls_today: int = 0
    day: date | None = None
    linked_id: str = ""
    wrapup_seconds: int = 0
    wrapup_until: datetime | None = None

    def view(self) -> AgentView:
        return AgentView(self.interface, self.name, self.state, self.since, self.paused, self.pause_reason,
                         tuple(sorted(self.queues)), self.calls_today, self.calls_taken, self.linked_id,
                         self.wrapup_until)


@dataclass(slots=True)
class Entry:
    """A caller waiting in a queue; its position is its rank in join order."""
    linked_id: str
    queue: str
    joined_at: datetime
