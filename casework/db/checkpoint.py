"""Copying the write-ahead log back into the database file, from a thread of its own.

By default the commit that pushes the WAL past 1,000 pages does that copy (and its fsync) itself:
one action in a hundred waits ten times as long. Here a thread does it every half second, on its
own connection, beside the writers; PASSIVE never blocks them. The writers keep a large automatic
checkpoint (BACKSTOP_PAGES) only as a backstop, should this thread ever stop.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)
BACKSTOP_PAGES = 20000


class Checkpointer:
    def __init__(self, path: Path, interval: float = 0.5) -> None:
        self.path, self.interval = path, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sqlite-checkpoint {self.path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # e.g. disk full: the writers' backstop still bounds the WAL
                    log.warning("WAL checkpoint failed: %s", exc)
        finally:
            conn.close()

    async def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            await asyncio.to_thread(self._thread.join)
            self._thread = None
