"""Worker processes for the heavy pure-Python work (jieba segmentation, writing large workbooks).

In a thread such work holds the GIL and the event loop stalls; in a separate process, at a lower
CPU priority, the web process stays responsive on two cores. Arguments and results are pickled.
The pool belongs to whoever made it (create_app's cleanup context): processes start at the first
job, each readied by `warm` (jieba's dictionary), and `close` ends them.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Callable, TypeVar

WORKERS = 2
T = TypeVar("T")


def _start(warm: Callable[[], None] | None) -> None:
    try:
        os.nice(10)
    except OSError:
        pass
    if warm is not None:
        warm()


class WorkerPool:
    def __init__(self, workers: int = WORKERS, warm: Callable[[], None] | None = None) -> None:
        self.workers, self.warm = workers, warm
        self.executor: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(max_workers=self.workers, initializer=_start, initargs=(self.warm,),
                                                mp_context=multiprocessing.get_context("spawn"))
        return self.executor

    def pids(self) -> list[int]:
        return list(getattr(self.executor, "_processes", None) or {})

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker process; a pool whose worker died is replaced once."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), partial(fn, *args))
        except BrokenProcessPool:
            self.executor = None
            return await loop.run_in_executor(self._executor(), partial(fn, *args))

    async def close(self) -> None:
        executor, self.executor = self.executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
