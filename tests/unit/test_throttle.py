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


def test_check_does_not_count_and_add_does() -> None:
    """Logging in checks the address's failures first and counts only a failure."""
    now = [0.0]
    throttle = Throttle(limit=2, window=60, clock=lambda: now[0])
    for _ in range(5):
        throttle.check("10.0.0.1")  # successes: never counted
    throttle.add("10.0.0.1")
    throttle.add("10.0.0.1")
    with pytest.raises(TooManyRequests):
        throttle.check("10.0.0.1")
    now[0] = 60.5
    throttle.check("10.0.0.1")
