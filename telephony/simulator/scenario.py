"""What every call scenario shares: interruptible waits, and Hangup-action requests on its channels."""
from __future__ import annotations

import asyncio

from .model import Channel
from .pbx import Pbx


class Scenario:
    """Common plumbing: interruptible waits and Hangup-action requests."""

    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.done = asyncio.Event()
        self._poke = asyncio.Event()
        self._requests: list[tuple[Channel, int]] = []

    def request_hangup(self, ch: Channel, cause: int = 16) -> None:
        self._requests.append((ch, cause))
        self._poke.set()

    def _take_request(self) -> tuple[Channel, int] | None:
        if not self._requests:
            return None
        req = self._requests.pop(0)
        if not self._requests:
            self._poke.clear()
        return req

    async def _pause(self, seconds: float | None) -> bool:
        """Sleep `seconds` (simulated); True when a Hangup request cut it short."""
        return await self.pbx.clock.wait(self._poke, seconds)

    async def _wait_any(self, event: asyncio.Event, seconds: float) -> None:
        """Wait until `event` is set, a Hangup request arrives, or `seconds` (simulated) pass."""
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._poke.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.pbx.clock.real(seconds), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
