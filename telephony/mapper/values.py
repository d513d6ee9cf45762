"""AMI field values as the domain wants them: text without Asterisk's placeholders, numbers, devices, states."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Mapping

from telephony.events import AgentState, AgentStateChanged

Message = Mapping[str, str]
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]{6,}(;[12])?$")
_NOTHING = frozenset({"<unknown>", "<null>", "(null)"})


def interface_of(channel: str) -> str:
    """The device behind a channel: 'PJSIP/1001-0000000a' → 'PJSIP/1001', 'Local/1@a-00000003;1' → 'Local/1@a'."""
    return _CHANNEL_SUFFIX.sub("", channel)


def text(value: str | None) -> str:
    return "" if value is None or value in _NOTHING else value


def number(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


def duration(value: str | None) -> int:
    """CoreShowChannel's Duration is 'HH:MM:SS'; accept plain seconds too."""
    total = 0
    for part in (value or "0").split(":"):
        total = total * 60 + number(part)
    return total


def member_state(status: str, in_call: bool, paused: bool) -> AgentState:
    """A member's state from its device status (AST_DEVICE_*), InCall and Paused. An unreachable device
    cannot take calls, so it counts as logged out; a paused agent on a call shows as on the call. A device
    saying NOT_INUSE outweighs InCall: app_queue keeps a Local member in call after its phone transferred
    the citizen on, and that agent is free."""
    if status in ("4", "5"):
        return AgentState.LOGGED_OUT
    if status == "6":
        return AgentState.RINGING
    if status in ("2", "3", "7", "8") or (in_call and status != "1"):
        return AgentState.ON_CALL
    return AgentState.PAUSED if paused else AgentState.AVAILABLE


def member_event(at: datetime, m: Message, queue: str, removed: bool) -> AgentStateChanged:
    """QueueMember* events say MemberName/Interface; QueueStatus's QueueMember says Name/Location."""
    interface = m.get("Interface") or m.get("Location", "")
    paused = m.get("Paused") == "1" and not removed
    state = AgentState.LOGGED_OUT if removed else member_state(m.get("Status", ""), m.get("InCall") == "1", paused)
    return AgentStateChanged(at, queue, interface, m.get("MemberName") or m.get("Name") or interface, state, paused,
                             m.get("PausedReason", "") if paused else "", number(m.get("CallsTaken")),
                             number(m.get("Wrapuptime")))
