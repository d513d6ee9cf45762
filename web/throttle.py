"""In-memory rate limits for what anyone may call without logging in (the citizen's page, logging in)."""
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
        self.check(key, message)
        self.add(key)

    def check(self, key: str, message: str = "操作过于频繁，请稍后再试") -> None:
        """Refuse once `limit` hits are within the window, without counting this one."""
        hits = self._recent(key)
        if len(hits) >= self.limit:
            raise TooManyRequests(message, code="rate_limited")

    def add(self, key: str) -> None:
        self._recent(key).append(self.clock())

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        if len(self._hits) > self.max_keys:
            self._prune(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]


@dataclass(frozen=True)
class PublicGuard:
    submit: Throttle = field(default_factory=lambda: Throttle(limit=20, window=3600))
    lookup: Throttle = field(default_factory=lambda: Throttle(limit=30, window=600))
    # Failed logins from one address, whatever the user IDs: against guessing across many accounts
    # (each account also locks itself after a few failures). A centre behind one NAT address
    # shares this budget, hence failures only, and a generous one.
    login_failures: Throttle = field(default_factory=lambda: Throttle(limit=30, window=600))


PUBLIC_GUARD = web.AppKey("public_guard", PublicGuard)


def client_key(request: web.Request) -> str:
    return request.remote or "unknown"
