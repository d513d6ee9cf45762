"""A small in-process publish/subscribe hub for live telephony changes.

Why it exists: the single consumer that applies PBX events in order must never wait for a slow
reader (a browser on a bad network, a stuck agent desk). So `publish` is synchronous and never
blocks: every subscriber has its own bounded asyncio.Queue, and when that queue is full the
subscriber's policy decides, without touching the others:

- ``Overflow.DROP_OLDEST`` (the default): the oldest queued item is discarded to make room and
  `dropped` counts it. For readers that only need to converge on the latest state (a live board):
  every item is a complete snapshot of what it describes, so a later one supersedes a lost one.
- ``Overflow.DISCONNECT``: the subscriber is removed from the bus, its queue is emptied and its
  reader gets `SubscriptionClosed` (or the end of `async for`). For readers that cannot tolerate a
  gap: they reconnect and reload the whole state.

Use it from the event loop's thread only (asyncio queues are not thread-safe).
"""
from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any, AsyncIterator


class Overflow(str, Enum):
    DROP_OLDEST = "drop_oldest"
    DISCONNECT = "disconnect"


class SubscriptionClosed(Exception):
    """The subscription was closed by its owner, by the bus, or for falling behind."""


_CLOSED = object()


class Subscription:
    """One reader's bounded queue. Read with `await get()` or `async for item in subscription`."""

    def __init__(self, bus: "Bus", maxsize: int, overflow: Overflow, name: str) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, maxsize))
        self.overflow, self.name = overflow, name
        self.dropped = 0
        self.closed = False
        self.reason = ""

    def __repr__(self) -> str:
        return f"<Subscription {self.name!r} {self.overflow.value} pending={self.pending} dropped={self.dropped}>"

    @property
    def pending(self) -> int:
        return 0 if self.closed else self._queue.qsize()

    def offer(self, item: Any) -> None:
        """Queue one item without waiting; apply the overflow policy when the queue is full."""
        if self.closed:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            if self.overflow is Overflow.DISCONNECT:
                self.close("fell behind")
                return
            self._queue.get_nowait()
            self._queue.put_nowait(item)
            self.dropped += 1

    async def get(self) -> Any:
        """The next item; raises SubscriptionClosed once the subscription is closed."""
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # every later get() sees it too
            raise SubscriptionClosed(self.reason)
        return item

    def get_nowait(self) -> Any:
        """The next item if one is queued; raises asyncio.QueueEmpty otherwise."""
        item = self._queue.get_nowait()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)
            raise SubscriptionClosed(self.reason)
        return item

    def close(self, reason: str = "closed") -> None:
        """Leave the bus; a reader waiting in get() wakes up with SubscriptionClosed."""
        if self.closed:
            return
        self.closed, self.reason = True, reason
        self._bus._remove(self)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.get()
        except SubscriptionClosed:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> "Subscription":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class Bus:
    """Fan-out of published items to every current subscriber, each on its own bounded queue."""

    def __init__(self, default_maxsize: int = 1000) -> None:
        self.default_maxsize = default_maxsize
        self._subscribers: tuple[Subscription, ...] = ()  # copied on change, so publish never copies

    def subscribe(self, *, maxsize: int | None = None, overflow: Overflow = Overflow.DROP_OLDEST,
                  name: str = "") -> Subscription:
        sub = Subscription(self, maxsize or self.default_maxsize, overflow, name)
        self._subscribers = (*self._subscribers, sub)
        return sub

    def publish(self, item: Any) -> None:
        """Hand `item` to every subscriber; never blocks, never raises because of a subscriber."""
        for sub in self._subscribers:
            sub.offer(item)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def close(self) -> None:
        """Close every subscription (at shutdown)."""
        for sub in self._subscribers:
            sub.close("bus closed")

    def _remove(self, sub: Subscription) -> None:
        self._subscribers = tuple(s for s in self._subscribers if s is not sub)
