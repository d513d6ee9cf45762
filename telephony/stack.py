"""The running telephony pieces held together: what the desk, the pages and /healthz reach.

Plain data: `web/lifetimes/telephony.py` builds and ends it; nothing here knows about HTTP.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from config.settings import PbxSettings
from telephony.ami import AmiLink
from telephony.bus import Bus
from telephony.calls.model import CallModel
from telephony.calls.service import CallService, LiveCalls


@dataclass
class Telephony:
    settings: PbxSettings
    bus: Bus
    model: CallModel
    calls: CallService
    live: LiveCalls
    link: AmiLink | None = None
    simulator: object | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def health(self) -> dict[str, object]:
        if self.link is None:
            return {"enabled": False, "up": False}
        state = self.link.state
        return {"enabled": True, "up": state.up, "simulated": self.simulator is not None,
                "last_failure": state.last_failure,
                "last_failure_at": state.last_failure_at.isoformat(timespec="seconds") if state.last_failure_at else None,
                "connected_since": state.connected_since.isoformat(timespec="seconds") if state.connected_since else None}
