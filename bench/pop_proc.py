"""bench/pop.py's plumbing: child processes driven over a pipe, resident memory, percentiles.

Each child runs one asyncio loop and one object; the parent calls its coroutine methods by name
(`proxy.call("connect", url=...)`) and blocks for the answer. Every timestamp of the benchmark is
`time.monotonic_ns()` — CLOCK_MONOTONIC, one system-wide clock on Linux, so an instant taken in the
simulator's process and one taken in the clients' process can be subtracted.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any


def vmrss_kb(pid: int | None = None) -> int:
    """Resident memory (VmRSS) of a process, in KiB."""
    with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in 0…100."""
    if not values:
        return float("nan")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


async def _serve(conn: Connection, make: Callable[[], Any]) -> None:
    loop = asyncio.get_running_loop()
    target = make()
    while True:
        try:
            name, kwargs = await loop.run_in_executor(None, conn.recv)
        except EOFError:
            break
        if name == "exit":
            conn.send(("ok", None))
            break
        try:
            result = await getattr(target, name)(**kwargs)
        except Exception:
            conn.send(("error", traceback.format_exc()))
        else:
            conn.send(("ok", result))
    closer = getattr(target, "close", None)
    if closer is not None:
        try:
            await closer()
        except Exception:
            traceback.print_exc()


def _child_main(conn: Connection, make: Callable[[], Any]) -> None:
    asyncio.run(_serve(conn, make))


class Child:
    """One child process holding `make()`; `call` runs one of its coroutine methods and returns the result."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name = name
        self._conn, child_end = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_child_main, args=(child_end, make), name=f"pop-{name}", daemon=True)
        self.process.start()
        child_end.close()

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def call(self, method: str, *, wait: float = 120.0, **kwargs: Any) -> Any:
        self._conn.send((method, kwargs))
        if not self._conn.poll(wait):
            raise TimeoutError(f"{self.name}.{method} gave no answer within {wait:g} s")
        status, value = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"{self.name}.{method} failed in the child:\n{value}")
        return value

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.is_alive():
            try:
                self.call("exit", wait=timeout)
            except (OSError, EOFError, TimeoutError, RuntimeError):
                pass
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self._conn.close()
