"""Worker processes for the heavy pure-Python work (jieba segmentation, writing large workbooks).

In a thread such work holds the GIL and the event loop stalls; in a separate process, at a lower
CPU priority, the web process stays responsive on two cores. Arguments and results are pickled.
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
_POOL: ProcessPoolExecutor | None = None


def _background() -> None:
    try:
        os.nice(10)
    except OSError:
        pass


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_background)
    return _POOL


async def in_worker(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a worker process; a pool whose worker died is replaced once."""
    global _POOL
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), partial(fn, *args))
    except BrokenProcessPool:
        _POOL = None
        return await loop.run_in_executor(_pool(), partial(fn, *args))
