"""Reads that run to their end in one call on the connection's thread.

The reader connections are shared by every request. A cursor left open across an await keeps its
connection inside one read transaction, and whatever another request reads on that connection
meanwhile comes from the database as it was when that cursor opened: a case registered a moment
ago is then "not found". Each helper here steps its statement to the end in one call, so no read
spans an await.
"""
from __future__ import annotations

from typing import Any, Iterable

import aiosqlite


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    """The first row (for statements that find at most one, or are limited to one)."""
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None


async def fetch_value(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    """The first column of the first row (a count, an id), or None."""
    row = await fetch_one(conn, sql, params)
    return None if row is None else row[0]
