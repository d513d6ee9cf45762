"""The database handle: serialized write transactions, concurrent readers (WAL), migrations at open.

SQLite allows one writer at a time; taking an asyncio lock before BEGIN IMMEDIATE keeps the
writers of this process in line without busy-waiting, and WAL lets readers go on meanwhile.
Hot units of work (case actions) run whole on a second write connection with its own thread
(`write`, see writer.py); the same lock keeps it and the aiosqlite writer in line.
"""
from __future__ import annotations

import asyncio
import itertools
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator
from zoneinfo import ZoneInfo

import aiosqlite

from casework.db.checkpoint import BACKSTOP_PAGES, Checkpointer
from casework.db.migrate import migrate
from casework.db.writer import T, Unit, WriterThread

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON",
           "PRAGMA busy_timeout=10000", "PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY",
           f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")


class Database:
    def __init__(self, path: Path, *, readers: int = 2, tz: ZoneInfo = ZoneInfo("Asia/Shanghai"),
                 durable: bool = True) -> None:
        """`durable=False` (bulk demo generation only) skips the fsync that makes each commit survive power loss."""
        self.path = Path(path)
        self.synchronous = "FULL" if durable else "OFF"
        self.tz = tz
        self._reader_count = max(1, readers)
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = itertools.cycle(range(self._reader_count))
        self._lock: asyncio.Lock | None = None
        self._unit_writer = WriterThread(self.path, (*PRAGMAS, f"PRAGMA synchronous={self.synchronous}"))
        self._checkpointer = Checkpointer(self.path, self.finish_checkpoint)
        self._named: dict[str, asyncio.Lock] = {}

    def named_lock(self, name: str) -> asyncio.Lock:
        """A lock for work on this database that must not run twice at once (the insight refresh)."""
        return self._named.setdefault(name, asyncio.Lock())

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in (*PRAGMAS, f"PRAGMA synchronous={self.synchronous}"):
            await conn.execute(pragma)
        return conn

    async def open(self) -> "Database":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = asyncio.Lock()
        self._writer = await self._connect()
        await migrate(self._writer)
        await self._unit_writer.open()
        self._checkpointer.start()
        self._readers = [await self._connect() for _ in range(self._reader_count)]
        for conn in self._readers:
            await conn.execute("PRAGMA query_only=ON")
        return self

    async def close(self) -> None:
        await self._checkpointer.stop()
        for conn in [*self._readers, self._writer]:
            if conn is not None:
                await conn.close()
        self._readers, self._writer = [], None
        await self._unit_writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One atomic write; everything inside commits together or not at all."""
        assert self._writer is not None and self._lock is not None, "database is not open"
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def write(self, unit: Unit[T], *args: Any) -> T:
        """`unit(conn, *args)` on the writer thread in one transaction (a sqlite3 connection: no awaits
        inside); everything it writes commits together or not at all."""
        assert self._lock is not None, "database is not open"
        async with self._lock:
            return await self._unit_writer.run(unit, *args)

    async def finish_checkpoint(self) -> None:
        """The checkpoint's tail, with no commit in between, so the next commit can restart the WAL."""
        assert self._lock is not None, "database is not open"
        async with self._lock:
            await self._unit_writer.checkpoint()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        assert self._readers, "database is not open"
        yield self._readers[next(self._next_reader)]

    def now(self) -> datetime:
        return datetime.now(self.tz).replace(microsecond=0)
