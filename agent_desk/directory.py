"""Which platform user sits at which phone: users.phone_ext against the PBX member interface."""
from __future__ import annotations

import asyncio
import time

from casework.accounts.model import User
from casework.accounts.storage import USER_FIELDS, user_from_row
from casework.db.database import Database
from telephony.calls.records import agent_extension

TTL_SECONDS = 30.0
MISS_SECONDS = 5.0  # a phone nobody sits at is looked up again after this long


class Directory:
    """A small cache: the pop must not wait for a database round trip on every ring."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_ext: dict[str, User] = {}
        self._misses: dict[str, float] = {}
        self._loaded_at = 0.0
        self._refreshing: asyncio.Task[None] | None = None

    async def _query(self, extra: str = "", params: tuple[str, ...] = ()) -> list[User]:
        async with self.db.reader() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {USER_FIELDS} FROM users WHERE active = 1 AND phone_ext != ''{extra}", params)
        return [user_from_row(r) for r in rows]

    async def refresh(self) -> None:
        self._by_ext = {u.phone_ext: u for u in await self._query()}
        self._misses.clear()
        self._loaded_at = time.monotonic()

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)

    async def _refresh_later(self) -> None:
        """The periodic reload runs beside the bridge: pops keep using the old map meanwhile."""
        try:
            await self.refresh()
        finally:
            self._refreshing = None

    async def user_at(self, interface: str, *, ringing: bool = False) -> User | None:
        """`ringing`: a call is at stake, so an unknown phone is always looked up again."""
        now, ext = time.monotonic(), agent_extension(interface)
        if not self._loaded_at:
            await self.refresh()
        elif now - self._loaded_at > TTL_SECONDS and self._refreshing is None:
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh_later(), name="desk-directory")
        recently_missed = now - self._misses.get(ext, -MISS_SECONDS) < MISS_SECONDS
        if ext not in self._by_ext and (ringing or not recently_missed):
            found = await self._query(" AND phone_ext = ?", (ext,))
            if found:
                self._by_ext[ext] = found[0]
            else:
                self._misses[ext] = now
        return self._by_ext.get(ext)
