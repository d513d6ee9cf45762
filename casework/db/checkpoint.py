"""Copying the write-ahead log back into the database file, beside the writers.

By default the commit that pushes the WAL past 1,000 pages does that copy (and its fsync) itself:
one action in a hundred waits ten times as long. Here a task does it ten times a second instead,
in two steps:

1. the bulk, on a connection of its own in a worker thread: PASSIVE never blocks the writers;
2. the tail, on the writer's own thread between two units (`finish`), copies the few frames
   committed meanwhile. Only a checkpoint that copies every frame lets the next commit start the
   WAL over from its beginning; under a steady stream of commits the bulk alone never catches up,
   and the WAL then grows without end. Appending to a growing file costs each commit's fsync a
   metadata update that overwriting the same blocks does not (about 40 % longer here).

Ten times a second keeps the WAL small (about 2,000 frames at full tilt): commits then rewrite
blocks the file already has, and at a million cases the whole lifecycle ran about 7 % faster than
with checkpoints every half second. The writers keep a large automatic checkpoint (BACKSTOP_PAGES)
only as a backstop, should this task ever stop.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Awaitable, Callable

log = logging.getLogger(__name__)
BACKSTOP_PAGES = 20000
PASSIVE = "PRAGMA wal_checkpoint(PASSIVE)"


def copy_back(conn: sqlite3.Connection) -> tuple[int, int]:
    """One PASSIVE checkpoint: the frames in the WAL when it ran, and how many of them are in the file."""
    _busy, frames, copied = conn.execute(PASSIVE).fetchone()
    return int(frames), int(copied)


class Checkpointer:
    def __init__(self, path: Path, finish: Callable[[], Awaitable[object]], interval: float = 0.1) -> None:
        self.path, self.finish, self.interval = path, finish, interval
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        self._last = (0, 0)

    def start(self) -> None:
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._task = asyncio.create_task(self._run(), name=f"sqlite-checkpoint {self.path.name}")

    async def _run(self) -> None:
        assert self._conn is not None
        while True:
            await asyncio.sleep(self.interval)
            copying = asyncio.ensure_future(asyncio.to_thread(copy_back, self._conn))
            try:
                state = await asyncio.shield(copying)
                if state[0] and state != self._last:  # an idle WAL is left alone
                    await self.finish()
                self._last = state
            except asyncio.CancelledError:
                await asyncio.wait([copying])  # the connection closes only once its thread is done with it
                raise
            except Exception:  # e.g. disk full: logged, tried again next round; the backstop bounds the WAL
                log.exception("WAL checkpoint failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
