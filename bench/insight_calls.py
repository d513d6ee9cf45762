"""Call records for the insight benchmark: one answered call behind every phone case, then abandoned
calls, calls answered without a case and call-backs, over the same year, up to the wanted total.

Bulk-inserted with executemany (the benchmark's only bypass of the telephony service), in a
writer thread; the insight triggers mark every day dirty as the real writes would.
"""
from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from bench.casework_build import BUILD_PRAGMAS, local_now, timeline
from bench.casework_history import fmt
from bench.casework_org import Org

COLUMNS = ("linked_id", "direction", "purpose", "caller_number", "queue", "offered_at", "answered_at", "ended_at",
           "wait_seconds", "ring_seconds", "talk_seconds", "agent_name", "agent_user_id", "hangup_side", "case_id",
           "callback_of", "disposition")
SQL = f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
BATCH = 50_000
QUEUES = ("12345", "12345", "12345", "12345-vip", "12345-en")
KINDS = ("abandoned", "answered", "callback"), (16, 70, 14)


def existing_calls(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    finally:
        conn.close()


class CallMaker:
    def __init__(self, org: Org, seed: int) -> None:
        self.rng = random.Random(seed)
        self.agents = [(s.id, s.name) for s in org.call_takers]
        self.n = 0

    def _wait(self) -> int:
        return min(300, int(self.rng.expovariate(1 / 11)))

    def _number(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10 ** 9):09d}"

    def answered(self, offered: int, case_id: int | None, disposition: str) -> tuple:
        self.n += 1
        wait, talk = self._wait(), self.rng.randint(40, 900)
        agent = self.rng.choice(self.agents)
        return (f"bench-{self.n}", "inbound", "none", self._number(), self.rng.choice(QUEUES), fmt(offered),
                fmt(offered + wait), fmt(offered + wait + talk), wait, min(wait, 8), talk, agent[1], agent[0], "caller",
                case_id, None, disposition)

    def abandoned(self, offered: int) -> tuple:
        self.n += 1
        wait = self.rng.randint(3, 180)
        return (f"bench-{self.n}", "inbound", "none", self._number(), self.rng.choice(QUEUES), fmt(offered), None,
                fmt(offered + wait), wait, 0, 0, "", None, "caller", None, None, "abandoned")

    def callback(self, offered: int) -> tuple:
        self.n += 1
        ring, talk = self.rng.randint(5, 30), self.rng.randint(20, 240)
        agent = self.rng.choice(self.agents)
        return (f"bench-{self.n}", "outbound", "callback", self._number(), "", fmt(offered), fmt(offered + ring),
                fmt(offered + ring + talk), 0, ring, talk, agent[1], agent[0], "agent", None, None, "outbound")


def _rows(conn: sqlite3.Connection, maker: CallMaker, total: int, seed: int) -> Iterator[tuple]:
    made = 0
    cases = conn.execute("SELECT id, created_at, disposition FROM cases WHERE source = 'phone' ORDER BY id")
    for case_id, created, disposition in cases:
        if made >= total:
            return
        made += 1
        yield maker.answered(_ts(created) - maker.rng.randint(60, 900), case_id, disposition)
    rest = total - made
    kinds = maker.rng.choices(KINDS[0], KINDS[1], k=rest)
    for kind, t in zip(kinds, timeline(rest, local_now(), random.Random(seed + 7))):
        if kind == "abandoned":
            yield maker.abandoned(t)
        elif kind == "answered":
            yield maker.answered(t, None, "pending")
        else:
            yield maker.callback(t)


def _ts(text: str) -> int:
    from datetime import datetime
    value = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    return int((value - datetime(1970, 1, 1)).total_seconds())


def add_calls(path: Path, org: Org, total: int, seed: int, log) -> float:
    """Insert `total` call records; returns the seconds it took."""
    started = time.perf_counter()
    reader = sqlite3.connect(path)
    writer = sqlite3.connect(path, isolation_level=None)
    for pragma in BUILD_PRAGMAS:
        writer.execute(pragma)
    batch: list[tuple] = []
    done = 0
    try:
        for row in _rows(reader, CallMaker(org, seed), total, seed):
            batch.append(row)
            if len(batch) == BATCH:
                done += _flush(writer, batch)
                if done % 500_000 == 0:
                    log(f"  {done:>9,} call records ({done / (time.perf_counter() - started):,.0f}/s)")
        done += _flush(writer, batch)
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        reader.close()
        writer.close()
    log(f"  {done:,} call records in {time.perf_counter() - started:.1f} s")
    return time.perf_counter() - started


def _flush(conn: sqlite3.Connection, batch: list[tuple]) -> int:
    if not batch:
        return 0
    conn.execute("BEGIN")
    conn.executemany(SQL, batch)
    conn.execute("COMMIT")
    count = len(batch)
    batch.clear()
    return count
