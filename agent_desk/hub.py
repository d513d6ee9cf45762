"""The websocket hub: one writer per connection with a bounded queue; a slow browser is dropped.

Sending never awaits a browser: messages are put on the client's own queue and its writer task
drains it. A client whose queue is full is disconnected (its desk reconnects and re-syncs), so one
slow machine can never slow the pops of the others.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSCloseCode, web

from casework.accounts.model import User

log = logging.getLogger(__name__)
QUEUE_SIZE = 256


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, default=str, separators=(",", ":"))


@dataclass(eq=False)
class Client:
    user: User
    ws: web.WebSocketResponse
    topics: set[str] = field(default_factory=set)
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False

    def offer(self, text: str) -> bool:
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            self.dropped = True
            return False

    async def write_all(self) -> None:
        while (text := await self.queue.get()) is not None:
            await self.ws.send_str(text)


class Hub:
    def __init__(self) -> None:
        self._clients: set[Client] = set()
        self._by_user: dict[int, set[Client]] = {}
        self.on_connect: list[Callable[[Client], None]] = []
        self.slow_disconnects = 0

    @property
    def clients(self) -> frozenset[Client]:
        return frozenset(self._clients)

    def send(self, client: Client, message: dict[str, Any]) -> None:
        self._deliver([client], encode(message))

    def of_user(self, user_id: int) -> list[Client]:
        return list(self._by_user.get(user_id, ()))

    def to_user(self, user_id: int, message: dict[str, Any]) -> int:
        targets = self.of_user(user_id)
        if targets:
            self._deliver(targets, encode(message))
        return len(targets)

    def _add(self, client: Client) -> None:
        self._clients.add(client)
        self._by_user.setdefault(client.user.id, set()).add(client)

    def _remove(self, client: Client) -> None:
        self._clients.discard(client)
        mine = self._by_user.get(client.user.id)
        if mine is not None:
            mine.discard(client)
            if not mine:
                del self._by_user[client.user.id]

    def to_topic(self, topic: str, message: dict[str, Any]) -> int:
        targets = [c for c in self._clients if topic in c.topics]
        if targets:
            self._deliver(targets, encode(message))
        return len(targets)

    def _deliver(self, clients: list[Client], text: str) -> None:
        for client in clients:
            if not client.offer(text) and client in self._clients:
                self.slow_disconnects += 1
                log.warning("desk of %s too slow: disconnected", client.user.username)
                self._remove(client)
                asyncio.get_running_loop().create_task(
                    client.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow"), name="ws-close-slow")

    async def serve(self, client: Client, handle: Callable[[Client, dict[str, Any]], None]) -> None:
        """Run one connection until it closes; every subscription goes with it."""
        writer = asyncio.get_running_loop().create_task(self._write(client), name=f"ws-writer-{client.user.id}")
        self._add(client)
        try:
            for hook in self.on_connect:
                hook(client)
            async for msg in client.ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict):
                    handle(client, data)
        finally:
            self._remove(client)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _write(self, client: Client) -> None:
        try:
            await client.write_all()
        except (ConnectionResetError, RuntimeError):
            pass

    async def close(self) -> None:
        for client in list(self._clients):
            await client.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        self._clients.clear()
        self._by_user.clear()
