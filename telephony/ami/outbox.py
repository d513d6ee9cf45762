"""Delivery into the bounded sink: in order, nothing dropped, backpressure by pausing the socket.

panoramisk runs coroutine callbacks as fire-and-forget tasks, so events can be reordered and an
overloaded consumer is never noticed. Here the read path only calls `put()`. While the sink has
room that is a plain `put_nowait`. When it is full, the item (and everything after it) waits in a
small backlog, the reading side is paused so the kernel's TCP window pushes back on Asterisk, and
one drain task moves the backlog in as the consumer frees space, then resumes reading. Memory is
bounded by the sink size plus at most one socket read.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Generic, Iterable, Protocol, TypeVar

log = logging.getLogger("telephony.ami")

T = TypeVar("T")


class Reader(Protocol):
    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class Outbox(Generic[T]):
    """Feeds one asyncio.Queue from synchronous protocol code, preserving order."""

    def __init__(self, sink: asyncio.Queue[T]) -> None:
        self._sink = sink
        self._backlog: deque[T] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self._reader: Reader | None = None
        self._reader_paused = False
        self._full_since = 0.0
        self.pauses = 0

    @property
    def backlog(self) -> int:
        return len(self._backlog)

    @property
    def paused(self) -> bool:
        """True while we, not the PBX, are the reason nothing is being read."""
        return bool(self._backlog)

    def put(self, item: T) -> None:
        if self._backlog:
            self._backlog.append(item)
            return
        try:
            self._sink.put_nowait(item)
        except asyncio.QueueFull:
            self._backlog.append(item)
            self._start_draining()

    def put_many(self, items: Iterable[T]) -> None:
        for item in items:
            self.put(item)

    def attach(self, reader: Reader) -> None:
        """Pause/resume this connection from now on (a new connection after a reconnect)."""
        self._reader, self._reader_paused = reader, False
        if self._backlog:
            self._pause()

    def detach(self, reader: Reader) -> None:
        if self._reader is reader:
            self._reader, self._reader_paused = None, False

    def close(self) -> int:
        """Stop delivering; returns how many items were still waiting (logged by the caller)."""
        if self._drainer is not None:
            self._drainer.cancel()
            self._drainer = None
        left = len(self._backlog)
        self._backlog.clear()
        return left

    def _start_draining(self) -> None:
        self.pauses += 1
        self._full_since = time.monotonic()
        log.warning("PBX 事件队列已满（%d 条），暂停读取 PBX 数据直到下游处理跟上", self._sink.maxsize)
        self._pause()
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain(), name="ami-outbox-drain")

    def _pause(self) -> None:
        if self._reader is not None and not self._reader_paused:
            self._reader.pause_reading()
            self._reader_paused = True

    async def _drain(self) -> None:
        while self._backlog:
            try:
                await self._sink.put(self._backlog[0])
            except Exception:  # a broken sink must not wedge the link forever
                log.exception("投递 PBX 消息失败，已跳过一条")
            self._backlog.popleft()
        log.info("PBX 事件队列恢复，暂停了 %.2f 秒", time.monotonic() - self._full_since)
        if self._reader is not None and self._reader_paused:
            self._reader_paused = False
            self._reader.resume_reading()
