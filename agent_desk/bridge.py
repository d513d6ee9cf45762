"""From the telephony bus to the browsers: pops to the one desk whose phone rings, the board to watchers.

The first pop frame carries only what is in memory (number, name, 归属地) so it leaves within
milliseconds; the caller's history follows in a second frame once the database has answered.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from agent_desk.board import board_snapshot
from agent_desk.context import CallerContext, locate
from agent_desk.directory import TTL_SECONDS, Directory
from agent_desk.hub import Client, Hub
from telephony.actions import TelephonyActions
from telephony.bus import Subscription
from telephony.calls.records import agent_extension
from telephony.calls.service import CallStored
from telephony.calls.views import AgentChanged, CallChanged, CallGone, CallView, ModelReset
from telephony.events import LinkStateChanged
from telephony.stack import Telephony

log = logging.getLogger(__name__)
BOARD = "board"
BOARD_INTERVAL = 0.2
QUIET = 0.02           # work that can wait (caller histories) waits until no pop has gone out for this long…
CONTEXT_WAIT = 0.25    # …a caller history never longer than this after its own pop
WRAPUP_REASON = "话后整理"


@dataclass
class DeskBridge:
    hub: Hub
    telephony: Telephony
    directory: Directory
    context: CallerContext
    clock: Callable[[], datetime]
    wrapup_pause: bool = True
    popped: dict[str, set[int]] = field(default_factory=dict)        # linked id → users whose desk popped
    answered_by: dict[str, int] = field(default_factory=dict)        # linked id → the user who answered
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    board_dirty: bool = True
    contexts: asyncio.Queue[tuple[int, CallView, float]] = field(default_factory=asyncio.Queue)
    last_pop: float = 0.0  # loop time of the latest pop sent
    subscription: Subscription | None = None

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("desk task %s failed", task.get_name(), exc_info=task.exception())

    async def run(self, subscription: Subscription) -> None:
        """The bridge's one consumer of the bus, in order."""
        await self.directory.refresh()
        self.subscription = subscription
        while True:
            item = await subscription.get()
            try:
                await self.handle(item)
            except Exception:
                log.exception("desk bridge could not handle %r", item)

    async def handle(self, item: Any) -> None:
        if isinstance(item, CallChanged):
            await self._call_changed(item.call)
        elif isinstance(item, CallGone):
            self._call_gone(item.linked_id)
        elif isinstance(item, CallStored):
            self._call_stored(item)
        elif isinstance(item, AgentChanged):
            user = await self.directory.user_at(item.agent.interface)
            if user is not None:
                self.hub.to_user(user.id, {"type": "agent", "agent": item.agent.to_dict(self.clock())})
        elif isinstance(item, (ModelReset, LinkStateChanged)):
            for client in self.hub.clients:
                self.hello(client)
        self.board_dirty = True

    def _frame(self, call: CallView) -> dict[str, Any]:
        return {**call.to_dict(self.clock()), **locate(call.caller_number)}

    async def _call_changed(self, call: CallView) -> None:
        seen = self.popped.setdefault(call.linked_id, set())
        for interface in call.ringing:
            user = await self.directory.user_at(interface, ringing=True)
            if user is None or user.id in seen:
                continue
            seen.add(user.id)
            self.hub.to_user(user.id, {"type": "pop", "call": self._frame(call)})
            self.last_pop = asyncio.get_running_loop().time()
            self.contexts.put_nowait((user.id, call, self.last_pop))
        if call.state == "talking" and call.agent_interface:
            agent = await self.directory.user_at(call.agent_interface, ringing=True)
            if agent is not None:
                self.answered_by[call.linked_id] = agent.id
                self.hub.to_user(agent.id, {"type": "call", "call": self._frame(call)})
            for other in seen - ({agent.id} if agent else set()):
                self.hub.to_user(other, {"type": "pop_gone", "linked_id": call.linked_id})

    async def send_contexts(self) -> None:
        """Caller histories, one at a time, once the pops of a burst of rings are out: each history is
        a millisecond or more of database work that a desk still waiting for its pop must not queue
        behind, and a burst's rings arrive a millisecond or two apart, so an empty bus alone does not
        mean the burst is over. Under endless ringing a history still leaves CONTEXT_WAIT after its pop."""
        while True:
            user_id, call, popped_at = await self.contexts.get()
            await self.lull(popped_at + CONTEXT_WAIT)
            await self._send_context(user_id, call)

    async def refresh_directory(self) -> None:
        """Who sits at which phone, reloaded every TTL_SECONDS between bursts (hundreds of users: ms of work)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TTL_SECONDS)
            await self.lull(loop.time() + TTL_SECONDS)
            await self.directory.refresh()

    async def lull(self, deadline: float) -> None:
        """Until the pops of a burst are out (none for QUIET, no bus item waiting), or `deadline` (loop time)."""
        loop = asyncio.get_running_loop()
        while (now := loop.time()) < deadline and (
                now - self.last_pop < QUIET or (self.subscription is not None and self.subscription.pending)):
            await asyncio.sleep(QUIET / 4)

    async def _send_context(self, user_id: int, call: CallView) -> None:
        clients = self.hub.of_user(user_id)
        user = clients[0].user if clients else None
        if user is None or not call.caller_number:
            return
        context = await self.context.build(call.caller_number, user.actor(), self.clock())
        self.hub.to_user(user_id, {"type": "context", "linked_id": call.linked_id, "context": context})

    def _call_gone(self, linked_id: str) -> None:
        agent = self.answered_by.pop(linked_id, None)
        for user_id in self.popped.pop(linked_id, set()) | ({agent} if agent else set()):
            self.hub.to_user(user_id, {"type": "ended", "linked_id": linked_id, "wrap_up": user_id == agent})
        if agent is not None and self.wrapup_pause:
            self._spawn(self._pause(agent, True), name=f"wrapup-pause-{agent}")

    def _call_stored(self, stored: CallStored) -> None:
        for user_id in self.popped.get(stored.linked_id, set()) | {self.answered_by.get(stored.linked_id, -1)}:
            self.hub.to_user(user_id, {"type": "call_stored", "linked_id": stored.linked_id,
                                       "call_id": stored.call_id})

    async def _pause(self, user_id: int, paused: bool) -> None:
        clients = self.hub.of_user(user_id)
        client = clients[0] if clients else None
        if client is None or not client.user.phone_ext:
            return
        actions = TelephonyActions(self.telephony.link, self.telephony.settings)
        await actions.pause(client.user.phone_ext, paused, WRAPUP_REASON if paused else "")

    def hello(self, client: Client) -> None:
        """What a (re)connected desk must show: the agent's state and every call still ringing or talking."""
        now, ext = self.clock(), client.user.phone_ext
        agent = self.telephony.model.agent_at(ext)
        mine = [c for c in self.telephony.model.calls() if ext and ext in (
            *map(agent_extension, c.ringing), agent_extension(c.agent_interface))]
        for call in mine:
            self.popped.setdefault(call.linked_id, set()).add(client.user.id)
        self.hub.send(client, {"type": "hello", "user": client.user.to_dict(), "link": self.telephony.health(),
                               "agent": agent.to_dict(now) if agent else None,
                               "calls": [self._frame(c) for c in mine]})
        for call in mine:
            self.contexts.put_nowait((client.user.id, call, asyncio.get_running_loop().time()))
        if BOARD in client.topics:
            self.hub.send(client, {"type": "board", "board": self.board()})

    def board(self) -> dict[str, Any]:
        return board_snapshot(self.telephony.model, self.telephony.settings.queues, self.telephony.health(),
                              self.clock())

    async def push_board(self) -> None:
        """Watchers get the board at most five times a second, and only when something changed. A whole
        board is milliseconds of work with hundreds of agents: during a burst of rings it waits for the
        pops to be out (one interval at most), as nobody reads a board to the millisecond."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(BOARD_INTERVAL)
            if self.board_dirty and any(BOARD in c.topics for c in self.hub.clients):
                await self.lull(loop.time() + BOARD_INTERVAL)
                self.board_dirty = False
                self.hub.to_topic(BOARD, {"type": "board", "board": self.board()})
