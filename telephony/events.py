"""The domain events of the telephony layer: what everything downstream of the mapper sees.

Raw AMI messages become these in exactly one place (telephony/mapper/); no other module reads
AMI field names. Times are the moments the link received the event (AMI carries none of its own
unless `timestampevents` is on), as aware datetimes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from casework.domain.enums import labels_beside, vocabulary


AgentState = vocabulary("AgentState", labels_beside(__file__)["AgentState"])


class HangupSide(str, Enum):
    CALLER = "caller"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class Event:
    at: datetime


@dataclass(frozen=True)
class CallOffered(Event):
    """A caller entered a hotline queue (QueueCallerJoin)."""
    linked_id: str
    unique_id: str
    channel: str
    queue: str
    caller_number: str
    caller_name: str
    position: int


@dataclass(frozen=True)
class AgentRinging(Event):
    linked_id: str
    queue: str
    interface: str
    member_name: str
    agent_channel: str


@dataclass(frozen=True)
class AgentRingNoAnswer(Event):
    linked_id: str
    queue: str
    interface: str
    ring_seconds: float


@dataclass(frozen=True)
class CallAnswered(Event):
    linked_id: str
    queue: str
    interface: str
    member_name: str
    agent_channel: str
    wait_seconds: int
    ring_seconds: int


@dataclass(frozen=True)
class CallAbandoned(Event):
    """The caller left the queue unanswered: hung up, or the queue timed out."""
    linked_id: str
    queue: str
    position: int
    original_position: int
    wait_seconds: int


@dataclass(frozen=True)
class CallTransferred(Event):
    """The answering agent handed the citizen on (BlindTransfer, AttendedTransfer): the agent is done
    with the call, the citizen is not; the call goes on until its last channel hangs up."""
    linked_id: str
    kind: str           # "blind" | "attended"
    target: str         # the extension (blind) or the device of the new party (attended)


@dataclass(frozen=True)
class CallEnded(Event):
    """The last channel of the call hung up."""
    linked_id: str
    cause: int
    cause_text: str
    side: HangupSide


@dataclass(frozen=True)
class RecordingStarted(Event):
    linked_id: str
    filename: str


@dataclass(frozen=True)
class AgentStateChanged(Event):
    queue: str
    interface: str
    member_name: str
    state: AgentState
    paused: bool
    pause_reason: str
    calls_taken: int
    wrapup_seconds: int = 0  # the member's Wrapuptime: how long the model keeps the agent in wrap-up


@dataclass(frozen=True)
class OutboundCallStarted(Event):
    """A call the platform originated (call-back, ChanSpy), with the variables it carried."""
    linked_id: str
    action_id: str
    channel: str
    destination: str
    case_id: int | None
    purpose: str
    interface: str = ""  # the device the call was originated from (the agent's or supervisor's phone)


@dataclass(frozen=True)
class LinkStateChanged(Event):
    up: bool
    reason: str


@dataclass(frozen=True)
class SpyStarted(Event):
    """A supervisor's channel began listening / whispering / barging on a leg of a call (ChanSpyStart)."""
    linked_id: str
    spy_channel: str
    spied_channel: str


@dataclass(frozen=True)
class SpyStopped(Event):
    linked_id: str
    spy_channel: str


@dataclass(frozen=True)
class SnapshotCall:
    """One hotline call found alive by a resync: waiting (position > 0) or talking to an agent."""
    linked_id: str
    unique_id: str
    channel: str
    queue: str
    caller_number: str
    caller_name: str
    position: int
    wait_seconds: int
    agent_interface: str = ""
    agent_name: str = ""
    agent_channel: str = ""
    talk_seconds: int = 0


@dataclass(frozen=True)
class ResyncSnapshot(Event):
    """The PBX's state after a (re)connect, since AMI has no replay: the model resets from it.

    `live_linked_ids` holds every call with a channel still up, so calls the model tracks that the
    snapshot cannot recognise as hotline calls (originated call-backs) are kept, and the others dropped.
    """
    calls: tuple[SnapshotCall, ...]
    members: tuple[AgentStateChanged, ...]
    live_linked_ids: frozenset[str]
