"""The citizen page's rate limits, with a hand-moved clock."""
from __future__ import annotations

import pytest

from casework.errors import TooManyRequests
from web.throttle import Throttle


def test_limit_per_key_within_window_then_recovers() -> None:
    now = [0.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.hit("1.2.3.4")
    with pytest.raises(TooManyRequests):
        throttle.hit("1.2.3.4")
    throttle.hit("5.6.7.8")
    now[0] = 61
    throttle.hit("1.2.3.4")


def test_memory_is_pruned() -> None:
    now = [0.0]
    throttle = Throttle(limit=1, window=1, clock=lambda: now[0], max_keys=10)
    for i in range(11):
        throttle.hit(str(i))
    now[0] = 5
    throttle.hit("new")
    assert len(throttle._hits) == 1
