"""Full collections wait for a lull, then freeze the survivors; cancelling unfreezes everything."""
from __future__ import annotations

import asyncio
import gc
import weakref

from agent_desk.collector import collect_in_lulls


class Cycle:
    def __init__(self) -> None:
        self.me = self


async def test_collects_only_after_the_lull_then_freezes_and_unfreezes_on_cancel() -> None:
    lull_asked, lull_over = asyncio.Event(), asyncio.Event()
    deadlines: list[float] = []

    async def lull(deadline: float) -> None:
        deadlines.append(deadline)
        lull_asked.set()
        await lull_over.wait()

    gc.unfreeze()  # whatever an earlier test left frozen
    gc.disable()  # no automatic collection may free the cycle before the lull
    try:
        garbage = weakref.ref(Cycle())  # unreachable, but only a collection frees a cycle
        task = asyncio.create_task(collect_in_lulls(lull, interval=0.01, unfreeze_every=1000))
        await lull_asked.wait()
        assert garbage() is not None and deadlines[0] > asyncio.get_running_loop().time()
        lull_over.set()
        for _ in range(100):
            if gc.get_freeze_count():
                break
            await asyncio.sleep(0.01)
        assert garbage() is None and gc.get_freeze_count() > 0
    finally:
        gc.enable()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert gc.get_freeze_count() == 0


async def test_every_nth_round_unfreezes_first_so_frozen_cycles_are_freed() -> None:
    async def no_wait(deadline: float) -> None:
        return None

    gc.freeze()
    frozen = weakref.ref(Cycle())  # created after the freeze: make it old and frozen with the next one
    gc.freeze()
    task = asyncio.create_task(collect_in_lulls(no_wait, interval=0.01, unfreeze_every=2))
    for _ in range(100):
        if frozen() is None:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert frozen() is None
