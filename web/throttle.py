"""In-memory rate limits for what anyone may call without logging in (the citizen's page)."""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from aiohttp import web

from casework.errors import TooManyRequests

MAX_KEYS = 50000


class Throttle:
    """At most `limit` hits per key within `window` seconds; memory stays bounded."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, message: str = "操作过于频繁，请稍后再试") -> None:
        now = self.clock()
        if len(self._hits) > self.max_keys:
            self._prune(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise TooManyRequests(message, code="rate_limited")
        hits.append(now)

    def _prune(self, now: float) -> None:
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]


@dataclass(frozen=True)
class PublicGuard:
    submit: Throttle = field(default_factory=lambda: Throttle(limit=20, window=3600))
    lookup: Throttle = field(default_factory=lambda: Throttle(limit=30, window=600))


PUBLIC_GUARD = web.AppKey("public_guard", PublicGuard)


def client_key(request: web.Request) -> str:
    return request.remote or "unknown"
