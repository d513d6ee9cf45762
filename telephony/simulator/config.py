"""Configuration of the PBX simulator, its simulated clock, and Asterisk-style identifiers."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

AMI_VERSION = "9.0.0"  # Asterisk 20's manager interface version
BANNER = f"Asterisk Call Manager/{AMI_VERSION}\r\n".encode()
ASTERISK_VERSION = "Asterisk 20.7.0 built by root @ pbx on a x86_64 running Linux"

# Hang-up causes (Q.850) with the text of ast_cause2str().
CAUSES = {0: "Unknown", 16: "Normal Clearing", 17: "User busy", 18: "No user responding",
          19: "User alerting, no answer", 21: "Call Rejected", 34: "Circuit/channel congestion"}

CHANNEL_STATES = {0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing", 6: "Up",
                  7: "Busy", 8: "Dialing Offhook", 9: "Pre-ring"}
DOWN, RING, RINGING, UP = 0, 4, 5, 6

# Device states (enum ast_device_state) as numbers and as DeviceStateChange names.
DEVICE_NAMES = {0: "UNKNOWN", 1: "NOT_INUSE", 2: "INUSE", 3: "BUSY", 4: "INVALID", 5: "UNAVAILABLE",
                6: "RINGING", 7: "RINGINUSE", 8: "ONHOLD"}
NOT_INUSE, INUSE, UNAVAILABLE, DEV_RINGING, RINGINUSE = 1, 2, 5, 6, 7


@dataclass(frozen=True)
class AgentSpec:
    """One call-taker's phone, as a queue member: interface `PJSIP/8001`, member name `话务员8001`."""
    interface: str
    name: str
    logged_in: bool = True
    paused: bool = False
    penalty: int = 0
    state_interface: str = ""     # the device whose state the member follows (a Local member's phone)


def default_agents(count: int = 6, first: int = 8001) -> tuple[AgentSpec, ...]:
    return tuple(AgentSpec(f"PJSIP/{n}", f"话务员{n}") for n in range(first, first + count))


def local_agents(count: int = 6, first: int = 8001, context: str = "agents") -> tuple[AgentSpec, ...]:
    """Members as FreePBX and Issabel add them: `Local/8001@agents/n`, following the state of PJSIP/8001."""
    return tuple(AgentSpec(f"Local/{n}@{context}/n", f"话务员{n}", state_interface=f"PJSIP/{n}")
                 for n in range(first, first + count))


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything the simulator can be told. Durations are in simulated seconds unless said otherwise."""
    users: Mapping[str, str] = field(default_factory=lambda: {"hotline": "hotline"})
    system_name: str = ""
    queues: tuple[str, ...] = ("hotline",)
    agents: tuple[AgentSpec, ...] = field(default_factory=default_agents)
    speed: float = 1.0
    hotline_number: str = "12345"
    trunk: str = "trunk"
    inbound_context: str = "from-pstn"
    agent_context: str = "from-internal"
    strategy: str = "rrmemory"
    ring_timeout: float = 15.0        # queue member timeout
    retry: float = 5.0                # wait between two ring attempts
    queue_timeout: float = 300.0      # Queue(...,300): abandon (timeout) after this long
    wrapuptime: int = 0
    servicelevel: int = 15            # GB/T 33358: answered within 15 s
    recordings_dir: Path | None = None
    monitor_dir: str = "/var/spool/asterisk/monitor"
    recording_max_seconds: float = 4.0
    legacy_recorder: Callable[[Path, str, datetime], object] | None = None  # also write the old WMA copy
    auth_fail_delay: float = 1.0      # real seconds, as Asterisk's sleep(1)
    auth_timeout: float = 30.0        # real seconds an unauthenticated session may stay
    fully_booted: bool = True         # send FullyBooted after login (read=system)
    phone_answer_after: float = 1.0   # Originate: the agent's/supervisor's phone rings this long
    callee_answer_after: float = 3.0  # Originate: the citizen answers after this long
    originate_talk_seconds: float = 30.0
    cel: bool = False                 # cel_manager loaded: CEL events with the channel events
    cdr: bool = False                 # cdr_manager loaded: a Cdr event when a call ends
    event_log_size: int = 50_000
    backlog_limit: int = 200_000      # messages kept per session while hung
    seed: int | None = None

    def member_name(self, interface: str) -> str:
        for agent in self.agents:
            if agent.interface == interface:
                return agent.name
        return interface


class Clock:
    """Simulated wall clock: runs `speed` times faster than real time, starting now."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._epoch0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._epoch0 + (time.monotonic() - self._mono0) * self.speed

    def real(self, seconds: float) -> float:
        return max(0.0, seconds) / self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.real(seconds))

    async def wait(self, event: asyncio.Event, seconds: float | None) -> bool:
        """Wait for `event` at most `seconds` simulated seconds; True if it was set."""
        if event.is_set():
            return True
        if seconds is None:
            await event.wait()
            return True
        try:
            await asyncio.wait_for(event.wait(), self.real(seconds))
        except asyncio.TimeoutError:
            return event.is_set()
        return True


class Ids:
    """Uniqueids `<epoch>.<seq>` (or `name-<epoch>.<seq>`) and channel suffixes `-0000001a`."""

    def __init__(self, clock: Clock, system_name: str = "", first: int = 26) -> None:
        self._clock = clock
        self._prefix = f"{system_name}-" if system_name else ""
        self._seq = itertools.count(first)
        self._chan = itertools.count(first)

    def uniqueid(self) -> str:
        return f"{self._prefix}{int(self._clock.now())}.{next(self._seq)}"

    def channel_name(self, base: str) -> str:
        """`PJSIP/trunk` → `PJSIP/trunk-0000001a`; `Local/x@ctx` → `Local/x@ctx-0000001a;1`."""
        suffix = f"{next(self._chan):08x}"
        if base.lower().startswith("local/"):
            return f"{base}-{suffix};1"
        return f"{base}-{suffix}"
