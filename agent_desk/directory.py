"""Which platform user sits at which phone: users.phone_ext against the PBX member interface."""
from __future__ import annotations

import time

from casework.accounts.model import User
from casework.accounts.storage import USER_FIELDS, user_from_row
from casework.db.database import Database
from telephony.calls.records import agent_extension

TTL_SECONDS = 30.0
MISS_SECONDS = 5.0  # a phone nobody sits at is looked up again after this long


class Directory:
    """A small cache: the pop must not wait for a database round trip on every ring.

    Lookups never reload it (the first lookup after the TTL is a ring, in the middle of a burst):
    the desk bridge calls `refresh` every TTL_SECONDS, between bursts.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_ext: dict[str, User] = {}
        self._misses: dict[str, float] = {}
        self._loaded_at = 0.0

    async def _query(self, extra: str = "", params: tuple[str, ...] = ()) -> list[User]:
        async with self.db.reader() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {USER_FIELDS} FROM users WHERE active = 1 AND phone_ext != ''{extra}", params)
        return [user_from_row(r) for r in rows]

    async def refresh(self) -> None:
        self._by_ext = {u.phone_ext: u for u in await self._query()}
        self._misses.clear()
        self._loaded_at = time.monotonic()

    async def user_at(self, interface: str, *, ringing: bool = False) -> User | None:
        """`ringing`: a call is at stake, so an unknown phone is always looked up again."""
        now, ext = time.monotonic(), agent_extension(interface)
        if not self._loaded_at:
            await self.refresh()
        recently_missed = now - self._misses.get(ext, -MISS_SECONDS) < MISS_SECONDS
        if ext not in self._by_ext and (ringing or not recently_missed):
            found = await self._query(" AND phone_ext = ?", (ext,))
            if found:
                self._by_ext[ext] = found[0]
            else:
                self._misses[ext] = now
        return self._by_ext.get(ext)
