"""The core of the simulated Asterisk: channels, device states, queues and their members.

Scenarios (calls.py, originate.py) drive it; the AMI actions (actions.py) read and change it. All of it
runs on one event loop, so no locking is needed: an event is emitted at the moment the state changes.
"""
from __future__ import annotations

import asyncio
import random
from typing import Any, Coroutine

from .bus import EventBus
from .config import (DEV_RINGING, DEVICE_NAMES, INUSE, NOT_INUSE, RING, RINGING, RINGINUSE, UNAVAILABLE, UP, Clock,
                     Ids, SimulatorConfig)
from .fields import member_fields
from .model import Channel, Member, QueueState

RES_OKAY, RES_EXISTS, RES_NOSUCHQUEUE = "ok", "exists", "nosuchqueue"


class Pbx:
    def __init__(self, config: SimulatorConfig, clock: Clock, bus: EventBus) -> None:
        self.config = config
        self.clock = clock
        self.bus = bus
        self.rng = random.Random(config.seed)
        self.ids = Ids(clock, config.system_name)
        self.channels: dict[str, Channel] = {}
        self.queues = {name: QueueState(name, config.strategy, config.servicelevel, config.wrapuptime)
                       for name in config.queues}
        self.devices: dict[str, int] = {}
        self.unregistered: set[str] = set()
        self.no_answer: set[str] = set()
        self.calls: dict[str, Any] = {}
        self.tasks: set[asyncio.Task] = set()
        self.started = clock.now()

    # -- plumbing -------------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def emit(self, event: str, fields: list[tuple[str, str]]) -> None:
        self.bus.emit(event, fields)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def find_channel(self, name: str) -> Channel | None:
        return self.channels.get(name)

    # -- devices --------------------------------------------------------------------------------------
    def device_state(self, device: str) -> int:
        states = [ch.state for ch in self.channels.values() if ch.device == device]
        busy = any(s == UP or s not in (0, RING, RINGING) for s in states)
        ringing = any(s in (RING, RINGING) for s in states)
        if busy and ringing:
            return RINGINUSE
        if busy:
            return INUSE
        if ringing:
            return DEV_RINGING
        return UNAVAILABLE if device in self.unregistered else NOT_INUSE

    def refresh_device(self, device: str) -> None:
        if not device:
            return
        state = self.device_state(device)
        if self.devices.get(device) == state:
            return
        self.devices[device] = state
        self.emit("DeviceStateChange", [("Device", device), ("State", DEVICE_NAMES[state])])
        for member in self.members_on(device):
            member.status = state
            self.emit("QueueMemberStatus", member_fields(member))
        self.kick()

    def members_on(self, device: str) -> list[Member]:
        return [m for q in self.queues.values() for m in q.members.values() if m.state_interface == device]

    def set_registered(self, device: str, registered: bool) -> None:
        (self.unregistered.discard if registered else self.unregistered.add)(device)
        self.refresh_device(device)

    # -- queue members --------------------------------------------------------------------------------
    def add_member(self, queue: str, interface: str, name: str = "", penalty: int = 0, paused: bool = False,
                   state_interface: str = "") -> str:
        q = self.queues.get(queue)
        if q is None:
            return RES_NOSUCHQUEUE
        if interface in q.members:
            return RES_EXISTS
        now = int(self.now())
        device = state_interface or interface
        member = Member(queue, interface, name or interface, device, login_time=now, penalty=penalty,
                        paused=paused, wrapuptime=q.wrapuptime, status=self.device_state(device))
        member.last_pause = now if paused else 0
        self.devices.setdefault(device, member.status)
        q.members[interface] = member
        self.emit("QueueMemberAdded", member_fields(member))
        self.kick()
        return RES_OKAY

    def remove_member(self, queue: str, interface: str) -> str:
        q = self.queues.get(queue)
        if q is None:
            return RES_NOSUCHQUEUE
        member = q.members.get(interface)
        if member is None:
            return RES_EXISTS
        self.emit("QueueMemberRemoved", member_fields(member))
        del q.members[interface]
        return RES_OKAY

    def pause_member(self, queue: str, interface: str, paused: bool, reason: str = "") -> bool:
        """set_member_paused(): every queue when `queue` is empty. False when no member matched."""
        found = False
        for q in self.queues.values():
            if queue and q.name.lower() != queue.lower():
                continue
            member = q.members.get(interface)
            if member is None:
                continue
            found = True
            member.paused = paused
            member.paused_reason = reason if paused else ""
            if paused:
                member.last_pause = int(self.now())
            self.emit("QueueMemberPause", member_fields(member))
        self.kick()
        return found

    def member_done(self, member: Member) -> None:
        """update_queue(): the member finished a call (counted at AgentComplete)."""
        member.calls += 1
        member.last_call = int(self.now())
        member.in_call = 0
        wrap = member.wrapuptime or self.queues[member.queue].wrapuptime
        if wrap:
            member.wrapup_until = self.now() + wrap
            asyncio.get_running_loop().call_later(self.clock.real(wrap) + 0.001, self.kick)

    def release(self, member: Member | None) -> None:
        if member is not None:
            member.reserved_by = None
            self.kick()

    def kick(self) -> None:
        now = self.now()
        for q in self.queues.values():
            q.dispatch(now)
