"""Full garbage collections in the lulls between bursts of rings, not whenever CPython's counters say.

Every connected desk keeps a few hundred container objects alive (socket, request, tasks, queue),
so with hundreds of desks a full collection walks hundreds of thousands of objects: tens of
milliseconds in which no pop leaves. CPython starts one when enough objects have survived into the
old generation, that is while allocating, that is in a burst of rings (bench/pop.py caught a 37 ms
one in the middle of a burst). So every second, at the next lull, what is not frozen yet is
collected and the survivors frozen (gc.freeze): CPython's own full collections then only walk what
was allocated since, at most a second's worth, and so do these rounds (a fraction of a millisecond;
the one after hundreds of desks connected, a few tens). Frozen objects are still freed when their
last reference goes; only cyclic garbage among them (a desk that went away) waits for the round
that unfreezes everything first, every ten minutes.
"""
from __future__ import annotations

import asyncio
import gc
from typing import Awaitable, Callable

INTERVAL = 1.0
UNFREEZE_EVERY = 600  # rounds: everything is walked again every ten minutes or so


async def collect_in_lulls(lull: Callable[[float], Awaitable[None]], interval: float = INTERVAL,
                           unfreeze_every: int = UNFREEZE_EVERY) -> None:
    """`lull(deadline)` returns once no pop is on its way (or at the deadline, loop time)."""
    loop = asyncio.get_running_loop()
    rounds = 0
    try:
        while True:
            await asyncio.sleep(interval)
            await lull(loop.time() + interval)
            rounds += 1
            if rounds % unfreeze_every == 0:
                gc.unfreeze()
            gc.collect()
            gc.freeze()
    finally:
        gc.unfreeze()  # the app is going away: let its cycles be collected
