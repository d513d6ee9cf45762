"""Full-text indexing of new cases in batches, a moment behind their registration.

Indexing one case inside its own registration made that commit write a fresh FTS segment (and,
every few registrations, merge segments): half of all the pages a case's whole lifecycle writes.
Indexed a second's worth at a time, the same cases share one segment. A case's title, content and
address never change after registration, so "every case above `search_progress.upto`" is the whole
backlog, and searches read that backlog directly (`pending_matches`): a case is found the moment it
is registered. The backlog and its mark commit together, so a crash loses nothing: the next start
indexes what is left.
"""
from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import aiosqlite

from casework.db.database import Database
from casework.db.reads import fetch_all, fetch_value
from casework.search.text import contains, index_text, query_runs

BATCH = 500
INTERVAL = 1.0
BACKLOG = "SELECT id, title, content, address FROM cases WHERE id > ? ORDER BY id"


def index_batch(conn: sqlite3.Connection, limit: int = BATCH) -> int:
    """Index the oldest `limit` cases of the backlog (a write unit); how many it indexed."""
    (upto,) = conn.execute("SELECT upto FROM search_progress").fetchone()
    rows = conn.execute(f"{BACKLOG} LIMIT ?", (upto, limit)).fetchall()
    if rows:
        conn.executemany("INSERT INTO case_fts(rowid, body) VALUES (?, ?)",
                         [(row[0], index_text(*row[1:])) for row in rows])
        conn.execute("UPDATE search_progress SET upto = ?", (rows[-1][0],))
    return len(rows)


async def pending_matches(conn: aiosqlite.Connection, query: str) -> tuple[int, list[int]]:
    """The mark, and the ids of the cases above it (not yet in the index) that `query` finds."""
    upto = await fetch_value(conn, "SELECT upto FROM search_progress")
    rows = await fetch_all(conn, BACKLOG, (upto,))
    if not rows:
        return int(upto), []
    return int(upto), await asyncio.to_thread(_matching, rows, query_runs(query))  # off the loop, however long


def _matching(rows: list[Any], runs: list[str]) -> list[int]:
    return [row[0] for row in rows if contains(runs, *row[1:])]


class SearchIndexer:
    def __init__(self, db: Database, interval: float = INTERVAL) -> None:
        self.db, self.interval = db, interval

    async def catch_up(self) -> int:
        """Index the whole backlog, one batch per write unit; how many cases it indexed."""
        total = 0
        while True:
            done = await self.db.write(index_batch)
            total += done
            if done < BATCH:
                return total

    async def waiting(self) -> int:
        """Cases not yet in the index (a few at most while the indexer keeps up; shown by /healthz)."""
        async with self.db.reader() as conn:
            return int(await fetch_value(
                conn, "SELECT COUNT(*) FROM cases WHERE id > (SELECT upto FROM search_progress)"))

    async def run(self) -> None:
        while True:
            await self.catch_up()
            await asyncio.sleep(self.interval)
