"""The base of the SQLite stores: a connection, the hotline's time zone, and row helpers."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from casework.db.timefmt import from_db, to_db


class SqlStore:
    def __init__(self, conn: aiosqlite.Connection, tz: ZoneInfo) -> None:
        self.conn, self.tz = conn, tz

    def t(self, value: datetime | None) -> str | None:
        return to_db(value, self.tz)

    def _f(self, value: str | None) -> datetime | None:
        return from_db(value, self.tz)

    async def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def _one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None
