"""The write connection's own thread, for units of work that run whole in one trip.

Each trip from the event loop to a database thread costs a wake-up on both sides; a case action
that loads, decides and saves statement by statement spends more time travelling than in SQLite.
A unit of work handed to this thread as one function (BEGIN IMMEDIATE … COMMIT around it) makes
one trip. The thread runs one unit at a time, so a unit never sees another's half-done work.
A bare thread with a queue (as aiosqlite does) rather than an executor: half the hand-over cost.
"""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from queue import SimpleQueue
from typing import Any, Callable, Sequence, TypeVar

from casework.db.checkpoint import copy_back

T = TypeVar("T")
Unit = Callable[..., T]
Job = tuple[asyncio.Future, Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return  # the caller was cancelled; the unit ran all the same
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class WriterThread:
    def __init__(self, path: Path, pragmas: Sequence[str]) -> None:
        self.path, self.pragmas = path, tuple(pragmas)
        self._jobs: SimpleQueue[Job | None] = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in self.pragmas:
            conn.execute(pragma)
        self._conn = conn

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            result, error = None, None
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the awaiting task, whatever it is
                error = exc
            future.get_loop().call_soon_threadsafe(_settle, future, result, error)
        if self._conn is not None:
            self._conn.close()

    def _submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._jobs.put((future, fn, args))
        return future

    async def open(self) -> None:
        self._jobs = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=f"sqlite-writer {self.path.name}", daemon=True)
        self._thread.start()
        await self._submit(self._connect)

    def _transaction(self, unit: Unit[T], args: tuple[Any, ...]) -> T:
        conn = self._conn
        assert conn is not None, "database is not open"
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = unit(conn, *args)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def run(self, unit: Unit[T], *args: Any) -> T:
        """`unit(conn, *args)` in one transaction. It commits even if the awaiting task is cancelled
        meanwhile (it was accepted), and the caller returns only once it is over."""
        return await self._run(self._transaction, unit, args)

    async def checkpoint(self) -> tuple[int, int]:
        """A PASSIVE checkpoint on this connection, between two units (see checkpoint.py)."""
        return await self._run(self._checkpoint)

    def _checkpoint(self) -> tuple[int, int]:
        assert self._conn is not None, "database is not open"
        return copy_back(self._conn)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._thread is not None, "database is not open"
        future = self._submit(fn, *args)
        try:
            return await future
        except asyncio.CancelledError:
            await asyncio.wait([self._submit(lambda: None)])  # the queue is in order: past the unit
            raise

    async def close(self) -> None:
        if self._thread is None:
            return
        self._jobs.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread, self._conn = None, None
