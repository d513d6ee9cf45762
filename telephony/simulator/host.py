"""What the AMI sessions, actions, CLI and traffic generator need of the running simulator.

PbxSimulator (server.py) satisfies it. Naming the server in those modules instead would make each of
them import the module that imports them.
"""
from __future__ import annotations

import asyncio
from typing import Any, Protocol

from .bus import EventBus
from .calls import CallPlan
from .config import Clock, SimulatorConfig
from .model import Channel
from .pbx import Pbx


class SimHost(Protocol):
    config: SimulatorConfig
    clock: Clock
    pbx: Pbx
    bus: EventBus
    gate: asyncio.Event
    sessions: set[Any]

    def hangup_channel(self, ch: Channel, cause: int = 16) -> None: ...

    def start_call(self, plan: CallPlan) -> str: ...

    def pause_agent(self, interface: str, paused: bool = True, reason: str = "", queue: str = "") -> bool: ...
